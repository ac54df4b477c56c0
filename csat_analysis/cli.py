"""The ``csat-report`` command line: a thin layer over :mod:`csat_analysis.render`.

Parameters reach a notebook in this order (later wins): the notebook's
``parameters`` cell, ``--data``/``--schema``, then each ``-p NAME VALUE``.
``VALUE`` is read as YAML, so ``-p min_n 50`` is an integer, ``-p segment
null`` is None, ``-p start 2021-07-01`` a date (passed on as ISO text) and
``-p title "Q1 review"`` a string.  Only plain scalars and lists of them are
accepted: a YAML tag such as ``!!pairs`` or ``!!binary`` is an error (exit 2)
before any kernel starts, since papermill writes parameter values into code.

Exit status: 0 success; 1 a report failed or nothing usable was loaded;
2 bad arguments, a bad schema or an unreadable file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from . import config
from .exceptions import CsatAnalysisError, DataError, ParameterError, SchemaError

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one sentence, exit 2, no usage dump
        self.exit(2, f"csat-report: error: {message}. Run 'csat-report {self.prog.split()[-1]} --help' for usage.\n"
                  if " " in self.prog else f"csat-report: error: {message}. Run 'csat-report --help' for usage.\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive whole number (e.g. 20000)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="csat-report", description="Render CSAT / NPS / CES reports and check survey exports.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="render every report on the bundled sample data (what `make report` runs)")
    demo.add_argument("--out", default=str(config.REPORT_DIR), help="output folder (default: reports/)")

    def add_xlsx(p):
        p.add_argument("--xlsx", action="store_true",
                       help="also write an Excel workbook per report (About sheet + one sheet per table)")

    add_xlsx(demo)

    def add_params(p):
        p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                       help="set a notebook parameter (VALUE read as YAML)")

    run = sub.add_parser("run", help="render one report")
    run.add_argument("notebook", help="a name from notebooks/ (overview, trends, ...), a path to an .ipynb, or "
                     "'all': every report the data supports (the others are listed with the reason)")
    run.add_argument("--data", required=True, help="survey export (CSV, TSV, XLSX, Parquet)")
    run.add_argument("--schema", help="schema file (YAML); inferred from column names when omitted")
    run.add_argument("--out", default=str(config.REPORT_DIR), help="output folder (default: reports/)")
    run.add_argument("--name", help="file name of the report (default: the notebook name)")
    add_params(run)
    add_xlsx(run)

    batch = sub.add_parser("batch", help="render one report per value of a column, with an index page")
    batch.add_argument("notebook")
    batch.add_argument("--data", required=True)
    batch.add_argument("--schema")
    batch.add_argument("--by", required=True, help="column whose values each get a report (e.g. region)")
    batch.add_argument("--workers", type=_positive_int, default=None, help="parallel worker processes (default 2)")
    batch.add_argument("--out", default=str(config.REPORT_DIR))
    batch.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_xlsx(batch)
    add_params(batch)

    validate = sub.add_parser("validate", help="load a file and print what happened to every row")
    validate.add_argument("--data", required=True)
    validate.add_argument("--schema")
    validate.add_argument("--json", action="store_true", help="print the load report as JSON")
    validate.add_argument("--write-schema", metavar="PATH",
                          help="save the schema used or inferred (commented) to PATH, to check and edit")
    validate.add_argument("--force", action="store_true", help="overwrite the --write-schema file if it exists")

    sample = sub.add_parser("sample", help="write synthetic responses with documented ground truth")
    sample.add_argument("--rows", type=_positive_int, default=20_000, help="number of responses (default 20000)")
    sample.add_argument("--out", required=True, help="output file: .csv, .parquet or .xlsx")
    sample.add_argument("--random-state", "--seed", dest="random_state", type=int, default=2024,
                        help="seed of the draw: the same number gives the same data (default 2024; --seed is the "
                             "old name)")
    sample.add_argument("--force", action="store_true", help="overwrite existing files")
    return parser


def _parameters(pairs: Sequence[Sequence[str]]) -> dict:
    """``-p NAME VALUE`` pairs as plain values (see :func:`csat_analysis.render.plain_parameters`)."""
    from ._yaml import safe_yaml_load
    from .params import plain_parameters

    out = {}
    for name, value in pairs:
        try:
            out[name] = safe_yaml_load(value, origin=f"-p {name}")  # no alias bombs
        except yaml.YAMLError:  # e.g. a !!python tag: safe_load refuses it, the text stays text
            out[name] = value
    return plain_parameters(out)


def _check_file(path: str | None, what: str) -> None:
    """A missing data file is a data error (exit 1), a missing schema a bad argument (exit 2)."""
    if path is not None and "://" not in str(path) and not Path(path).is_file():  # URLs: a database
        error = DataError if what == "Data file" else ParameterError
        raise error(f"{what} {path!r} does not exist; check the path.")


def _coverage(result) -> str | None:
    """``health: 1 of 5 sections; needs columns.customer_id, outcomes`` from a report's executed notebook."""
    import json

    from .sections import coverage

    path = getattr(result, "ipynb", None)
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        return None
    return str(coverage(nb, result.name)) if nb is not None else None


