"""What an upload covers, and per unit what is still missing for a year (monitor.coverage), and where the
Data page shows them (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.catalog import default_catalog
from etl.load import load
from monitor.coverage import covers, missing
from tests.dashboard_data import SAMPLE, run_app

HEADER = "unit_code,year,period,org_type,measure,value,qualifier,source\n"


def test_an_upload_names_its_units_and_years() -> None:
    rows = pd.DataFrame({"unit_code": ["BD-TAYSON", "BD-TAYSON", " HD ", "BD-TAYSON", "XX"],
                         "year": ["2023", "2022", "2023", "2023", "20x"]})
    names = {"BD-TAYSON": "Đảng bộ huyện Tây Sơn", "HD": "Tỉnh Hải Dương"}
    # by name; a row whose year is no year names nothing
    assert covers(rows, names) == [("HD", "Tỉnh Hải Dương", [2023]),
                                   ("BD-TAYSON", "Đảng bộ huyện Tây Sơn", [2022, 2023])]
    assert covers(pd.DataFrame(), names) == []


def test_what_a_district_still_owes_for_a_year(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    figures = tmp_path / "bc.csv"
    figures.write_text(HEADER + "".join(f"BD-TAYSON,2023,Y,,{m},{v},,BC\n" for m, v in (
        ("org_excellent", 12), ("org_good", 28), ("org_rated", 45))) + "BD-TAYSON,2023,Y,,member_good_or_better_rate,"
        "96.5,,BC\nBD-TAYSON,2022,Y,,admitted,10,,BC\n", encoding="utf-8")
    load([SAMPLE / "units.csv", figures], db)
    found = missing(db, default_catalog(), [("BD-TAYSON", "Huyện Tây Sơn", "district")], 2023)
    assert list(found.columns) == ["unit_code", "unit", "indicator", "needs"]
    assert found[["indicator", "needs"]].values.tolist() == [
        # good or better is given by excellent + good: only «completed» is wanting
        ["Tỷ lệ tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên", "Số tổ chức cơ sở đảng hoàn thành nhiệm vụ trở lên"],
        # members' good-or-better rate: stated, so nothing is wanting; 2022's admissions are another year's
        ["Tỷ lệ kết nạp đảng viên so với tổng số đảng viên", "Số đảng viên mới được kết nạp; Tổng số đảng viên"],
        ["Tỷ lệ cấp ủy viên cơ sở có trình độ đại học trở lên",
         "Cấp ủy viên cơ sở có trình độ đại học trở lên; Tổng số cấp ủy viên cơ sở"],
        ["Tỷ lệ cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên",
         "Cấp ủy viên cơ sở có lý luận chính trị từ trung cấp trở lên; Tổng số cấp ủy viên cơ sở"],
        ["Tỷ lệ cán bộ, công chức cấp xã có trình độ đại học trở lên",
         "Cán bộ, công chức cấp xã có trình độ đại học trở lên; Tổng số cán bộ, công chức cấp xã"],
    ]
    assert set(found["unit"]) == {"Huyện Tây Sơn"}
    english = missing(db, default_catalog(), [("BD-TAYSON", "Tây Sơn", "district")], 2023, "en")
    assert english["needs"].iloc[0] == "grassroots party organisations: completed or better"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.dashboard_data import sample_db

    return sample_db(tmp_path_factory)


def test_the_data_page_lists_what_is_missing_and_what_an_upload_covers(monkeypatch: pytest.MonkeyPatch,
                                                                      sample: Path) -> None:
    at = run_app(monkeypatch, sample, "data", unit="BD", year="2024")
    assert not at.exception
    assert "Số liệu còn thiếu theo đơn vị" in [s.value for s in at.subheader]
    [table] = [d.value for d in at.dataframe if "Cần số liệu" in d.value.columns]
    assert list(table.columns) == ["Đơn vị", "Chỉ tiêu", "Cần số liệu"]
    assert "Đảng bộ huyện Tây Sơn" in set(table["Đơn vị"])
    assert any(w.value.startswith("Năm 2024: ") for w in at.warning)
    assert "Tải danh sách còn thiếu (Excel)" in [b.proto.label for b in at.get("download_button")]
    at.file_uploader(key="data_upload_0").upload("so-lieu.csv", (HEADER + "BD-TAYSON,2024,Y,,org_total,60,,BC 2\n"
                                                               "BD-TAYSON,2025,Y,,org_total,61,,BC 3\n").encode(),
                                                "text/csv").run()
    assert not at.exception
    assert ("Tệp có số liệu của 1 đơn vị: Đảng bộ huyện Tây Sơn (2024, 2025). Hãy kiểm tra đúng đơn vị và năm "
            "trước khi nạp.") in [i.value for i in at.info]
