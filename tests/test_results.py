"""Issue 26 §5 and §4: one shape for result objects, one name per idea, one weights resolver, raw Ibis tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csat_analysis as ca
from csat_analysis._utils import check_table, weight_column, weight_values
from csat_analysis.deprecation import renamed_attribute, renamed_parameters
from csat_analysis.exceptions import DataError, ParameterError
from csat_analysis.results import Result

FORMULA = '=HYPERLINK("http://evil.example","click")'
SCRIPT = "<script>alert(1)</script>"
GOOD = ["great", "friendly", "helpful", "quick", "excellent", "lovely"]
BAD = ["rude", "slow", "broken", "late", "awful", "useless"]


def _responses(n: int = 720, seed: int = 7) -> pd.DataFrame:
    """An export-shaped table: 16 regions (one named like a formula, one like a script), nine days, comments."""
    rng = np.random.default_rng(seed)
    regions = [FORMULA, SCRIPT] + [f"Region {i:02d} – North-West & Islands" for i in range(14)]
    region = np.array(regions)[np.arange(n) % len(regions)]
    csat = rng.integers(1, 6, n)
    words = [" ".join(list(rng.choice(GOOD, int(s) - 1)) + list(rng.choice(BAD, 5 - int(s))) + ["service"])
             for s in csat]
    return pd.DataFrame({
        "response_id": [f"r{i}" for i in range(n)],
        "date": pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(n) % 9, unit="D"),
        "region": region,
        "plan": np.where(np.arange(n) % 3 == 0, "Annual contract; paid monthly", "Pay as you go"),
        "csat": pd.array(csat, dtype="Int64"),
        "nps": pd.array(rng.integers(0, 11, n), dtype="Int64"),
        "comment": words,
    })


def _rake():
    data = _responses()
    shares = {lv: 1 / 16 for lv in data["region"].unique()}
    return ca.rake(data, {"region": shares}, by="region")


def _response_bias():
    data = _responses()
    data["responded"] = (np.arange(len(data)) % 4 != 0).astype(int)
    return ca.response_bias(data, responded="responded", by=["region", "plan"])


def _crosstab():
    return ca.crosstab(_responses(), rows=["csat", "nps"], banner=["region", "plan"])


def _sentiment():
    return ca.sentiment(_responses(), method="lexicon", by="region")


def _themes():
    return ca.themes(_responses(), dictionary={FORMULA: ["rude", "slow"], "speed": ["quick"]}, discover=False,
                     by="region")


def _customers_frame(n: int = 720) -> pd.DataFrame:
    """Responses with a customer id (one formula-like, one script-like), usage and a churn outcome."""
    data = _responses(n)
    rng = np.random.default_rng(11)
    ids = np.array([f"C{i:04d}" for i in range(n // 2)], dtype=object)
    ids[0], ids[1] = FORMULA, SCRIPT
    data["customer_id"] = ids[np.arange(n) % len(ids)]
    data["logins"] = rng.poisson(10, n).astype(float)
    risk = 1 / (1 + np.exp(-(0.8 * (3 - data["csat"].astype(float)) - 0.05 * (data["logins"] - 10))))
    data["churned"] = (rng.uniform(size=n) < risk).astype(int)
    return data


def _effect():
    data = _responses()
    rng = np.random.default_rng(5)
    data["promo"] = rng.integers(0, 2, len(data))
    return ca.campaign_effect(data, outcome="csat", campaign="promo", design="exposure")


def _health():
    return ca.health_score(_customers_frame(), components={"csat": "higher", "logins": "higher"},
                           outcome="churned", breakdown="region")


def _risk():
    return ca.risk_model(_customers_frame(), outcome="churned", features=["csat", "logins", "plan"], folds=3)


def _worth():
    return ca.satisfaction_worth(_customers_frame(), outcome="churned", metric="csat")


BUILDERS = {
    "EffectResult": _effect,
    "HealthResult": _health,
    "RiskResult": _risk,
    "WorthResult": _worth,
    "RakeResult": _rake,
    "ResponseBias": _response_bias,
    "Crosstab": _crosstab,
    "SentimentResult": _sentiment,
    "ThemeResult": _themes,
}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def result(request):
    out = BUILDERS[request.param]()
    assert type(out).__name__ == request.param
    return out


def _with_formula(result: Result) -> Result:
    """The result with a formula-like and a script-like text in its table (when the data did not put them there)."""
    table = result.table.copy()

    def inject(value, row, avoid=None):
        cols = [c for c in table.columns if c != avoid]
        col = ([c for c in cols if table[c].dtype == object] or cols)[0]
        table[col] = table[col].astype(object)
        table.loc[table.index[row], col] = value
        return col

    used = None
    if not table.astype(str).apply(lambda col: col.str.startswith("=")).any().any():
        used = inject(FORMULA, 0)
    if not table.head(50).astype(str).apply(lambda col: col.str.contains("<script>", regex=False)).any().any():
        inject(SCRIPT, min(len(table), 50) - 1, avoid=used if len(table) == 1 else None)
    attr = "scores" if isinstance(getattr(type(result), "table", None), property) else "table"
    object.__setattr__(result, attr, table)  # frozen dataclasses too
    return result


def test_every_result_has_the_common_interface(result, tmp_path):
    import openpyxl

    result = _with_formula(result)
    assert isinstance(result, Result)
    assert isinstance(result.table, pd.DataFrame) and len(result.table)
    assert isinstance(result.warnings, list) and all(isinstance(w, str) for w in result.warnings)
    text = result.summary()
    assert isinstance(text, str) and text.strip()
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html

    csv = result.to_csv(tmp_path / "result.csv")
    back = pd.read_csv(csv, encoding="utf-8-sig", keep_default_na=False)
    columns = {str(c) for c in result.table.columns}
    assert len(back) == len(result.table) and columns <= set(back.columns)
    cells = back.astype(str).to_numpy().ravel().tolist()
    assert "'" + FORMULA in cells and FORMULA not in cells  # neutralised

    xlsx = result.to_excel(tmp_path / "result.xlsx")
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames[0] == "About"
    sheets = pd.read_excel(xlsx, sheet_name=None)
    match = [s for s in sheets.values() if columns <= set(map(str, s.columns))]
    assert match and len(match[0]) == len(result.table)
    formula_cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str) and c.value.lstrip("'").startswith("=")]
    assert formula_cells and all(c.data_type == "s" for c in formula_cells)  # text, never a formula


def test_crosstab_warns_about_small_columns():
    data = _responses().iloc[:200]
    out = ca.crosstab(data, rows=["csat"], banner="region", min_n=30)
    assert any("fewer than 30 answers" in w for w in out.warnings)
    assert "Warning: " in out.summary()


# --------------------------------------------------------------------------- renamed attributes


def test_sentiment_reason_is_now_warnings():
    res = _sentiment()
    assert res.warnings and "VADER" in res.warnings[0]
    with pytest.warns(DeprecationWarning, match="reason"):
        assert res.reason == " ".join(res.warnings)


def test_health_result_old_attribute_names():
    h = _health()
    assert h.warnings and "latest" in h.warnings[0]
    for old, new in (("notes", "warnings"), ("weights", "component_weights"), ("by", "breakdown")):
        with pytest.warns(DeprecationWarning, match=f".{old}"):
            value = getattr(h, old)
        assert value is getattr(h, new)


def test_renamed_parameters_helper():
    @renamed_parameters(seed="random_state", reps="n_boot")
    def draw(data=None, *, random_state=0, n_boot=10):
        return data, random_state, n_boot

    with pytest.warns(DeprecationWarning, match="`seed=` of draw\\(\\) is renamed `random_state=`"):
        assert draw(1, seed=5) == (1, 5, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert draw(1, random_state=5, n_boot=3) == (1, 5, 3)
    with pytest.raises(ParameterError, match="both"):
        draw(seed=1, random_state=2)


def test_renamed_attribute_helper():
    class R:
        warnings = ["a", "b"]
        notes = renamed_attribute("notes", "warnings")

    with pytest.warns(DeprecationWarning, match=".notes"):
        assert R().notes == ["a", "b"]


# --------------------------------------------------------------------------- one weights resolver


def test_weight_values_accepts_every_form():
    data = pd.DataFrame({"w": [1.0, 2.0, 4.0], "csat": [5, 4, 1]}, index=[7, 8, 9])
    assert weight_values(data, None) is None
    assert weight_values(data, "w").tolist() == [1.0, 2.0, 4.0]
    assert weight_values(data, pd.Series([4.0, 1.0, 2.0], index=[9, 7, 8])).tolist() == [1.0, 2.0, 4.0]
    assert weight_values(data, [1, 2, 4]).tolist() == [1.0, 2.0, 4.0]
    raked = ca.rake(data.assign(seg=["a", "b", "b"]), {"seg": {"a": 0.5, "b": 0.5}}, by="seg")
    assert np.allclose(weight_values(data, raked), raked.weights.to_numpy())
    frame, col = weight_column(data, [1, 2, 4])
    assert col == "_weight" and frame["_weight"].tolist() == [1.0, 2.0, 4.0]


def test_weight_values_refuses_bad_weights():
    data = pd.DataFrame({"w": [1.0, 0.0, np.nan]})
    with pytest.raises(DataError, match="Column 'w' holds the weight 0.0"):
        weight_values(data, "w")
    with pytest.raises(ParameterError, match="weights column 'wt' is not in the data"):
        weight_values(data, "wt")
    with pytest.raises(ParameterError, match="2 values for 3 rows"):
        weight_values(data, [1, 2])
    with pytest.raises(DataError, match="no positive weight for 1 row"):
        weight_values(data, pd.Series([1.0, 2.0], index=[0, 1]))


def test_the_duplicate_resolvers_are_gone():
    from csat_analysis import cells, comments

    assert not hasattr(cells, "weight_values") and not hasattr(comments, "_weights_of")


def test_comments_weights_use_the_shared_resolver():
    """A non-positive weight was silently dropped by comments' own resolver; now it is refused like elsewhere."""
    data = _responses()
    data["weight"] = 1.0
    data.loc[3, "weight"] = 0.0
    with pytest.raises(DataError, match="Column 'weight' holds the weight 0.0"):
        ca.sentiment(data, method="lexicon", by="region", weights="weight")
    data.loc[3, "weight"] = 2.0
    weighted = ca.sentiment(data, method="lexicon", weights=data["weight"])
    by_column = ca.sentiment(data, method="lexicon", weights="weight")
    pd.testing.assert_frame_equal(weighted.table, by_column.table)


