"""Issue 27 §1, §2, §6, §7: inference on exports shaped like the real ones a new user brings.

Each fixture is built in the test, modelled on an export that inference got wrong: a telecom customer base
(``Customer ID``, ``Phone Service`` Yes/No, ``Churn Label``, ``Churn Reason``, 24 candidate segments), product
reviews (``31-Jul-18`` dates), airline tweets (``tweet_id``, ``-0800`` timestamps, no score), a Google-Forms
survey (100-character question headers, a 1-5 "how likely" item) and labelled-answer exports.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from csat_analysis.cli import main
from csat_analysis.io import load_responses
from csat_analysis.schema import infer_schema, read_schema

N = 400


def telecom(n: int = N, seed: int = 1) -> pd.DataFrame:
    """One row per customer, like the IBM telco base: ids, yes/no services, churn label and reason."""
    rng = np.random.default_rng(seed)

    def pick(levels, p=None):
        return rng.choice(levels, n, p=p)

    yes_no = ["Yes", "No"]
    churn = pick(yes_no, [0.27, 0.73])
    reasons = np.array(["Competitor made better offer", "Competitor had better devices", "Attitude of support person",
                        "Moved", "Price too high", "Product dissatisfaction", "Network reliability", "Deceased",
                        "Don't know", "Limited range of services"])
    frame = pd.DataFrame({
        "Customer ID": [f"{rng.integers(1000, 9999)}-{''.join(rng.choice(list('ABCDEFGHKLMNPQRSTVWXYZ'), 5))}"
                        f"{i}" for i in range(n)],
        "Gender": pick(["Male", "Female"]),
        "Age": rng.integers(19, 80, n),
        "Under 30": pick(yes_no),
        "Senior Citizen": pick(yes_no),
        "Married": pick(yes_no),
        "Dependents": pick(yes_no),
        "Country": "United States",
        "State": "California",
        "City": [f"City {i}" for i in rng.integers(0, 300, n)],
        "Quarter": "Q3",
        "Referred a Friend": pick(yes_no),
        "Tenure in Months": rng.integers(1, 72, n),
        "Offer": pick(["None", "Offer A", "Offer B", "Offer C", "Offer D", "Offer E"]),
        "Phone Service": pick(yes_no, [0.9, 0.1]),
        "Multiple Lines": pick(yes_no),
        "Internet Service": pick(yes_no),
        "Internet Type": pick(["Fiber Optic", "DSL", "Cable", "None"]),
        "Online Security": pick(yes_no),
        "Online Backup": pick(yes_no),
        "Device Protection Plan": pick(yes_no),
        "Premium Tech Support": pick(yes_no),
        "Streaming TV": pick(yes_no),
        "Streaming Movies": pick(yes_no),
        "Streaming Music": pick(yes_no),
        "Unlimited Data": pick(yes_no),
        "Contract": pick(["Month-to-Month", "One Year", "Two Year"]),
        "Paperless Billing": pick(yes_no),
        "Payment Method": pick(["Bank Withdrawal", "Credit Card", "Mailed Check"]),
        "Monthly Charge": rng.uniform(18, 120, n).round(2),
        "Satisfaction Score": rng.integers(1, 6, n),
        "Customer Status": pick(["Churned", "Stayed", "Joined"]),
        "Churn Label": churn,
        "Churn Score": rng.integers(5, 100, n),
        "CLTV": rng.integers(2000, 6500, n),
        "Churn Category": np.where(churn == "Yes", pick(["Competitor", "Attitude", "Dissatisfaction", "Price",
                                                         "Other"]), None),
        "Churn Reason": np.where(churn == "Yes", reasons[rng.integers(0, len(reasons), n)], None),
    })
    return frame


def reviews(n: int = N, seed: int = 2) -> pd.DataFrame:
    """Product reviews: 1-5 rating, ``31-Jul-18`` dates, a variation and the review text."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2018-05-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    words = np.array(["love", "it", "the", "sound", "is", "great", "but", "battery", "dies", "fast", "easy", "setup"])
    return pd.DataFrame({
        "rating": rng.integers(1, 6, n),
        "date": days.strftime("%d-%b-%y"),
        "variation": rng.choice(["Black Dot", "White Dot", "Charcoal Fabric", "Walnut Finish"], n),
        "verified_reviews": [" ".join(rng.choice(words, rng.integers(6, 20))) + f" #{i}" for i in range(n)],
        "feedback": rng.choice([0, 1], n, p=[0.1, 0.9]),
    })