def _print_result(r) -> None:
    if r.ok:
        print(f"  ok      {r.html}")
        if getattr(r, "xlsx", None):
            print(f"          {r.xlsx}")
        line = _coverage(r)
        if line:
            print(f"          {line}")
    else:
        where = f" (cell {r.failed_cell})" if r.failed_cell else ""
        print(f"  FAILED  {r.name}{where}: {r.error}")
        ipynb = getattr(r, "ipynb", None)
        if ipynb is not None and Path(ipynb).is_file():
            print(f"          the executed notebook with the error: {ipynb}")


def _report_results(results, *, index: Path | None = None, printed: bool = False) -> int:
    """Print each report's files and sections rendered (or its failure and where to read it); the exit code."""
    for r in results if not printed else ():
        _print_result(r)
    failed = [r for r in results if not r.ok]
    if failed:
        if index is not None:
            where = f"see the index {index} for details"
        else:
            books = [str(r.ipynb) for r in failed if getattr(r, "ipynb", None) and Path(r.ipynb).is_file()]
            where = ("the error is in the executed notebook " + ", ".join(books)) if books else \
                "no executed notebook was written"
        print(f"{len(failed)} of {len(results)} report(s) failed; {where}.", file=sys.stderr)
    return 1 if failed else 0


def _run_all(args, params: dict) -> int:
    """``csat-report run all``: every report the data supports; the others listed with the reason."""
    from . import render as rep
    from .io import load_responses
    from .responses import schema_of
    from .sections import unsupported_reports

    frame, _ = load_responses(args.data, args.schema)
    why = unsupported_reports(schema_of(frame), list(frame.columns), config.REPORT_NOTEBOOKS)
    results = []
    for notebook, reason in why.items():
        if reason is not None:
            print(f"  skipped {notebook}: {reason}")
            continue
        from .params import check_parameters, resolve_notebook

        given = {k: v for k, v in params.items() if k in check_parameters(resolve_notebook(notebook), {})}
        try:
            result = rep.run_report(notebook, data=args.data, schema=args.schema, parameters=given, out=args.out,
                                    xlsx=args.xlsx)
        except CsatAnalysisError as exc:
            result = rep.ReportResult(name=notebook, notebook=notebook, ipynb=Path(args.out) / f"{notebook}.ipynb",
                                      html=None, ok=False, seconds=0.0, error=str(exc))
        _print_result(result)
        results.append(result)
    if not results:
        print("No report can be rendered from this data; see the reasons above.", file=sys.stderr)
        return 1
    return _report_results(results, printed=True)


