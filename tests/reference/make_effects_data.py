"""Write the fixed data sets that effects.R fits (run from the project root with the project's venv).

    .venv/bin/python tests/reference/make_effects_data.py && (cd tests/reference && Rscript effects.R)
"""

from pathlib import Path

import numpy as np

from csat_analysis import load_responses, summarize
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample

HERE = Path(__file__).parent


def main() -> None:

    frame, _ = load_responses(make_sample(3000, random_state=5), SAMPLE_SCHEMA)
    out = frame[["csat", "nps", "ces", "region", "channel", "plan", "spring_promo"]].copy()
    out["spring_promo"] = out["spring_promo"].astype(int)
    out["period"] = frame["date"].dt.strftime("%Y-%m")
    out["csat_top"] = np.where(frame["csat"] >= 4, 100.0, 0.0)
    out["csat_top01"] = (frame["csat"] >= 4).astype(int)
    v = frame["nps"].astype(float)
    out["nps_code"] = np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0))
    out.loc[v.isna(), "nps_code"] = np.nan
    out["treated"] = frame["region"].isin(["North", "East"]).astype(int)
    out["post"] = (frame["date"] >= "2025-03-01").astype(int)
    out["did"] = out["treated"] * out["post"]
    out.to_csv(HERE / "effects_data.csv", index=False)

    treated = frame[frame["region"].isin(["North", "East"])]
    series = summarize(treated, metrics="nps", freq="M")[["period", "score"]]
    series["t"] = np.arange(len(series))
    series["post"] = (series["period"] >= "2025-03").astype(int)
    t0 = int(series.loc[series["post"] == 1, "t"].min())
    series["t_since"] = np.where(series["post"] == 1, series["t"] - t0, 0)
    series.to_csv(HERE / "its_series.csv", index=False)


if __name__ == "__main__":
    main()