def tweets(n: int = N, seed: int = 3) -> pd.DataFrame:
    """Airline tweets: no score, a ``tweet_id``, ``-0800`` timestamps, a sentiment and the tweet text."""
    rng = np.random.default_rng(seed)
    stamps = pd.Timestamp("2015-02-16") + pd.to_timedelta(rng.integers(0, 9 * 86400, n), unit="s")
    words = np.array(["@united", "flight", "delayed", "again", "thanks", "crew", "lost", "bag", "great", "service"])
    return pd.DataFrame({
        "tweet_id": 570306133677760513 - np.arange(n) * 7919,
        "airline_sentiment": rng.choice(["negative", "neutral", "positive"], n),
        "airline": rng.choice(["United", "US Airways", "American", "Southwest", "Delta", "Virgin America"], n),
        "name": [f"user{i % 150}" for i in range(n)],
        "retweet_count": rng.choice([0, 0, 0, 1, 2], n),
        "text": [" ".join(rng.choice(words, rng.integers(5, 14))) + f" {i}" for i in range(n)],
        "tweet_created": stamps.strftime("%Y-%m-%d %H:%M:%S -0800"),
        "user_timezone": rng.choice(["Eastern Time (US & Canada)", "Pacific Time (US & Canada)", None], n),
    })


Q_LIKELY = ("10. How likely are you to recommend Starbucks to your friends, family or colleagues (on a scale of 1 "
            "to 5)?")
Q_QUALITY = ("12. How would you rate the quality of Starbucks compared to other brands (Coffee Bean, Old Town White "
             "Coffee..) to be:")
Q_PRICE = "13. How would you rate the price range of Starbucks products compared to what you expect to pay for coffee?"
Q_SERVICE = "14. How would you rate the service at Starbucks (friendliness of staff, speed, accuracy of orders)?"


def google_forms(n: int = 120, seed: int = 4) -> pd.DataFrame:
    """A Google-Forms export: a timestamp, whole questions as headers, 1-5 answers, no CSAT/NPS column."""
    rng = np.random.default_rng(seed)
    stamps = pd.Timestamp("2023-07-14 09:00") + pd.to_timedelta(rng.integers(0, 9 * 86400, n), unit="s")
    return pd.DataFrame({
        "Timestamp": stamps.strftime("%d/%m/%Y %H:%M"),
        "1. Your Gender": rng.choice(["Male", "Female"], n),
        "2. Your Age": rng.choice(["Below 20", "From 20 to 29", "From 30 to 39", "40 and above"], n),
        "3. Are you currently....?": rng.choice(["Student", "Employed", "Self-employed", "Housewife"], n),
        Q_QUALITY: rng.integers(1, 6, n),
        Q_PRICE: rng.integers(1, 6, n),
        Q_SERVICE: rng.integers(1, 6, n),
        Q_LIKELY: rng.integers(1, 6, n),
    })


# --------------------------------------------------------------------------- §2 dates, ids, PII, outcomes


def test_telecom_ids_outcomes_pii_reason_codes_and_segment_count():
    s = infer_schema(telecom())
    assert s.customer_id == "Customer ID"  # one row per customer and a churn outcome
    assert "Customer ID" not in (*s.segments, *s.extra, *s.pii)
    assert "Phone Service" not in s.pii and s.pii == ()  # a Yes/No answer is not a phone number
    assert s.outcomes["churned"].column == "Churn Label" and "Churn Label" not in s.segments
    assert s.comment is None  # Churn Reason is a reason code, not free text
    assert len(s.segments) <= 8
    for useful in ("Contract", "Payment Method", "Internet Type", "Offer", "Gender"):
        assert useful in s.segments, s.segments
    assert "Churn Reason" not in s.segments and "Churn Category" not in s.segments  # mostly missing
    assert s.metrics["csat"].column == "Satisfaction Score"
    assert any("more columns could be segments" in w for w in s.inference_warnings)