def _skip_unused_imports() -> None:
    """Keep jsonschema from building its RFC 3987 parser in this process (about 1.5 s per command).

    nbformat imports jsonschema, which at import time compiles a grammar for the ``iri`` formats of
    its optional format checker when ``rfc3987_syntax`` is installed.  Notebook validation never
    checks those formats (nbformat's schemas have none; it validates with fastjsonschema), so the
    commands that render reports mark that optional module as absent, as if it were not installed.
    Only this command-line process is affected; kernels and library callers are not.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def _early_kernel(notebook: str):
    """The report's kernel, started once the arguments are checked and before this process imports pandas and
    the renderer (about 0.3-1 s), which it then does while the kernel starts and imports what the notebook uses.

    None when it cannot start: :func:`~csat_analysis.render.run_report` then starts its own and reports why.
    """
    from .kernel import ReportKernel, preload_modules
    from .params import resolve_notebook

    path = resolve_notebook(notebook)
    try:
        return ReportKernel(path.parent, preload_modules(path))
    except Exception:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``csat-report``; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "sample":
            from .datasets import write_sample

            paths = write_sample(args.out, args.rows, random_state=args.random_state, overwrite=args.force)
            print(f"Wrote {args.rows:,} responses to {paths['data']}, schema {paths['schema']}, "
                  f"truth {paths['truth']}.")
            return 0
        if args.command == "validate":
            from .io import load_responses

            _check_file(args.data, "Data file")
            _check_file(args.schema, "Schema file")
            try:
                _, report = load_responses(args.data, args.schema)
            except SchemaError as exc:
                draft = getattr(exc, "draft", None)  # inference found no score: write the draft anyway
                if draft is None or not args.write_schema:
                    raise
                _write_text(_SCHEMA_HELP.format(source=Path(args.data).name, how="drafted from its columns")
                            + draft.to_yaml(), args.write_schema, force=args.force)
                print(f"csat-report: error: {exc} A draft was written to {args.write_schema}: fill in its "
                      "'metrics' key (the candidates are listed in it as comments), then run validate again with "
                      f"--schema {args.write_schema}.", file=sys.stderr)
                return 1
            except DataError as exc:
                report = getattr(exc, "report", None)
                if report is None:
                    raise
                print(report.to_json() if args.json else str(report))
                print(f"csat-report: error: {exc}", file=sys.stderr)
                return 1
            if args.write_schema:
                _write_schema(report, args.write_schema, force=args.force)
            if args.json:
                print(report.to_json())
            else:
                print(report)
                if report.schema_inferred:
                    print("\nInferred schema (save it, check it, pass it with --schema):\n")
                    print(report.schema.to_yaml())
            return 0
        _skip_unused_imports()
        if args.command == "demo":
            from . import render as rep

            results = rep.run_demo(args.out, xlsx=args.xlsx)
            print(f"Index: {Path(args.out) / 'index.html'}")
            return _report_results(results, index=Path(args.out) / "index.html")
        from .params import check_domains, check_parameters, resolve_notebook

        params = _parameters(args.parameter)
        if args.command == "run" and args.notebook == "all":
            check_domains(params)
            _check_file(args.data, "Data file")
            _check_file(args.schema, "Schema file")
            return _run_all(args, params)
        check_parameters(resolve_notebook(args.notebook), params)  # a wrong -p fails here, before pandas loads
        _check_file(args.data, "Data file")
        _check_file(args.schema, "Schema file")
        if args.command == "run":
            kernel = _early_kernel(args.notebook)
            try:
                from . import render as rep

                result = rep.run_report(args.notebook, data=args.data, schema=args.schema, parameters=params,
                                        out=args.out, name=args.name, xlsx=args.xlsx, km=kernel)
            finally:
                if kernel is not None:
                    kernel.shutdown(now=True)  # the report is written: nothing in the kernel is worth a clean exit
            return _report_results([result])
        from . import render as rep

        results = rep.run_batch(args.notebook, data=args.data, by=args.by, schema=args.schema, parameters=params,
                                out=args.out, workers=args.workers, progress=not args.no_progress, xlsx=args.xlsx)
        print(f"Index: {Path(args.out) / 'index.html'}")
        return _report_results(results, index=Path(args.out) / "index.html")
    except CsatAnalysisError as exc:
        print(f"csat-report: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("csat-report: interrupted; finished reports were kept, unfinished ones are marked in the index.",
              file=sys.stderr)
        return 130


_SCHEMA_HELP = """\
# Schema for {source}, {how} by csat-report validate.
# Check every line against the export, edit, then pass it with --schema. Keys (all optional but metrics):
#   columns.segments  category columns to compare groups by (a batch runs one report per value)
#   columns.ratings   attribute ratings (e.g. 1-5 sub-ratings): drivers and extra correlation items
#   columns.extra     other numeric columns kept for regressions (durations, amounts)
#   columns.pii       never shown in reports; a column may not be PII and anything else
#   columns.customer_id / outcomes   the customer and what happened to them (churned: {{column: ...}})
#   short_labels      {{long question header: label of at most 40 characters}} shown in charts and tables
#   metrics.<csat|nps|ces>: {{column, scale: [low, high], top_box, labels: {{text: score}}}}
#   targets           e.g. {{csat: 80, nps: 30}}: target lines and flags in trend reports
#   campaigns         e.g. [{{name: spring, column: Offer, control: "None", start: 2021-03-01}}]
"""


def _write_schema(report, path: str, *, force: bool) -> None:
    how = "inferred from its columns" if report.schema_inferred else "as read"
    text = _SCHEMA_HELP.format(source=Path(report.source).name, how=how) + report.schema.to_yaml()
    comments = getattr(report.schema, "draft_comments", ()) if report.schema_inferred else ()
    _write_text(text + "".join(f"{line}\n" for line in comments), path, force=force)
    print(f"Schema written to {path}; check it, edit it and pass it with --schema.", file=sys.stderr)


def _write_text(text: str, path: str, *, force: bool) -> None:
    target = Path(path)
    if (target.exists() or target.is_symlink()) and not force:
        raise ParameterError(f"{path!r} already exists; choose another --write-schema path or pass --force.")
    try:
        if target.is_symlink():
            target.unlink()
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"Cannot write the schema to {path!r} ({exc.strerror or exc}).") from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
