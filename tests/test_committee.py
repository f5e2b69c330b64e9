"""The committee's assessments (issue 18, part 1) and the one-page summary (part 2): stored beside the
database with their history and audit line, untouched by a load and by a rollback; written by a unit
officer on the Unit page and seen there, in the draft and on a slide; refused to a viewer; the summary
one A4 landscape page with one row per target."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from core.audit import audit_path
from core.catalog import default_catalog
from etl.load import load, rollback
from monitor import committee
from monitor.auth import User, format_user
from monitor.export import docx, pptx
from monitor.export.model import load_pack_data
from monitor.export.onepage import onepage_pdf
from monitor.export.selection import draft_of
from tests.dashboard_data import ROOT, sample_db, texts
from tests.download_spy import require_chromium

TAYSON = "BD-TAYSON"
RES = "ts-03-ctr-hu"
GOOD = ("unit_code,year,period,org_type,measure,value,qualifier,source\n"
        "BD-TAYSON,2024,Y,,org_rated,58,,thử\nBD-TAYSON,2024,Y,,org_good,45,,thử\n")
UNIVERSITY = "Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên"
CAUSES = "Nhiều cấp ủy viên mới được bầu, chưa qua đào tạo đại học."
REMEDIES = "Cử 12 đồng chí đi học đại học từ năm 2024."


@pytest.fixture
def db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(sample_db(tmp_path_factory), copy)
    return copy


def _university(db: Path, user: str = "tayson") -> int:
    return committee.save(db, committee.Assessment(TAYSON, RES, "gc-university", CAUSES, REMEDIES, "off_track",
                                                   "còn hai năm mà thiếu 2,5 điểm"), user=user, user_name="Cán bộ")


def test_saved_beside_the_database_with_history_and_audit(db: Path) -> None:
    before = db.read_bytes()
    assert committee.current(db).empty and committee.revision(db) == 0  # nothing saved: no file made by reading
    assert not committee.store_path(db).exists()
    assert _university(db) == 1
    assert committee.save(db, committee.Assessment(TAYSON, causes="Cấp ủy chưa sát sao."), user="tayson") == 2
    assert committee.save(db, committee.Assessment(TAYSON, RES, "gc-university", CAUSES, "Cử đi học."),
                          user="admin") == 3
    assert db.read_bytes() == before  # the database itself is never written
    now = committee.current(db)
    assert [(r.target_id, r.remedies, r.status, r.author) for r in now.itertuples()] == [
        ("", "", "", "tayson"), ("gc-university", "Cử đi học.", "", "admin")]
    past = committee.history(db, TAYSON, RES, "gc-university")
    assert list(past["revision"]) == [3, 1] and past["remedies"].iloc[1] == REMEDIES
    # cleared: no current assessment, the history keeps what it said
    committee.save(db, committee.Assessment(TAYSON), user="tayson")
    assert list(committee.current(db)["target_id"]) == ["gc-university"]
    assert list(committee.history(db, TAYSON)["causes"]) == ["", "Cấp ủy chưa sát sao."]
    lines = [json.loads(x) for x in audit_path(db).read_text(encoding="utf-8").splitlines()]
    said = [(e["event"], e["user"], e["result"], e["target_id"]) for e in lines if e.get("event") == "assessment"]
    assert said == [("assessment", "tayson", "saved", "gc-university"), ("assessment", "tayson", "saved", ""),
                    ("assessment", "admin", "saved", "gc-university"), ("assessment", "tayson", "cleared", "")]
    assert lines[-4]["reason"] == "còn hai năm mà thiếu 2,5 điểm"


def test_refusals(db: Path) -> None:
    with pytest.raises(committee.AssessmentRefused) as exc:
        committee.save(db, committee.Assessment(TAYSON, status="off_track"), user="x")
    assert exc.value.key == "assess_reason_needed"
    with pytest.raises(committee.AssessmentRefused) as exc:
        committee.save(db, committee.Assessment(TAYSON, status="great", reason="r"), user="x")
    assert exc.value.key == "assess_bad_status"
    with pytest.raises(committee.AssessmentRefused) as exc:
        committee.save(db, committee.Assessment(TAYSON, causes="x" * 4001), user="x")
    assert exc.value.key == "assess_too_long"
    assert committee.revision(db) == 0 and not audit_path(db).exists()


def test_who_may_assess() -> None:
    officer = User("ts", "TS", "unit_officer", (TAYSON,))
    assert committee.may_assess(officer, TAYSON, True).allowed
    assert committee.may_assess(officer, "HD", True).reason == "assess_not_yours"
    assert committee.may_assess(User("v", "V", "viewer"), TAYSON, True).reason == "assess_viewer"
    assert committee.may_assess(User("a", "A", "admin"), "HD", True).allowed
    assert committee.may_assess(None, TAYSON, True).allowed  # no login, MONITOR_UPLOADS=1
    assert committee.may_assess(None, TAYSON, False).reason == "assess_disabled"


def test_a_load_and_a_rollback_keep_them(db: Path, tmp_path: Path) -> None:
    _university(db)
    kept = committee.current(db)
    new = tmp_path / "new.csv"
    new.write_text(GOOD, encoding="utf-8")
    report = load([new], db)
    assert report.inserted == 2
    assert committee.current(db).equals(kept)
    rollback(db, report.version)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM facts WHERE year = 2024").fetchone()[0] == 0  # figures restored
    assert committee.current(db).equals(kept)


def _pack(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        return load_pack_data(con, default_catalog(), TAYSON, as_of=2023)


def test_draft_slides_and_annex_carry_them(db: Path) -> None:
    _university(db)
    committee.save(db, committee.Assessment(TAYSON, causes="Cấp ủy chưa sát sao.", remedies="Kiểm tra hằng quý."),
                   user="tayson")
    data = _pack(db)
    draft = draft_of(data, TAYSON).splitlines()
    at = draft.index("Đánh giá của Ban Thường vụ: nguyên nhân và giải pháp")
    assert draft[at + 1:] == [
        "Nguyên nhân: Cấp ủy chưa sát sao. Giải pháp: Kiểm tra hằng quý.",
        f"{UNIVERSITY}: Nguyên nhân: {CAUSES} Giải pháp: {REMEDIES} Ban Thường vụ đánh giá: ✖ Nguy cơ không đạt, "
        "vì còn hai năm mà thiếu 2,5 điểm."]
    word = [p.text for p in docx.build_draft(data).paragraphs]
    assert f"{UNIVERSITY}: Nguyên nhân: {CAUSES} Giải pháp: {REMEDIES} Ban Thường vụ đánh giá: ✖ Nguy cơ không " \
           "đạt, vì còn hai năm mà thiếu 2,5 điểm." in word
    # Tây Sơn's figures are on track: the one slide is the target the committee says is off track
    deck = pptx.build_deck(data, [])
    slides = [[s.text_frame.text for s in slide.shapes if s.has_text_frame] for slide in deck.slides]
    mine = [s for s in slides if s[0] == UNIVERSITY]
    assert len(mine) == 1
    body = mine[0][1].splitlines()
    assert body[0] == "Chỉ tiêu đề ra: 100% (đến năm 2025) · Kết quả: 97,5% (2023) · Tình trạng: … Chưa đủ dữ liệu ⚑"
    assert body[-3:] == [f"Nguyên nhân: {CAUSES}", f"Giải pháp: {REMEDIES}",
                         "Ban Thường vụ đánh giá: ✖ Nguy cơ không đạt, vì còn hai năm mà thiếu 2,5 điểm."]
    annex = docx.table_text(docx.build_annex(data))[-1]
    assert annex == [["Đơn vị", "Chỉ tiêu", "Nguyên nhân", "Giải pháp", "Ban Thường vụ đánh giá"],
                     ["Đảng bộ huyện Tây Sơn", "Toàn đơn vị", "Cấp ủy chưa sát sao.", "Kiểm tra hằng quý.", ""],
                     ["Đảng bộ huyện Tây Sơn", UNIVERSITY, CAUSES, REMEDIES,
                      "✖ Nguy cơ không đạt: còn hai năm mà thiếu 2,5 điểm"]]


def test_without_assessments_the_pack_is_as_before(db: Path) -> None:
    data = _pack(db)
    assert "Ban Thường vụ" not in draft_of(data, TAYSON)
    titles = [slide.shapes.title.text_frame.text for slide in pptx.build_deck(data, []).slides]
    assert UNIVERSITY not in titles  # no target off track, none asserted: no slide
    assert len(docx.build_annex(data).tables) == 1


def test_one_page_summary_pdf(db: Path) -> None:
    require_chromium()
    _university(db)
    data = _pack(db)
    pdf = PdfReader(io.BytesIO(onepage_pdf(data)))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (297, 210)  # A4 landscape
    text = " ".join(pdf.pages[0].extract_text().split())
    names = [default_catalog().indicators[i].name("vi") for i in data.assessed["indicator"]]
    assert len(names) == 8
    for name in names:  # one row per target, its name whole
        assert len(re.findall(re.escape(name) + r"(?! \(mô phỏng\))", text)) == 1, name
    assert text.count("⚑ số liệu báo cáo tự mâu thuẫn:") == 3  # the three disputed figures, marked by symbol
    assert f"Nguyên nhân: {CAUSES} Giải pháp: {REMEDIES}" in text
    assert "✔ Đạt" in text and "⁉ Cần xác minh số liệu" in text


# -- the Unit page (AppTest) -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("committee-auth") / "users.toml"
    path.write_text(format_user("tayson", "Cán bộ Tây Sơn", "unit_officer", [TAYSON], "mật-khẩu-ts", rounds=4)
                    + format_user("xem", "Người xem", "viewer", [], "mật-khẩu-xem", rounds=4), encoding="utf-8")
    return path


def _unit_page(monkeypatch: pytest.MonkeyPatch, db: Path, users: Path, username: str, password: str) -> AppTest:
    monkeypatch.setenv("MONITOR_DB", str(db))
    monkeypatch.setenv("MONITOR_AUTH", "local")
    monkeypatch.setenv("MONITOR_USERS", str(users))
    monkeypatch.delenv("MONITOR_UPLOADS", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(unit="BD", focus=TAYSON, year="2023")
    at.run()
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    [submit] = at.button
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("screens/unit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_unit_officer_writes_and_sees_it(monkeypatch: pytest.MonkeyPatch, db: Path, users: Path) -> None:
    at = _unit_page(monkeypatch, db, users, "tayson", "mật-khẩu-ts")
    assert "Chưa có đánh giá nào cho đơn vị này." in texts(at)
    at.selectbox(key=f"committee_{TAYSON}").set_value((RES, "gc-university")).run()
    tag = f"{TAYSON}_{RES}_gc-university"
    at.text_area(key=f"causes_{tag}").input(CAUSES)
    at.text_area(key=f"remedies_{tag}").input(REMEDIES)
    at.selectbox(key=f"status_{tag}").set_value("off_track")
    at.text_input(key=f"reason_{tag}").input("còn hai năm mà thiếu 2,5 điểm")
    [save] = [b for b in at.button if b.label == "Lưu đánh giá"]
    save.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Đã lưu đánh giá (lần sửa thứ 1)." in [s.value for s in at.success]
    page = texts(at)
    assert (f"**{UNIVERSITY}** · theo số liệu: … Chưa đủ dữ liệu  \nNguyên nhân: {CAUSES}  \n"
            f"Giải pháp: {REMEDIES}  \nBan Thường vụ đánh giá: ✖ Nguy cơ không đạt, còn hai năm mà thiếu 2,5 điểm"
            ) in page
    assert re.search(r"Ghi bởi Cán bộ Tây Sơn, lúc \d{4}-\d\d-\d\d \d\d:\d\d \(giờ UTC\)", page)
    draft = next(a.value for a in at.text_area if a.key and a.key.startswith("unit_draft_"))
    assert f"{UNIVERSITY}: Nguyên nhân: {CAUSES} Giải pháp: {REMEDIES}" in draft
    assert any(CAUSES in str(h.proto.body) for h in at.get("html"))  # the one-page summary on screen
    assert committee.current(db)["author"].tolist() == ["tayson"]
    # a second save: the earlier text stays, listed under the form
    at.text_area(key=f"remedies_{tag}").input("Cử 15 đồng chí đi học.")
    [save] = [b for b in at.button if b.label == "Lưu đánh giá"]
    save.click().run()
    assert "Đã lưu đánh giá (lần sửa thứ 2)." in [s.value for s in at.success]
    assert "Các lần ghi trước" in texts(at)
    earlier = next(f.value for f in at.dataframe if "Giải pháp" in f.value.columns)
    assert earlier[["Giải pháp", "Ban Thường vụ đánh giá", "Người ghi"]].values.tolist() == [
        [REMEDIES, "✖ Nguy cơ không đạt", "Cán bộ Tây Sơn"]]
    assert committee.current(db)["remedies"].tolist() == ["Cử 15 đồng chí đi học."]


def test_a_viewer_cannot_write(monkeypatch: pytest.MonkeyPatch, db: Path, users: Path) -> None:
    _university(db)
    at = _unit_page(monkeypatch, db, users, "xem", "mật-khẩu-xem")
    assert "Tài khoản người xem không được ghi đánh giá." in texts(at)
    assert not [b for b in at.button if b.label == "Lưu đánh giá"]
    assert not [a for a in at.text_area if a.key and a.key.startswith("causes_")]
    assert f"Nguyên nhân: {CAUSES}" in texts(at)  # but sees what the committee wrote


def test_a_long_assessment_is_shortened_on_the_page_only() -> None:
    from monitor.export.onepage import committee_budget, shorten

    assert shorten("Nguyên nhân: ngắn.", 160) == "Nguyên nhân: ngắn."
    assert shorten("một hai ba, bốn năm sáu", 14) == "một hai ba …"
    assert [committee_budget(n) for n in (8, 9, 12, 13)] == [160, 120, 120, 80]


def test_one_page_with_long_assessments_of_every_target(db: Path) -> None:
    require_chromium()
    long = "cấp ủy cơ sở chưa quan tâm đúng mức đến công tác đào tạo, bồi dưỡng cán bộ; " * 5
    with duckdb.connect(str(db), read_only=True) as con:
        targets = load_pack_data(con, default_catalog(), TAYSON, as_of=2023).assessed
    for r in targets.itertuples():
        committee.save(db, committee.Assessment(TAYSON, r.resolution_id, r.target_id, long, long), user="tayson")
    data = _pack(db)
    pdf = PdfReader(io.BytesIO(onepage_pdf(data)))
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    assert text.count("Nguyên nhân: cấp ủy cơ sở") == 8
    assert "… nội dung đầy đủ ở phụ lục Word và trang Đơn vị" in text
    annex = docx.table_text(docx.build_annex(data))[-1]
    assert annex[1][2] == long.strip()  # the annex keeps the whole text