def test_telecom_draft_lists_the_other_segment_candidates_as_comments(tmp_path, capsys):
    path = tmp_path / "telco.csv"
    telecom().to_csv(path, index=False)
    out = tmp_path / "telco.yml"
    assert main(["validate", "--data", str(path), "--write-schema", str(out)]) == 0
    text = out.read_text()
    assert "# More segment candidates" in text and '#   - "Streaming Music"' in text
    loaded = read_schema(out)
    assert loaded.customer_id == "Customer ID" and loaded.outcomes["churned"].column == "Churn Label"


def test_customer_id_is_not_mapped_when_customers_repeat_and_no_outcome():
    frame = telecom().drop(columns=["Churn Label", "Churn Score", "Churn Category", "Churn Reason",
                                    "Customer Status"])
    frame = pd.concat([frame, frame.iloc[:50]], ignore_index=True)
    s = infer_schema(frame)
    assert s.customer_id is None and "Customer ID" not in (*s.segments, *s.extra, *s.pii)


@pytest.mark.parametrize("name", ["Customer ID", "CustomerID", "Unique id", "tweet_id", "Order_id"])
def test_ids_are_never_segments_pii_or_extra(name):
    rng = np.random.default_rng(5)
    ids = [f"{v}" for v in rng.permutation(10**6)[:N]] if name != "Unique id" else [f"U{v:06d}" for v in range(N)]
    frame = pd.DataFrame({name: ids, "csat": rng.integers(1, 6, N), "Region": rng.choice(["N", "S"], N)})
    s = infer_schema(frame)
    assert name not in (*s.segments, *s.extra, *s.pii, *s.ratings)
    assert name in (s.response_id, s.customer_id)


def test_review_dates_31_jul_18_are_found_and_never_a_segment():
    s = infer_schema(reviews())
    assert s.date is not None and s.date.column == "date"
    assert "date" not in s.segments
    assert s.comment == "verified_reviews"
    df, _ = load_responses(reviews(), s)
    assert df["date"].min() >= pd.Timestamp("2018-05-01") and df["date"].notna().all()


def test_survey_response_date_01_aug_23_is_the_date_not_a_segment():
    rng = np.random.default_rng(6)
    days = pd.Timestamp("2023-08-01") + pd.to_timedelta(rng.integers(0, 9, N), unit="D")
    frame = pd.DataFrame({"Survey_response_Date": days.strftime("%d-%b-%y"), "CSAT Score": rng.integers(1, 6, N),
                          "channel_name": rng.choice(["Inbound", "Outcall", "Email"], N)})
    s = infer_schema(frame)
    assert s.date.column == "Survey_response_Date" and s.segments == ("channel_name",)


def test_tweets_without_a_score_write_a_draft_and_exit_non_zero(tmp_path, capsys):
    path = tmp_path / "Tweets.csv"
    tweets().to_csv(path, index=False)
    out = tmp_path / "tweets.yml"
    code = main(["validate", "--data", str(path), "--write-schema", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and out.is_file()
    assert "metrics" in err and str(out) in err
    draft = yaml.safe_load(out.read_text())
    assert draft["metrics"] is None
    assert draft["columns"]["date"] == {"column": "tweet_created"}
    assert draft["columns"]["response_id"] == "tweet_id"
    assert draft["columns"]["comment"] == "text"
    assert "tweet_id" not in draft["columns"].get("segments", [])
    assert "# metrics: no column looks like" in out.read_text()
    assert '#     suggested: {"csat": {"column": "airline_sentiment", "scale": [1, 3]' in out.read_text()
    assert '#   "user_timezone"' not in out.read_text() and "name" in draft["columns"]["pii"]
    # the user fills in the key and the draft loads
    draft["metrics"] = {"csat": {"column": "airline_sentiment", "scale": [1, 3],
                                 "labels": {"negative": 1, "neutral": 2, "positive": 3}}}
    out.write_text(yaml.safe_dump(draft))
    df, report = load_responses(path, out)
    assert report.rows_kept == N and df["date"].dt.year.eq(2015).all()


def test_excel_serial_dates_are_dates():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"Response Date": 45000 + rng.integers(0, 9, N), "csat": rng.integers(1, 6, N)})
    s = infer_schema(frame)
    assert s.date.column == "Response Date" and "Response Date" not in s.extra
    df, _ = load_responses(frame, s)
    assert df["date"].min() >= pd.Timestamp("2023-03-15") and df["date"].max() <= pd.Timestamp("2023-03-24")