# --------------------------------------------------------------------------- raw Ibis tables


@pytest.fixture
def ibis_table():
    ibis = pytest.importorskip("ibis")
    con = ibis.duckdb.connect()
    frame = _responses(90).drop(columns="comment")
    frame["csat"] = frame["csat"].astype(int)
    frame["nps"] = frame["nps"].astype(int)
    return con.create_table("responses", frame)


@pytest.mark.parametrize("call", [
    lambda t: ca.summarize(t, metrics="csat"),
    lambda t: ca.summarize(t, metrics="csat", by="region"),
    lambda t: ca.compare(t, metric="csat", by="plan"),
    lambda t: ca.trend(t, metric="csat", freq="W"),
], ids=["summarize", "summarize-by", "compare", "trend"])
def test_raw_ibis_table_says_how_to_wrap_it(ibis_table, call):
    with pytest.raises(ParameterError, match=r"wrap it with ca\.from_ibis\(table, schema=\.\.\.\)"):
        call(ibis_table)


def test_wrapped_ibis_table_works(ibis_table):
    schema = {"columns": {"date": "date", "segments": ["plan"]},
              "metrics": {"csat": {"column": "csat", "scale": [1, 5]}}}
    wrapped = ca.from_ibis(ibis_table, schema=schema)
    expected = ca.summarize(ibis_table.to_pandas(), metrics="csat", by="plan")
    got = ca.summarize(wrapped, metrics="csat", by="plan")
    assert got["score"].round(9).tolist() == expected["score"].round(9).tolist()


