"""monitor.review: a report upload screened and read, its proposed rows as the review table, the
ticked and edited rows back in the contract's long form, the report's own slips with their sentences."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import docx
import pandas as pd
import pytest

from core.catalog import default_catalog
from etl.extract import slip_text
from etl.extract_text import DocumentError
from etl.load import Report
from etl.model import MEASURE_COLUMNS
from etl.safety import Screened, UnsafeUpload, screen
from monitor import review
from tests.test_extract import _pdf_with_text

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "003_ea20b4b07a755bad.txt"
EXPECTED = ROOT / "tests" / "fixtures" / "extract" / "003_expected.csv"
KEY = ("measure", "year", "period", "org_type", "value", "qualifier")
LINE_109 = "Tổng số cấp ủy viên cơ sở hiện có 323 đồng chí (không tính"


@pytest.fixture(scope="module")
def seed() -> review.Proposal:
    if not SEED.exists():
        pytest.skip(f"{SEED} is not here (shared/ sits beside the checkout)")
    return review.read_report("Báo cáo 003.txt", SEED.read_bytes(), "BD-TAYSON", 2023, default_catalog())


def test_seed_003_review_table_gives_back_the_expected_rows(seed: review.Proposal) -> None:
    frame = review.review_frame(seed)
    assert list(frame.columns) == list(review.REVIEW_COLUMNS)
    assert len(frame) == 66 and frame["accept"].all()
    first = frame.iloc[0]
    assert (first["measure"], first["year"], first["period"], first["value"], first["place"]) == (
        "org_good_or_better", 2021, "Y", "56", "line 75")
    assert first["sentence"].startswith("Năm 2021 có 56/58 tổ chức cơ sở đảng được xếp loại hoàn thành tốt")
    rows = review.contract_rows(frame, "BD-TAYSON")
    # untouched, the table changes nothing but the place's words, stored in the reports' language
    assert [{**r, "source": ""} for r in rows] == [{**r, "source": ""} for r in seed.result.rows]
    assert [r["source"] for r in rows] == [seed.result.source(i, "vi") for i in range(len(rows))]
    with EXPECTED.open(encoding="utf-8", newline="") as f:
        expected = sorted(tuple(r[k] for k in KEY) for r in csv.DictReader(f))
    assert sorted(tuple(r[k] for k in KEY) for r in rows) == expected
    assert {r["unit_code"] for r in rows} == {"BD-TAYSON"}
    named = review.contract_rows(frame, "BD-TAYSON", docname=seed.docname)  # as the page stores them
    assert named[0]["source"].startswith("Báo cáo 003.txt, dòng 75: Năm 2021 có 56/58 tổ chức")  # in Vietnamese
    assert [r["value"] for r in named] == [r["value"] for r in rows]


def test_seed_003_slips_carry_their_whole_sentence(seed: review.Proposal) -> None:
    assert [(s.place, s.measure, s.stated, s.computed) for s in seed.slips] == [
        ("line 109", "grassroots_committee_vocational_rate", "1,89%", 1.86),
        ("line 109", "grassroots_committee_theory_senior_rate", "17,71%", 18.27),
        ("line 109", "grassroots_committee_theory_middle_rate", "79,8%", 82.35),
        ("line 111", "commune_cadres_elementary_rate", "0,69%", 0.68),
    ]
    whole = seed.slips[0].sentence
    assert whole.startswith(LINE_109) and whole.endswith("sơ cấp 08 đồng chí (tỷ lệ 2,4%).")
    assert len(whole) > 120  # the warning quotes 120 characters; the table shows the sentence
    frame = review.review_frame(seed)
    flagged = frame[frame["slip"] != ""]
    assert list(zip(flagged["measure"], flagged["slip"], strict=True)) == [  # the Vietnamese way
        ("grassroots_committee_vocational_rate", "1,86"), ("grassroots_committee_theory_senior_rate", "18,27"),
        ("grassroots_committee_theory_middle_rate", "82,35"), ("commune_cadres_elementary_rate", "0,68")]


def test_seed_003_unplaced_numbers_are_all_listed(seed: review.Proposal) -> None:
    frame = review.unplaced_frame(seed)
    assert list(frame.columns) == ["value", "place", "reason", "sentence"]
    assert len(frame) == len(seed.result.unplaced) > 0
    assert frame.iloc[0].to_dict()["value"] == "03" and frame.iloc[0]["place"] == "line 31"


def test_edits_and_rejections_shape_the_contract_rows(seed: review.Proposal) -> None:
    frame = review.review_frame(seed).head(3).copy()
    frame.loc[1, "accept"] = False  # org_rated rejected
    frame.loc[2, ["measure", "value", "qualifier", "year"]] = ["org_good_or_better_rate", "96.6", "~", 2022]
    frame.loc[0, "org_type"] = "xa"
    rows = review.contract_rows(frame, "BD-TAYSON", docname=seed.docname)
    assert [(r["measure"], r["year"], r["org_type"], r["value"], r["qualifier"]) for r in rows] == [
        ("org_good_or_better", "2021", "xa", "56", ""), ("org_good_or_better_rate", "2022", "", "96.6", "~")]
    text = review.contract_csv(rows).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(MEASURE_COLUMNS)
    assert lines[1].startswith('BD-TAYSON,2021,Y,xa,org_good_or_better,56,,"Báo cáo 003.txt, dòng 75: Năm 2021')
    assert list(csv.DictReader(io.StringIO(text))) == rows


def test_a_cleared_cell_is_empty_and_a_whole_float_has_no_decimals() -> None:
    frame = pd.DataFrame([{"accept": True, "measure": "org_rated", "org_type": None, "year": 2022.0,
                           "period": "Y", "value": None, "qualifier": float("nan"), "source": "x"}])
    assert review.contract_rows(frame, "HD") == [{"unit_code": "HD", "year": "2022", "period": "Y", "org_type": "",
                                                   "measure": "org_rated", "value": "", "qualifier": "",
                                                   "source": "x"}]


@pytest.mark.parametrize(("name", "kind", "suffix", "expected"), [
    ("../../etc/báo cáo.md", "text", ".txt", "báo cáo.md"),
    ("C:\\Users\\a\\Báo cáo: 2023*?.txt", "text", ".txt", "Báo cáo_ 2023.txt"),
    ("report.csv", "text", ".txt", "report.txt"),
    ("bao-cao.txt", "docx", ".docx", "bao-cao.docx"),  # the content decides the suffix
    ("***.docx", "docx", ".docx", "bao-cao.docx"),  # nothing left of the name
])
def test_report_name(name: str, kind: str, suffix: str, expected: str) -> None:
    assert review.report_name(name, kind, suffix) == expected


def test_refused_and_unreadable_uploads() -> None:
    cat = default_catalog()
    with pytest.raises(UnsafeUpload, match="binary content"):
        review.read_report("x.txt", b"abc\x00def", "HD", 2022, cat)
    with pytest.raises(UnsafeUpload) as refused:
        review.read_report("x.txt", b"PAR1....PAR1", "HD", 2022, cat)
    assert refused.value.text("en") == "x.txt: its content is parquet, expected one of: text, docx, pdf"
    with pytest.raises(UnsafeUpload, match="the file is empty"):
        review.read_report("x.md", b"", "HD", 2022, cat)
    with pytest.raises(DocumentError, match="cannot be read"):
        review.read_report("x.pdf", b"%PDF-1.4 not really", "HD", 2022, cat)


def test_a_pdf_is_a_report_not_a_data_file() -> None:
    pdf = _pdf_with_text(["abc"])
    assert screen("bc.pdf", pdf, allow=review.REPORT_KINDS) == Screened("pdf", ".pdf")
    with pytest.raises(UnsafeUpload) as refused:
        screen("bc.csv", pdf)  # the Data page's default kinds
    assert refused.value.text("en") == "bc.csv: its content is pdf, expected one of: csv, xlsx, parquet"


def test_docx_and_pdf_reports(tmp_path: Path) -> None:
    cat = default_catalog()
    document = docx.Document()
    document.add_paragraph("Năm 2022, số tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ: 137/671 = 20,4%.")
    path = tmp_path / "bc.docx"
    document.save(str(path))
    want = {("org_excellent", "137"), ("org_rated", "671"), ("org_excellent_rate", "20,4")}
    read = review.read_report("Báo cáo.docx", path.read_bytes(), "HD", 2022, cat)
    frame = review.review_frame(read)
    assert {(m, v) for m, v in zip(frame["measure"], frame["value"], strict=True)} == want
    assert set(frame["place"]) == {"paragraph 1"} and read.docname == "Báo cáo.docx"
    pdf = _pdf_with_text(["Năm 2022, số tổ chức cơ sở đảng hoàn thành xuất sắc", "nhiệm vụ: 137/671 = 20,4%."])
    read = review.read_report("bc.pdf", pdf, "HD", 2022, cat)
    frame = review.review_frame(read)
    assert {(m, v) for m, v in zip(frame["measure"], frame["value"], strict=True)} == want
    assert frame["place"].iloc[0] == "page 1, line 1"


def test_a_slip_is_data_said_in_the_readers_language(seed: review.Proposal) -> None:
    """The extractor hands over the slip's fields; the words are the reader's, the sentence whole."""
    slip = seed.slips[0]
    assert (slip.place, slip.measure, slip.stated, slip.computed, slip.year, slip.period, slip.org_type) == (
        "line 109", "grassroots_committee_vocational_rate", "1,89%", 1.86, 2023, "Y", "")
    assert slip.sentence.startswith(LINE_109) and len(slip.sentence) == 463
    assert slip_text(slip, "vi") == (
        "dòng 109: tỷ lệ 1,89% (Tỷ lệ cấp ủy viên cơ sở có trình độ trung cấp) không khớp với chính các số "
        "lượng trong câu, tính lại được 1,86%")
    assert slip_text(slip, "en") == (
        "line 109: stated 1,89% (grassroots committee members with intermediate vocational training, %), but "
        "the sentence's own counts give 1.86%")


def test_no_sentence_of_ours_is_parsed_back() -> None:
    """Slips, places and sources reach the review as fields: no pattern reads our own words again."""
    code = (ROOT / "monitor" / "review.py").read_text(encoding="utf-8")
    assert "re.compile" not in code and "re.match" not in code and "_split_source" not in code


def test_places_in_the_readers_language() -> None:
    from etl.extract_text import place_words

    words = {"line": "dòng", "table": "bảng", "row": "hàng", "page": "trang"}
    assert place_words("table 1, row 3", words) == "bảng 1, hàng 3"
    assert place_words("page 2, line 14", words) == "trang 2, dòng 14"
    assert place_words("paragraph 4", words) == "paragraph 4"  # a word without translation stays
    # what the page calls: the place words' text keys, in the reader's language
    assert review.place_in("table 1, row 3", "vi") == "bảng 1, hàng 3"
    assert review.place_in("page 2, line 14", "vi") == "trang 2, dòng 14"


def test_findings_for_keeps_the_units_own() -> None:
    rows = pd.DataFrame({"rule": ["balance", "stated_rate"], "unit_code": ["BD-TAYSON", "BD-TAYSON-X"],
                         "stated": [323.0, 0.04]})
    report = Report(files=[], finding_rows=rows)
    assert review.findings_for(report, "BD-TAYSON").to_dict("records") == [
        {"rule": "balance", "unit_code": "BD-TAYSON", "stated": 323.0}]
    assert review.findings_for(Report(files=[]), "BD-TAYSON").empty  # no check run: nothing to show


def test_measure_options_come_from_the_catalogue() -> None:
    cat = default_catalog()
    options = review.measure_options(cat)
    assert options[: len(cat.measures)] == list(cat.measures)
    assert set(options[len(cat.measures):]) == set(cat.indicators)


# -- values the Vietnamese way, the form's year, the totals a report implies --------------------------------

PASTED = ("Kết quả đánh giá, xếp loại chất lượng tổ chức cơ sở đảng năm 2023: có 12 tổ chức cơ sở đảng hoàn thành "
          "xuất sắc nhiệm vụ, 28 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ, 5 tổ chức cơ sở đảng hoàn thành nhiệm "
          "vụ, không có tổ chức cơ sở đảng không hoàn thành nhiệm vụ.\n"
          "Năm 2022, tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên đạt 96,5%.\n"
          "Toàn đảng bộ hiện có 4.116 đảng viên.\n")


@pytest.fixture(scope="module")
def pasted() -> review.Proposal:
    return review.read_report("Văn bản dán.txt", PASTED.encode("utf-8"), "BD-TAYSON", 2023, default_catalog())


def test_the_totals_a_report_implies_are_proposed_as_derived_rows(pasted: review.Proposal) -> None:
    cat = default_catalog()
    frame = review.review_frame(pasted, cat)
    derived = frame[frame["derived"] != ""]
    assert list(zip(derived["measure"], derived["year"], derived["value"], derived["derived"], strict=True)) == [
        ("org_good_or_better", 2023, "40", "org_excellent+org_good"),
        ("org_completed_or_better", 2023, "45", "org_good_or_better+org_completed"),
        ("org_rated", 2023, "45", "org_excellent+org_good+org_completed+org_failed")]
    assert derived["sentence"].iloc[2] == ("Số tổ chức cơ sở đảng được xếp loại = HTXSNV + HTTNV + HTNV + KHTNV = "
                                           "12 + 28 + 5 + 0 = 45")
    assert derived["accept"].all()
    rows = review.contract_rows(frame, "BD-TAYSON", cat, pasted.docname)
    rated = next(r for r in rows if r["measure"] == "org_rated")
    assert (rated["value"], rated["source"]) == ("45", "Văn bản dán.txt, tính từ các số liệu trên: Số tổ chức cơ sở "
                                                 "đảng được xếp loại = HTXSNV + HTTNV + HTNV + KHTNV = 12 + 28 + 5 + 0 "
                                                 "= 45")
    # an edit of a part is summed again; a part unticked takes its totals with it
    frame.loc[frame["measure"] == "org_good", "value"] = "30"
    rows = {r["measure"]: r["value"] for r in review.contract_rows(frame, "BD-TAYSON", cat, pasted.docname)}
    assert (rows["org_good_or_better"], rows["org_completed_or_better"], rows["org_rated"]) == ("42", "47", "47")
    frame.loc[frame["measure"] == "org_failed", "accept"] = False
    rows = {r["measure"]: r["value"] for r in review.contract_rows(frame, "BD-TAYSON", cat, pasted.docname)}
    assert "org_rated" not in rows and rows["org_good_or_better"] == "42"


def test_a_total_the_report_states_is_not_derived_again() -> None:
    cat = default_catalog()
    rows = [{"measure": m, "org_type": "", "year": "2023", "period": "Y", "value": v, "qualifier": ""}
            for m, v in (("org_excellent", "12"), ("org_good", "28"), ("org_completed", "5"), ("org_failed", "1"),
                         ("org_rated", "46"), ("member_excellent", "100"))]
    rows.append({"measure": "member_good", "org_type": "", "year": "2023", "period": "Y", "value": "900",
                 "qualifier": ">"})  # a bound sums to nothing exact
    assert [(d["measure"], d["value"]) for d in review.derived_rows(rows, cat)] == [
        ("org_good_or_better", "40"), ("org_completed_or_better", "45")]


def test_values_are_shown_and_edited_the_vietnamese_way_and_other_years_pointed_out(pasted) -> None:
    frame = review.review_frame(pasted)
    got = {m: (v, y, o) for m, v, y, o in zip(frame["measure"], frame["value"], frame["year"], frame["other_year"],
                                               strict=True)}
    assert got["member_good_or_better_rate"] == ("96,5", 2022, True)  # the text's year, pointed out
    assert got["member_total"] == ("4.116", 2023, False)  # «hiện có»: the form's year
    frame.loc[frame["measure"] == "member_total", "value"] = "4.120"
    frame.loc[frame["measure"] == "member_good_or_better_rate", "value"] = "96,75"
    rows = {r["measure"]: r["value"] for r in review.contract_rows(frame, "BD-TAYSON")}
    assert (rows["member_total"], rows["member_good_or_better_rate"]) == ("4120", "96.75")
    assert re.fullmatch(review.VALUE_PATTERN, "1.234,5") and re.fullmatch(review.VALUE_PATTERN, "96.5")
    assert not re.fullmatch(review.VALUE_PATTERN, "-5") and not re.fullmatch(review.VALUE_PATTERN, "9,6,5")


def test_on_an_english_page_values_are_shown_and_read_back_the_english_way(pasted) -> None:
    """Stop 16: the page in English showed and read 4.116 and 96,5; it shows 4,116 and 96.5 and reads what
    is typed there the English way (a comma between thousands, a decimal point)."""
    frame = review.review_frame(pasted, default_catalog(), "en")
    got = {m: v for m, v in zip(frame["measure"], frame["value"], strict=True)}
    assert (got["member_total"], got["member_good_or_better_rate"], got["org_excellent"]) == ("4,116", "96.5", "12")
    assert review.review_frame(pasted, default_catalog(), "vi")["value"].tolist() == [
        "12", "28", "5", "0", "96,5", "4.116", "40", "45", "45"]
    frame.loc[frame["measure"] == "member_total", "value"] = "4,120"
    frame.loc[frame["measure"] == "member_good_or_better_rate", "value"] = "96.75"
    frame.loc[frame["measure"] == "org_good", "value"] = "1,028"
    rows = {r["measure"]: r["value"] for r in review.contract_rows(frame, "BD-TAYSON", default_catalog(), "x", "en")}
    assert (rows["member_total"], rows["member_good_or_better_rate"], rows["org_good"]) == ("4120", "96.75", "1028")
    assert rows["org_good_or_better"] == "1040"  # the derived total summed again from the edit read the English way
    # what each page's cell accepts: in English a comma only separates thousands
    en, vi = review.value_pattern("en"), review.value_pattern("vi")
    assert [bool(re.fullmatch(en, x)) for x in ("1,234.5", "96.5", "4120", "96,5", "1.234,5", "12,34")] == [
        True, True, True, False, False, False]
    assert [bool(re.fullmatch(vi, x)) for x in ("1.234,5", "96,5", "96.5", "1,234.5")] == [True, True, True, False]
    # a Vietnamese-written figure left on the English page is no number there: kept as typed, for the check to name
    frame.loc[frame["measure"] == "member_total", "value"] = "4.116,5"
    rows = {r["measure"]: r["value"] for r in review.contract_rows(frame, "BD-TAYSON", lang="en")}
    assert rows["member_total"] == "4.116,5"


def test_a_slips_stated_percentage_is_written_the_readers_way() -> None:
    assert [review.stated_in(x, "en") for x in ("1,89%", "96,55%", "1.234,5", "31%", "trên 90%")] == [
        "1.89%", "96.55%", "1,234.5", "31%", "trên 90%"]
    assert [review.stated_in(x, "vi") for x in ("1,89%", "1.234,5", "31%")] == ["1,89%", "1.234,5", "31%"]