def test_outcomes_by_name_with_yes_no_true_false_and_0_1():
    rng = np.random.default_rng(8)
    base = {"csat": rng.integers(1, 6, N), "Region": rng.choice(["N", "S", "E"], N)}
    for col, values in (("Churn", rng.choice(["Yes", "No"], N)), ("Exited", rng.integers(0, 2, N)),
                        ("Cancelled", rng.choice([True, False], N)), ("renewed", rng.choice(["true", "false"], N))):
        s = infer_schema(pd.DataFrame({**base, col: values}))
        assert [o.column for o in s.outcomes.values()] == [col], col
        assert col not in (*s.segments, *s.extra)


def test_contact_details_are_still_pii_by_content():
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"csat": rng.integers(1, 6, N), "Contact": [f"user{i}@example.com" for i in range(N)],
                          "Phone Service": rng.choice(["Yes", "No"], N), "Mobile": ["+44 20 7946 0958"] * N})
    s = infer_schema(frame)
    assert "Contact" in s.pii and "Mobile" in s.pii and "Phone Service" not in s.pii


# --------------------------------------------------------------------------- §1 labelled scales


@pytest.mark.parametrize("levels, metric, scale", [
    (["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"], "csat", (1, 5)),
    (["1 - Very dissatisfied", "2 - Dissatisfied", "3 - Neither satisfied nor dissatisfied", "4 - Satisfied",
      "5 - Very satisfied"], "csat", (1, 5)),
    (["Very difficult", "Difficult", "Neither easy nor difficult", "Easy", "Very easy"], "ces", (1, 5)),
    (["0 - Not at all likely", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10 - Extremely likely"], "nps", (0, 10)),
])
def test_labelled_answers_are_a_metric_with_labels(levels, metric, scale):
    rng = np.random.default_rng(10)
    frame = pd.DataFrame({"Q3": rng.choice(levels, N), "Region": rng.choice(["N", "S"], N)})
    s = infer_schema(frame)
    spec = s.metrics[metric]
    assert spec.column == "Q3" and spec.scale == scale
    df, report = load_responses(frame, s)
    assert report.rows_kept == N and df[metric].notna().all()
    assert set(df[metric]) <= set(range(scale[0], scale[1] + 1)) and df[metric].max() == scale[1]


def test_agreement_scale_named_like_effort_is_ces():
    rng = np.random.default_rng(11)
    levels = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    s = infer_schema(pd.DataFrame({"The company made it easy to handle my issue": rng.choice(levels, N)}))
    assert s.metrics["ces"].scale == (1, 5) and s.metrics["ces"].labels["strongly agree"] == 5


# --------------------------------------------------------------------------- §2 scale fit


def test_a_1_to_5_how_likely_item_is_not_read_as_nps():
    s = infer_schema(google_forms().assign(**{"Overall satisfaction": 4}))
    assert "nps" not in s.metrics
    assert Q_LIKELY in s.ratings
    assert any("NPS needs a 0-10 scale" in w for w in s.inference_warnings)


def test_validate_warns_when_the_answers_use_a_smaller_scale(tmp_path, capsys):
    frame = google_forms()
    path = tmp_path / "forms.csv"
    frame.to_csv(path, index=False)
    schema = tmp_path / "forms.yml"
    schema.write_text(yaml.safe_dump({"metrics": {"nps": {"column": Q_LIKELY, "scale": [0, 10]}}}))
    assert main(["validate", "--data", str(path), "--schema", str(schema)]) == 0
    out = capsys.readouterr().out
    assert "use 1-5 only; is this a 1-5 scale?" in out


# --------------------------------------------------------------------------- §1 the draft without a score


def test_google_forms_draft_without_a_score_lists_candidates(tmp_path, capsys):
    path = tmp_path / "forms.csv"
    google_forms().to_csv(path, index=False)
    out = tmp_path / "forms.yml"
    code = main(["validate", "--data", str(path), "--write-schema", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "metrics" in err
    text = out.read_text()
    assert "# metrics: no column looks like a CSAT, NPS or CES score" in text
    assert "suggested:" in text and '"scale": [1, 5]' in text
    draft = yaml.safe_load(text)
    assert draft["columns"]["date"]["column"] == "Timestamp"
    assert set(draft["columns"]["segments"]) == {"1. Your Gender", "2. Your Age", "3. Are you currently....?"}


# --------------------------------------------------------------------------- §6 short labels


def test_long_headers_get_short_labels_in_the_schema():
    s = infer_schema(google_forms().assign(**{"Overall satisfaction": 4}))
    labels = s.short_labels
    assert set(labels) == {Q_QUALITY, Q_PRICE, Q_SERVICE, Q_LIKELY}
    assert all(len(v) <= 40 for v in labels.values()) and len(set(labels.values())) == len(labels)
    assert labels[Q_QUALITY].startswith("Q12 ") and "vs other brands" in labels[Q_QUALITY]
    assert all(re.match(r"Q1[0-4] ", v) for v in labels.values())
    again = read_schema(s.to_dict())
    assert again.short_labels == labels


def test_short_labels_key_is_validated():
    from csat_analysis.exceptions import SchemaError

    with pytest.raises(SchemaError, match="short_labels"):
        read_schema({"metrics": {"csat": "x"}, "short_labels": {"x": ["not", "text"]}})
    with pytest.raises(SchemaError, match="40"):
        read_schema({"metrics": {"csat": "x"}, "short_labels": {"x": "y" * 41}})


def test_charts_show_labels_of_at_most_40_characters():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from csat_analysis.plots import plot_driver_heatmap, plot_importance_performance

    drivers = [Q_QUALITY, Q_PRICE, Q_SERVICE]
    table = pd.DataFrame({"driver": drivers, "share": [40.0, 35.0, 25.0], "performance": [3.1, 3.6, 4.0]})
    ax = plot_importance_performance(table)
    shown = [t.get_text() for t in ax.texts if t.get_text().startswith("Q1")]
    assert len(shown) == 3 and all(len(t) <= 40 for t in shown), shown
    by = "3. Which of these outlets of Starbucks do you visit most often, if any at all?"
    heat = pd.DataFrame({by: ["A", "A", "A", "B", "B", "B"], "driver": drivers * 2,
                         "share": [40.0, 35, 25, 30, 30, 40]})
    ax = plot_driver_heatmap(heat, by=by)
    assert all(len(t.get_text()) <= 40 for t in ax.get_yticklabels()) and len(ax.get_xlabel()) <= 40
    plt.close("all")


def test_banner_table_shows_the_short_label_and_the_question_once():
    from csat_analysis.crosstab import crosstab

    frame = google_forms().assign(**{"Overall satisfaction": np.tile([1, 2, 3, 4, 5], 24)})
    by = "3. Which of these outlets of Starbucks do you visit most often, if any at all?"
    frame[by] = np.tile(["Mall", "Street", "Airport"], 40)
    df, _ = load_responses(frame, {"metrics": {"csat": "Overall satisfaction"}, "columns": {"segments": [by]}})
    html = crosstab(df, rows="csat", banner=by).styled.data
    label = "Q3 Which outlets Starbucks visit most"
    assert f'class="ct-banner">{label}</th>' in html
    assert html.count("do you visit most often, if any at all?") == 1 and "Questions." in html


def test_few_repeated_person_names_stay_pii_but_a_phone_type_is_not():
    rng = np.random.default_rng(12)
    frame = pd.DataFrame({"csat": rng.integers(1, 6, N), "Agent Name": rng.choice(["Ann Lee", "Bo Chan", "Cy Diaz"], N),
                          "Phone type": rng.choice(["Mobile", "Landline"], N)})
    s = infer_schema(frame)
    assert s.pii == ("Agent Name",) and "Phone type" in s.segments


@pytest.mark.parametrize("header, start", [
    (Q_QUALITY, "Q12 Quality of Starbucks vs other brands"),
    (Q_PRICE, "Q13 Price range"),
    ("Q7_3 - Please rate your agreement: The staff at the branch were knowledgeable and friendly", "Q7_3 Staff"),
    ("How satisfied are you with the speed of our delivery service to your home address?", "Speed"),
])
def test_short_label_keeps_the_question_number_and_the_subject(header, start):
    from csat_analysis.labels import short_label

    label = short_label(header)
    assert len(label) <= 40 and label.startswith(start) and not label.endswith((" vs", " and", " of")), label
