"""Issue 27 §7: the README documents every key the schema parser accepts.

The parser's keys are read from the parser itself: each section is given an unknown key and the error lists
the allowed ones, so a key added anywhere in the parser shows up here without editing this test.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from csat_analysis.exceptions import SchemaError
from csat_analysis.schema import read_schema

README = Path(__file__).resolve().parents[1] / "README.md"
METRICS = {"csat": "x"}

#: (prefix of the documented key, a schema with an unknown key ``zzz`` in that section)
PROBES = [
    ("", {"metrics": METRICS, "zzz": 1}),
    ("source.", {"metrics": METRICS, "source": {"zzz": 1}}),
    ("columns.", {"metrics": METRICS, "columns": {"zzz": 1}}),
    ("columns.date.", {"metrics": METRICS, "columns": {"date": {"column": "d", "zzz": 1}}}),
    ("metrics.<metric>.", {"metrics": {"csat": {"column": "x", "zzz": 1}}}),
    ("metrics.", {"metrics": {"zzz": "x"}}),
    ("campaigns[].", {"metrics": METRICS, "campaigns": [{"name": "a", "column": "b", "zzz": 1}]}),
    ("outcomes.<name>.", {"metrics": METRICS, "outcomes": {"churned": {"column": "x", "zzz": 1}}}),
    ("population.", {"metrics": METRICS, "population": {"zzz": 1}}),
]


def parser_keys() -> set[str]:
    keys: set[str] = set()
    for prefix, raw in PROBES:
        with pytest.raises(SchemaError) as info:
            read_schema(raw)
        found = re.search(r"allowed keys are (\[[^\]]*\])", str(info.value))
        assert found, f"{prefix or 'top level'}: the error names no allowed keys: {info.value}"
        keys |= {prefix + k for k in ast.literal_eval(found.group(1))}
    return keys


def readme_keys() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Schema reference", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z_]+(?:(?:\.|\[\]\.)(?:<[a-z]+>|[a-z_]+))*)`", section))


def test_every_parser_key_is_in_the_readme_schema_reference():
    missing = sorted(parser_keys() - readme_keys())
    assert missing == [], f"README.md 'Schema reference' does not document {missing}"


def test_the_reference_names_the_keys_the_issue_found_undocumented():
    documented = readme_keys()
    for key in ("source.sheet", "source.delimiter", "campaigns[].exposed", "columns.comment", "short_labels",
                "columns.multi", "customers", "source.header_row", "benchmarks"):
        assert key in documented, key
