"""A finding's facts are fields of the findings table (issue 20): the counts behind a stated rate or bound,
the bound's qualifier, the parts of a balance; its detail is said from them in the reader's language and
number style, while the stored `detail` stays the formula it always was (CONTRACT.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core.catalog import default_catalog
from core.i18n import finding_detail
from core.problems import finding_sentence
from etl.load import load
from monitor.disputes import dispute_sentences
from monitor.submissions import findings_table
from tests.inputs import write_inputs

CATALOG = default_catalog()
UNITS = [("T", "Tỉnh Thử", "Test Province", "", "province"), ("A", "Huyện A", "District A", "T", "district")]
FACTS = [
    # a stated rate its counts contradict: 1 of 4 313 members rated good is 0,02%, not 5%
    ("A", 2022, "Y", "", "member_rated", 4313, "", "BC 2022"), ("A", 2022, "Y", "", "member_good_or_better", 1, "", ""),
    ("A", 2022, "Y", "", "member_good_or_better_rate", 5, "", "BC 2022, tr. 3"),
    # a bound its counts contradict: "trên 90%" against 40 / 50 = 80%
    ("A", 2022, "Y", "", "org_rated", 50, "", ""), ("A", 2022, "Y", "", "org_good_or_better", 40, "", ""),
    ("A", 2022, "Y", "", "org_good_or_better_rate", 90, ">", "BC 2022, tr. 4"),
    # parts that do not add up to their whole (59 + 266 + 8 = 333, not 323), and the two upper levels of
    # political theory (325) over the whole
    ("A", 2022, "Y", "", "grassroots_committee_members", 323, "", "BC 2022, tr. 5"),
    ("A", 2022, "Y", "", "grassroots_committee_theory_senior", 59, "", ""),
    ("A", 2022, "Y", "", "grassroots_committee_theory_middle", 266, "", ""),
    ("A", 2022, "Y", "", "grassroots_committee_theory_elementary", 8, "", ""),
]
COLUMNS = "rule, measure, stated, computed, detail, num, den, qualifier, parts, part_values"
EXPECTED = [
    ("balance", "grassroots_committee_members", 323.0, 333.0, "8 + 266 + 59 = 333", None, None, None,
     ["grassroots_committee_theory_elementary", "grassroots_committee_theory_middle",
      "grassroots_committee_theory_senior"], [8.0, 266.0, 59.0]),
    ("part_exceeds_whole", "grassroots_committee_theory_intermediate", 323.0, 325.0, "325 > 323", None, None, None,
     None, None),
    ("stated_rate", "member_good_or_better_rate", 5.0, 100 / 4313, "1 / 4313", 1.0, 4313.0, None, None, None),
    ("stated_bound", "org_good_or_better_rate", 90.0, 80.0, ">90 vs 40 / 50", 40.0, 50.0, ">", None, None),
]


def _rows(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT {COLUMNS} FROM findings ORDER BY rule = 'stated_bound', measure").fetchall()


def _findings(db: Path) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT * FROM findings ORDER BY rule = 'stated_bound', measure").df()


def test_each_rule_stores_its_facts_as_fields(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    load(write_inputs(tmp_path, UNITS, FACTS), db)
    assert _rows(db) == EXPECTED


def test_the_detail_is_said_in_the_readers_language(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    load(write_inputs(tmp_path, UNITS, FACTS), db)
    found = _findings(db).to_dict("records")
    assert [finding_detail(f, "vi") for f in found] == [
        "cao cấp 59 + trung cấp 266 + sơ cấp 8 = 333",  # by name, in indicators.yaml's order
        "325 > 323", "1 / 4.313", "trên 90% so với 40 / 50"]
    assert [finding_detail(f, "en") for f in found] == [
        "senior 59 + intermediate 266 + elementary 8 = 333",
        "325 > 323", "1 / 4,313", "over 90% against 40 / 50"]
    # the Data and report-reading pages' table, and the command line's line
    table = findings_table(_findings(db), CATALOG, {"A": "Huyện A"}, "vi")
    assert table["Chi tiết"].tolist()[2] == "1 / 4.313"
    line = finding_sentence(found[2], "vi", {"A": "Huyện A"})
    assert "(1 / 4.313)" in line and "4313" not in line


def test_the_loads_findings_are_said_from_their_fields(tmp_path: Path) -> None:
    """etl.load's findings (Problems) carry the finding's fields, said in the reader's language where shown
    (the command line's `load -v` and `check`), never the stored English detail read back."""
    from dataclasses import replace

    report = load(write_inputs(tmp_path, UNITS, FACTS), tmp_path / "f.duckdb")
    rate, bound = (next(p for p in report.findings if p.rule == rule) for rule in ("stated_rate", "stated_bound"))
    names = {"A": "Huyện A"}
    assert rate.text("vi", names) == (
        "Tỷ lệ nêu khác tỷ lệ tính từ số lượng: Huyện A (A), năm 2022: «Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở "
        "lên» báo cáo ghi: 5%, tính từ số lượng: 0,02% (1 / 4.313); nguồn: BC 2022, tr. 3")
    assert rate.text("en", names) == (
        "Stated rate differs from its counts: Huyện A (A), 2022: «party members: good or better, % of rated» stated: "
        "5%, from the counts: 0.02% (1 / 4,313); source: BC 2022, tr. 3")
    assert bound.text("vi", names) == (  # a bound stays a bound
        "Mức nêu (trên/dưới) trái với số lượng: Huyện A (A), năm 2022: «Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm "
        "vụ trở lên» báo cáo ghi: trên 90%, tính từ số lượng: 80% (trên 90% so với 40 / 50); nguồn: BC 2022, tr. 4")
    assert str(rate) == rate.text("vi")  # the audit's and the terminal's words: Vietnamese
    garbled = replace(rate, args={"finding": {**rate.args["finding"], "detail": "stated 5 vs 1 / 4313"}})
    assert garbled.text("vi", names) == rate.text("vi", names) and "4313" not in rate.text("vi", names)


def test_dispute_sentences_read_the_fields(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    load(write_inputs(tmp_path, UNITS, FACTS), db)
    rate, bound = (f for f in _findings(db).to_dict("records") if f["rule"] in ("stated_rate", "stated_bound"))
    rate["detail"] = bound["detail"] = ""  # nothing is read back from the formula
    assert dispute_sentences([rate], CATALOG, "vi", indicator="member_good_or_better_rate") == [
        "báo cáo ghi tỷ lệ 5%, nhưng 1/4.313 = 0,02%: số liệu báo cáo không khớp"]
    assert dispute_sentences([rate], CATALOG, "en", indicator="member_good_or_better_rate") == [
        "the report gives 5%, but 1/4,313 = 0.02%: the report's figures do not agree"]
    assert dispute_sentences([bound], CATALOG, "vi", indicator="org_good_or_better_rate") == [
        "báo cáo ghi trên 90%, nhưng tính từ số lượng được 80,0%: số liệu báo cáo không khớp"]


def test_a_database_made_before_the_fields_opens_and_loads(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    load(write_inputs(tmp_path, UNITS, FACTS[:3]), db)
    with duckdb.connect(str(db)) as con:  # the findings table as it was before it had fields
        for column in ("num", "den", "qualifier", "parts", "part_values"):
            con.execute(f"ALTER TABLE findings DROP COLUMN {column}")
    old = _findings(db).to_dict("records")
    assert [finding_detail(f, "vi") for f in old] == ["1 / 4313"]  # its stored detail, as it was shown
    # the pages' reading of the disputed values: no field, so the rate is said against what its counts give
    from monitor import attainment
    with duckdb.connect(str(db), read_only=True) as con:
        values = attainment.indicator_values(con, CATALOG, units=["A"])
    hit = values[values["indicator"] == "member_good_or_better_rate"].iloc[0]
    assert [f["rule"] for f in hit["findings"]] == ["stated_rate"] and hit["findings"][0]["num"] is None
    assert dispute_sentences(hit["findings"], CATALOG, "vi", indicator="member_good_or_better_rate") == [
        "báo cáo ghi 5%, nhưng tính từ số lượng được 0,02%: số liệu báo cáo không khớp"]
    # the next load gives the table its fields and every finding its facts
    load(write_inputs(tmp_path, UNITS, FACTS), db)
    assert _rows(db) == EXPECTED


def test_each_figure_is_named_for_what_it_is(tmp_path: Path) -> None:
    """The pages' findings table: a stated rate against its counts, a bound kept a bound, a total against
    its parts, a part against its total, and a jump's two figures by their years (neither "stated" nor
    "computed")."""
    db = tmp_path / "f.duckdb"
    load(write_inputs(tmp_path, UNITS, FACTS), db)
    found = _findings(db)
    jump = found.iloc[:1].assign(rule="yoy_rate_jump", measure="org_good_rate", year=2022, stated=45.45,
                                 computed=8.7, num=None, den=None, qualifier=None, parts=None, part_values=None)
    found = pd.concat([found, jump], ignore_index=True)
    table = findings_table(found, CATALOG, {"A": "Huyện A"}, "vi")
    assert table[["Giá trị", "Đối chiếu với"]].values.tolist() == [
        ["Tổng số ghi: 323", "Cộng các thành phần: 333"], ["Thành phần ghi: 325", "Tổng số ghi: 323"],
        ["Báo cáo ghi: 5%", "Tính từ số lượng: 0,02%"], ["Báo cáo ghi: trên 90%", "Tính từ số lượng: 80%"],
        ["Năm 2022: 45,45%", "Năm 2021: 8,7%"]]  # a rate keeps its sign, as the Chi tiết column says it
    english = findings_table(found, CATALOG, {"A": "District A"}, "en")
    assert english[["Value", "Against"]].values.tolist()[-1] == ["2022: 45.45%", "2021: 8.7%"]
    assert "Báo cáo nêu" not in table.columns and "Tính lại" not in table.columns


def test_a_finding_without_a_detail_has_no_empty_brackets() -> None:
    """A finding stored before its fields were kept, without a detail: the command line's line ends with its
    figures and source, in either language, never with '()'."""
    row = {"rule": "stated_rate", "unit_code": "A", "year": 2022, "period": "Y", "org_type": "",
           "measure": "org_excellent_share", "stated": 31.0, "computed": 100 * 18 / 55, "detail": None,
           "source": "BC 2022"}
    names = {"A": "Huyện A"}
    assert finding_sentence(row, "vi", names) == (
        "Tỷ lệ nêu khác tỷ lệ tính từ số lượng: Huyện A (A), năm 2022: «Tỷ lệ tổ chức cơ sở đảng hoàn thành xuất "
        "sắc so với hoàn thành tốt trở lên» báo cáo ghi: 31%, tính từ số lượng: 32,73%; nguồn: BC 2022")
    assert finding_sentence({**row, "detail": ""}, "en", names) == (
        "Stated rate differs from its counts: Huyện A (A), 2022: «grassroots party organisations: excellent, % of "
        "good or better» stated: 31%, from the counts: 32.73%; source: BC 2022")