def test_check_table_lets_frames_through():
    check_table(pd.DataFrame({"csat": [5]}), "summarize")


# --------------------------------------------------------------------------- one name per idea


def _driver_frame():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 3))
    return pd.DataFrame({"y": x @ [1.0, 0.5, 0.2] + rng.normal(size=300), "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})


def _wcb(**kw):
    from csat_analysis.effects import wild_cluster_bootstrap

    rng = np.random.default_rng(8)
    g = np.repeat(np.arange(14), 20)
    x = (g % 2).astype(float)
    X = np.column_stack([np.ones(len(g)), x])
    return wild_cluster_bootstrap(X, 0.3 * x + rng.normal(size=len(g)) + rng.normal(size=14)[g], 1, g, ci=None, **kw)


def _campaign(**kw):
    data = _responses()
    data["promo"] = (np.arange(len(data)) % 16 < 8).astype(int)
    return ca.campaign_effect(data, outcome="csat", campaign="promo", design="exposure", cluster="region",
                              inference="wild", **kw)


def _same(a, b):
    if isinstance(a, dict):
        assert a == b
        return
    if hasattr(a, "health"):  # a HealthReport
        a, b = a.health, b.health
    if isinstance(a, tuple):
        a, b = a[0], b[0]
    if hasattr(a, "table") and not isinstance(a, pd.DataFrame):
        a, b = a.table, b.table
    pd.testing.assert_frame_equal(a, b)


RENAMED = {
    "drivers": (lambda **kw: ca.drivers(_driver_frame(), outcome="y", drivers=["a", "b", "c"], **kw),
                {"bootstrap": 40, "seed": 3}, {"n_boot": 40, "random_state": 3}),
    "driver_report": (lambda **kw: ca.driver_report(_driver_frame(), outcome="y", drivers=["a", "b", "c"], **kw),
                      {"bootstrap": 30, "seed": 2}, {"n_boot": 30, "random_state": 2}),
    "make_sample": (lambda **kw: ca.datasets.make_sample(200, **kw), {"seed": 5}, {"random_state": 5}),
    "health_score": (lambda **kw: ca.health_score(_customers_frame(), components=["csat", "logins"],
                                                  outcome="churned", **kw),
                     {"weights": {"csat": 2, "logins": 1}, "by": "plan"},
                     {"component_weights": {"csat": 2, "logins": 1}, "breakdown": "plan"}),
    "health_report": (lambda **kw: ca.health_report(_customers_frame(), outcome="churned", features=["csat", "logins"],
                                                    components=["csat", "logins"], folds=3, **kw),
                      {"weights": {"csat": 1, "logins": 3}, "by": "plan"},
                      {"component_weights": {"csat": 1, "logins": 3}, "breakdown": "plan"}),
    "campaign_effect": (_campaign, {"bootstrap_reps": 99}, {"n_boot": 99}),
    "wild_cluster_bootstrap": (_wcb, {"reps": 99, "seed": 4}, {"n_boot": 99, "random_state": 4}),
}


@pytest.mark.parametrize("name", sorted(RENAMED))
def test_old_parameter_names_warn_and_give_the_same_result(name):
    call, old, new = RENAMED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        expected = call(**new)  # the new names do not warn
    with pytest.warns(DeprecationWarning) as caught:
        got = call(**old)
    assert {str(w.message).split("`")[1] for w in caught if w.category is DeprecationWarning} == {
        f"{k}=" for k in old}
    if name == "driver_report":
        pd.testing.assert_frame_equal(got.table, expected.table)
    else:
        _same(got, expected)
    if name == "health_score":
        assert got.breakdown == "plan" and got.component_weights["hand_set"].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_plot_score_scatter_random_state():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = _responses(300)
    with pytest.warns(DeprecationWarning, match="seed="):
        ax_old = ca.plots.plot_score_scatter(data, seed=4, max_points=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        ax_new = ca.plots.plot_score_scatter(data, random_state=4, max_points=100)
    old_xy = ax_old.collections[0].get_offsets()
    new_xy = ax_new.collections[0].get_offsets()
    assert np.array_equal(np.round(np.asarray(old_xy)), np.round(np.asarray(new_xy)))  # same rows drawn; jitter < 0.5
    plt.close("all")


def test_cli_sample_random_state(tmp_path):
    from csat_analysis.cli import main

    assert main(["sample", "--rows", "50", "--out", str(tmp_path / "a.csv"), "--random-state", "9"]) in (0, None)
    assert main(["sample", "--rows", "50", "--out", str(tmp_path / "b.csv"), "--seed", "9"]) in (0, None)
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
