"""Tables to take away: safe CSV, Excel workbooks, the report's CSV links and its --xlsx workbook."""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import nbformat
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from csat_analysis import display
from csat_analysis import render as rep
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample
from csat_analysis.export import csv_text, excel_format, neutralise, sheet_names, write_csv, write_workbook
from csat_analysis.responses import with_schema

from .conftest import run_cli, visible_text

FORMULA = '=HYPERLINK("http://x","y")'
XSS = "<script>alert(1)</script>"
CSV_LINK = re.compile(r'<a download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([^"]+)">Download CSV</a>')


# --------------------------------------------------------------------------- neutralise / CSV


@pytest.mark.parametrize("text", ["=1+2", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", FORMULA])
def test_neutralise_prefixes_formula_starts(text):
    frame = pd.DataFrame({"a": [text, "plain"], "n": [-1.5, 2.0]})
    out = neutralise(frame)
    assert out["a"].tolist() == ["'" + text, "plain"]
    assert out["n"].tolist() == [-1.5, 2.0]  # numbers untouched
    assert frame["a"].iloc[0] == text  # the input is not changed


def test_neutralise_categories_labels_and_missing():
    frame = pd.DataFrame({"seg": pd.Categorical(["=x", "ok", None]), "-bad": [1, 2, 3]})
    out = neutralise(frame)
    assert out["seg"].tolist()[:2] == ["'=x", "ok"] and pd.isna(out["seg"].iloc[2])
    assert list(out.columns) == ["seg", "'-bad"]


def test_write_csv_is_utf8_with_bom_and_neutralised(tmp_path):
    frame = pd.DataFrame({"segment": [FORMULA, "Île-de-France"], "score": [61.5, -3.25]})
    path = write_csv(frame, tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["segment"].tolist() == ["'" + FORMULA, "Île-de-France"]
    assert back["score"].tolist() == [61.5, -3.25]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


# --------------------------------------------------------------------------- workbooks


def _sheet_xml(path, index: int) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_workbook_layout_numbers_and_text(tmp_path):
    frame = pd.DataFrame({"Segment": [FORMULA, "+44 20 7946", "-minus", "@at", "North"],
                          "Responses": [1200, 35, 4, 10, 2500],
                          "Score": [61.25, np.nan, 70.0, 12.5, 55.5],
                          "p": [0.0012, 0.5, 0.2, 0.9, 0.03]})
    frame.attrs["number_formats"] = {"Score": "0.0"}
    path = write_workbook({"By segment": frame, "Second/table: [x]": frame.head(1)}, tmp_path / "w.xlsx",
                          about={"Data": "=cmd|' /C calc'!A0", "Rows": "5 read"})
    wb = load_workbook(path)
    assert wb.sheetnames == ["About", "By segment", "Second_table_ _x_"]
    about = wb["About"]
    assert about["A1"].value == "Data" and about["B1"].value == "=cmd|' /C calc'!A0"
    assert about["B1"].data_type == "s"
    ws = wb["By segment"]
    assert [c.value for c in ws[1]] == ["Segment", "Responses", "Score", "p"]
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "A2"
    for row, (_, expect) in zip(ws.iter_rows(min_row=2), frame.iterrows(), strict=False):
        assert row[0].value == expect["Segment"] and row[0].data_type == "s"
        assert row[1].value == expect["Responses"] and row[1].data_type == "n" and row[1].number_format == "#,##0"
        if np.isnan(expect["Score"]):
            assert row[2].value is None
        else:
            assert row[2].value == expect["Score"] and row[2].number_format == "0.0"
        assert row[3].number_format == "0.000"
    assert ws.column_dimensions["A"].width >= len(FORMULA)
    assert ws.column_dimensions["B"].width >= len("Responses")
    # no formula anywhere in the file: every text cell is a string, never <f>
    for i in (1, 2, 3):
        assert "<f>" not in _sheet_xml(path, i)


def test_sheet_names_follow_excel_rules():
    names = sheet_names(["a" * 40, "a" * 40, "x:y", "", "History", "It's"])
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[2] == "x_y" and names[3] == "Sheet" and names[4] != "History"
    assert not any(set(n) & set("[]:*?/\\") for n in names)


def test_excel_formats_from_python_formats():
    assert excel_format("{:.3f}") == "0.000"
    assert excel_format("{:,.0f}") == "#,##0"
    assert excel_format("{:.1%}") == "0.0%"
    assert excel_format("{}") is None


# --------------------------------------------------------------------------- table_html: CSV link and data


def _link_csv(page: str, index: int = 0) -> tuple[str, pd.DataFrame]:
    name, payload = CSV_LINK.findall(page)[index]
    text = base64.b64decode(payload).decode("utf-8")
    assert text.startswith("\ufeff")
    return html.unescape(name), pd.read_csv(io.StringIO(text[1:]), keep_default_na=False, na_values=[""])


def test_table_html_has_offline_csv_link_with_the_table_data():
    table = pd.DataFrame({"segment": [FORMULA, XSS, "Small"], "n": [120, 80, 3],
                          "score": [61.25, 48.0, 90.0], "suppressed": [False, False, True]})
    out = rep.table_html(table, columns={"segment": "Segment", "n": "Responses", "score": "Score"},
                         formats={"score": "{:.1f}"}, caption="By region")
    page = out.data
    table_part, link_part = page.split("</table>")
    assert "Download CSV" not in table_part and link_part.startswith('<p class="csat-download">')
    assert "&lt;script&gt;" in table_part and XSS not in page
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in table_part
    name, csv = _link_csv(page)
    assert name == "by-region.csv"
    assert list(csv.columns) == ["Segment", "Responses", "Score", "Note"]
    assert csv["Segment"].tolist() == ["'" + FORMULA, XSS, "Small"]
    assert csv["Score"].tolist()[:2] == [61.2, 48.0]  # rounded as the table shows it (issue 28, one rule)
    assert np.isnan(csv["Score"].iloc[2]), "a suppressed score is not in the CSV either"
    assert "90" not in base64.b64decode(CSV_LINK.findall(page)[0][1]).decode()
    bundle = out._repr_mimebundle_()
    assert bundle["text/html"] == page
    data = bundle[rep.TABLE_MIME]
    assert data["title"] == "By region" and data["rows"][2][2] is None


def test_header_carries_its_facts():
    frame = pd.DataFrame({"csat": [4, 5], "date": pd.to_datetime(["2024-01-05", "2024-03-01"])})
    frame = with_schema(frame, None, source="export.csv")
    out = rep.header("Title", data=frame, parameters={"segment": FORMULA, "alpha": 0.05})
    facts = out._repr_mimebundle_()[rep.HEADER_MIME]
    assert facts["Report"] == "Title" and facts["Data"] == "export.csv"
    assert facts["Period"] == "05 Jan 2024 to 01 Mar 2024"
    assert facts["Parameters"] == f"Segment: {FORMULA}; Significance level: 0.05"  # words (issue 28)


# --------------------------------------------------------------------------- a rendered report with --xlsx


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (th and td)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _numbers(texts) -> list[tuple[float, int]]:
    """Numbers as a reader sees them in table cells: (value, decimals shown)."""
    out = []
    for t in texts:
        for m in re.finditer(r"(?<![\w.])([+\-\u2212]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?", t):
            sign = -1 if m.group(1) in ("-", "\u2212") else 1
            value = sign * float(m.group(2).replace(",", "") + ("." + m.group(3) if m.group(3) else ""))
            out.append((value, len(m.group(3) or "")))
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The overview report with --xlsx on a small export whose data holds formula-like text and a tiny segment."""
    import yaml

    from csat_analysis.cli import main

    folder = tmp_path_factory.mktemp("xlsx")
    frame = make_sample(1500, random_state=11)
    frame.loc[frame["region"] == "West", "region"] = FORMULA
    tiny = frame.index[frame["region"] == "East"][:3]
    frame.loc[tiny, "region"] = XSS  # 3 responses: below the privacy threshold (5)
    latest = frame["submitted"].max()
    worst = frame.index[frame["satisfaction"] == 1][0]
    frame.loc[worst, ["submitted", "comment"]] = [latest, "=1+2 " + FORMULA]
    frame.to_csv(folder / "data.csv", index=False)
    (folder / "schema.yml").write_text(yaml.safe_dump(SAMPLE_SCHEMA))
    out = folder / "out"
    code = main(["run", "overview", "--data", str(folder / "data.csv"), "--schema", str(folder / "schema.yml"),
                 "--out", str(out), "--xlsx"])
    assert code == 0
    return out / "overview.html", out / "overview.xlsx", out / "overview.ipynb"


def test_workbook_holds_the_numbers_of_the_html_tables(rendered):
    page_path, book_path, _ = rendered
    page = page_path.read_text()
    parser = _Tables()
    parser.feed(page)
    html_tables = [t for t in parser.tables if t]
    wb = load_workbook(book_path)
    assert wb.sheetnames[0] == "About"
    data_sheets = wb.sheetnames[1:]
    # a sheet per table the HTML shows; the banner table's HTML is laid out in blocks of one sheet
    captions = re.findall(r'<table class="csat-table[^"]*">(?:<caption>(.*?)</caption>)?', page)
    blocks = [c for c in captions]
    assert len(data_sheets) == len(CSV_LINK.findall(page)) == len(blocks) - (page.count("csat-crosstab\"") - 1)
    assert "Headline scores" in data_sheets and "Banner table" in data_sheets
    html_numbers = _numbers(cell for table in html_tables for row in table for cell in row)
    for name in data_sheets:
        ws = wb[name]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type != "n" or cell.value is None or isinstance(cell.value, bool):
                    continue
                v = float(cell.value)
                if cell.number_format == display.P_FORMAT:  # the exact p-value; shown as the HTML shows it
                    v = 0.0 if v < 0.001 else v
                    assert v == 0.0 or any(abs(v - h) <= 0.5 * 10**-d + 1e-9 for h, d in html_numbers)
                    continue
                if "%" in cell.number_format:  # a percentage is a fraction of one with a percent format
                    v *= 100
                assert any(abs(v - h) <= 0.5 * 10**-d + 1e-9 for h, d in html_numbers), (name, cell.coordinate, v)
    # and the other way round: every score and base of the banner table is in its sheet
    ws = wb["Banner table"]
    sheet_values = [c.value * (100 if "%" in c.number_format else 1) if c.value is not None else None
                    for row in ws.iter_rows(min_row=2) for c in row if c.data_type == "n"]
    banner_html = [t for t in html_tables if t and t[0] and t[0][0] == ""]
    assert banner_html
    for table in banner_html:
        for row in table[2:]:
            for value, decimals in _numbers(row[1:]):
                assert any(v is not None and abs(value - v) <= 0.5 * 10**-decimals + 1e-9 for v in sheet_values), value


def test_about_sheet_has_the_header_facts(rendered):
    _, book_path, _ = rendered
    about = {r[0]: r[1] for r in load_workbook(book_path)["About"].iter_rows(values_only=True)}
    assert about["Report"] == "Customer experience overview"
    assert about["Data"] == "data.csv"
    assert about["Rows"].startswith("1,500 read, 1,500 usable")
    assert " to " in about["Period"]
    assert "Privacy threshold: 5" in about["Parameters"]
    assert "Banner table" in about["Tables"]


def test_formula_text_is_text_in_workbook_csv_links_and_html(rendered):
    page_path, book_path, _ = rendered
    page = page_path.read_text()
    # text in the HTML (nbconvert writes quotes in text nodes as they are), never markup or a link
    assert f">{FORMULA}<" in page and "href=\"http" not in page
    assert FORMULA in visible_text(page)
    assert XSS not in page and "&lt;script&gt;" in page
    wb = load_workbook(book_path)
    texts = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert any(c.value.startswith("=") for c in texts), "a data cell starting with '=' (the comment)"
    assert any(FORMULA in c.value for c in texts if c.parent.title == "Banner table"), "the segment, as text"
    assert all(c.data_type == "s" for c in texts)
    with zipfile.ZipFile(book_path) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    for _, payload in CSV_LINK.findall(page):
        text = base64.b64decode(payload).decode("utf-8")
        for line in text.splitlines():
            for cell in line.split(","):
                assert not cell.lstrip('"').startswith(("=", "+", "@")), cell


def test_suppressed_segment_is_absent_from_workbook_and_links(rendered):
    page_path, book_path, _ = rendered
    page = page_path.read_text()
    wb = load_workbook(book_path)
    ws = wb["Banner table"]
    heads = [c.value for c in ws[1]]
    col = heads.index(next(h for h in heads if h.startswith(f"region: {XSS}") and h.endswith(")")))
    assert all(row[col].value is None for row in ws.iter_rows(min_row=2))  # no score
    assert all(row[col + 1].value is None for row in ws.iter_rows(min_row=2))  # no base
    assert all(not row[col + 2].value for row in ws.iter_rows(min_row=2))  # no effective base
    assert all(not row[col + 3].value for row in ws.iter_rows(min_row=2))  # no letters
    assert heads[col + 3].endswith("sig.")
    assert "suppressed" in page
    # the page's CSV link of the banner table holds no more than the sheet
    links = dict((html.unescape(n), p) for n, p in CSV_LINK.findall(page))
    csv = pd.read_csv(io.StringIO(base64.b64decode(links["banner-table.csv"]).decode("utf-8-sig")))
    assert csv.iloc[:, col].isna().all() and csv.iloc[:, col + 1].isna().all() and csv.iloc[:, col + 3].isna().all()


def test_page_policy_still_blocks_everything_but_inline_data(rendered):
    page = rendered[0].read_text()
    meta = re.search(r'<meta[^>]*http-equiv="Content-Security-Policy"[^>]*>', page).group(0)
    policy = html.unescape(re.search(r'content="([^"]+)"', meta).group(1))
    assert policy.startswith("default-src 'none'")
    assert "script-src" not in policy and "connect-src" not in policy
    links = re.findall(r'href="([^"]*)"', page)
    assert links and all(h.startswith("data:text/csv;charset=utf-8;base64,") or h.startswith("#") for h in links)
    assert not re.search(r"""(?:src|href)=["']https?://""", page)


def test_stripped_notebook_outputs_keep_table_data_out_of_the_html(rendered):
    page_path, _, ipynb = rendered
    nb = nbformat.read(ipynb, as_version=4)
    mimes = {m for c in nb.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})}
    assert rep.TABLE_MIME in mimes and rep.HEADER_MIME in mimes  # in the executed notebook, for the workbook
    assert rep.TABLE_MIME not in page_path.read_text()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
def test_csv_links_work_in_offline_chromium(rendered, tmp_path):
    page_path, book_path, _ = rendered
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=127.0.0.1:9", "--dump-dom", page_path.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    links = CSV_LINK.findall(dom)
    assert len(links) == len(load_workbook(book_path).sheetnames) - 1
    _, csv = _link_csv(dom, [n for n, _ in links].index("banner-table.csv"))
    assert csv.columns[0] == "Metric" and "Total" in csv.columns


def test_xlsx_flag_on_every_command(capsys, tmp_path):
    from csat_analysis.cli import build_parser

    parser = build_parser()
    for argv in (["demo", "--xlsx"], ["run", "overview", "--data", "x.csv", "--xlsx"],
                 ["batch", "overview", "--data", "x.csv", "--by", "region", "--xlsx"]):
        assert parser.parse_args(argv).xlsx is True
    code, _, err = run_cli(capsys, "run", "overview", "--data", str(tmp_path / "nope.csv"), "--xlsx")
    assert code == 1 and "nope.csv" in err and "does not exist" in err


def test_workbook_from_an_executed_notebook_without_kernel(tmp_path):
    """report_tables reads tables in order, named by caption or the heading above them."""
    table = pd.DataFrame({"segment": [FORMULA, "b"], "score": [1.5, 2.5]})
    cells = [nbformat.v4.new_markdown_cell("## Scores by region"),
             nbformat.v4.new_code_cell(), nbformat.v4.new_code_cell()]
    for cell, obj in zip(cells[1:], [rep.table_html(table), rep.table_html(table, caption="Second")], strict=False):
        bundle = obj._repr_mimebundle_()
        cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["csat_title"] = "T"
    _, tables = rep.report_tables(nb)
    assert [t for t, _ in tables] == ["Scores by region", "Second"]
    path = rep.write_report_workbook(nb, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["About", "Scores by region", "Second"]
    assert wb["Scores by region"]["A2"].value == FORMULA and wb["Scores by region"]["A2"].data_type == "s"
    assert wb["Second"]["B3"].value == 2.5
    csv = csv_text(tables[0][1])
    assert csv.splitlines()[1].startswith("\"'=HYPERLINK")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
def test_csv_link_downloads_in_headless_chromium(rendered, tmp_path):
    """Click the banner table's link in Chromium (DevTools protocol): the page's CSP lets the download through."""
    import json
    import time
    import urllib.request

    websocket = pytest.importorskip("websocket")
    page_path = rendered[0]
    downloads, profile = tmp_path / "downloads", tmp_path / "profile"
    downloads.mkdir()
    proc = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--proxy-server=127.0.0.1:9", "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(300):
            if port_file.is_file() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        base = f"http://127.0.0.1:{port}"
        browser = websocket.create_connection(json.load(urllib.request.urlopen(f"{base}/json/version"))
                                              ["webSocketDebuggerUrl"], timeout=30)
        target = next(t for t in json.load(urllib.request.urlopen(f"{base}/json")) if t["type"] == "page")
        tab = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30)
        counter = iter(range(1, 1000))

        def call(ws, method, **params):
            i = next(counter)
            ws.send(json.dumps({"id": i, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == i:
                    return msg.get("result", {})

        call(browser, "Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        call(tab, "Page.navigate", url=page_path.as_uri())
        for _ in range(100):
            state = call(tab, "Runtime.evaluate", expression="document.readyState")["result"]["value"]
            if state == "complete":
                break
            time.sleep(0.1)
        names = call(tab, "Runtime.evaluate", expression=(
            "Array.from(document.querySelectorAll('a[download]')).map(a => a.download).join('|')"))["result"]["value"]
        assert "banner-table.csv" in names.split("|")
        call(tab, "Runtime.evaluate",
             expression="document.querySelector('a[download=\"banner-table.csv\"]').click()")
        target_file = downloads / "banner-table.csv"
        for _ in range(100):
            if target_file.is_file() and target_file.stat().st_size:
                break
            time.sleep(0.1)
        got = pd.read_csv(target_file, encoding="utf-8-sig")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    book = pd.read_excel(rendered[1], sheet_name="Banner table")
    assert list(got.columns) == list(book.columns)
    pd.testing.assert_frame_equal(got.select_dtypes("number"), book.select_dtypes("number"), check_dtype=False)


@pytest.mark.slow
def test_batch_writes_one_workbook_per_report(tmp_path):
    import yaml

    frame = make_sample(600, random_state=5)
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "s.yml").write_text(yaml.safe_dump(SAMPLE_SCHEMA))
    results = rep.run_batch("overview", data=tmp_path / "d.csv", schema=tmp_path / "s.yml", by="plan",
                            out=tmp_path / "out", workers=1, progress=False, xlsx=True)
    assert [r.ok for r in results] == [True, True, True]
    for r in results:
        assert r.xlsx == r.html.with_suffix(".xlsx") and r.xlsx.is_file()
        about = {row[0]: row[1] for row in load_workbook(r.xlsx)["About"].iter_rows(values_only=True)}
        assert f"Segment: {r.label}" in about["Parameters"]
    assert not list((tmp_path / "out").glob(".*partial*"))


def test_numbers_shown_as_text_become_numbers_with_their_shown_format(tmp_path):
    """A column of formatted scores (CSAT %, NPS, CES) is numbers in the workbook, each shown as in the HTML."""
    table = pd.DataFrame({"metric": ["CSAT", "NPS", "CES"], "score": ["60.3%", "+11.3", "4.85"],
                          "change": ["-2.2 pp", "-4.7 points", "n/a"], "label": ["1,234", "12", "x"]})
    data = display.table_data(table)
    assert data["score"].tolist() == [0.603, 11.3, 4.85]  # a percentage is a fraction with a % format (issue 28)
    assert data["change"].tolist()[:2] == [-2.2, -4.7] and np.isnan(data["change"].iloc[2])
    assert data["label"].tolist() == ["1,234", "12", "x"]  # not every value is a number: text stays text
    path = write_workbook({"t": data}, tmp_path / "t.xlsx")
    ws = load_workbook(path)["t"]
    assert [ws.cell(row=r, column=2).number_format for r in (2, 3, 4)] == ["0.0%", "+0.0;-0.0;0.0", "0.00"]
    assert [ws.cell(row=r, column=2).value for r in (2, 3, 4)] == [0.603, 11.3, 4.85]
