"""Compare page (AppTest): ranking, unit-kind filter, the two-indicator scatter, empty states."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dashboard_data import demo_db, empty_db, frames, plotly_array, run_app, sample_db


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_db(tmp_path_factory)


def _numbers(column) -> list[float]:
    return [float(v.rstrip("%").replace(".", "").replace(",", ".")) for v in column if v != "—"]


def test_ranking_and_scatter(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    at = run_app(monkeypatch, demo, "compare", unit="DEMO-P01", rank="member_good_or_better_rate")
    assert not at.exception
    [table] = frames(at)
    assert len(table) == 15  # 12 districts and 3 blocs
    values = _numbers(table["Giá trị"])
    assert values == sorted(values, reverse=True)  # best first
    assert table["Hạng"].iloc[0] == "1"
    assert set(table["Loại"]) == {"Huyện", "Đảng bộ khối"}
    # the scatter: x is the first target, y the first target of another group
    assert at.query_params["x"] == "org_completed_or_better_rate"
    assert at.query_params["y"] == "member_good_or_better_rate"
    [fig] = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert {tr["name"] for tr in fig["data"]} == {"Huyện", "Đảng bộ khối"}
    assert sum(len(plotly_array(tr["x"])) for tr in fig["data"]) == 15
    assert fig["layout"]["separators"] == ",."


def test_kind_filter(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    at = run_app(monkeypatch, demo, "compare", unit="DEMO-P01", kind="bloc")
    assert not at.exception
    [table] = frames(at)
    assert len(table) == 3
    assert set(table["Loại"]) == {"Đảng bộ khối"}


def test_organisation_type_filter_changes_the_figures(monkeypatch: pytest.MonkeyPatch, demo: Path) -> None:
    all_types = frames(run_app(monkeypatch, demo, "compare", unit="DEMO-P01", rank="org_good_or_better_rate"))[0]
    communes = frames(run_app(monkeypatch, demo, "compare", unit="DEMO-P01", rank="org_good_or_better_rate",
                              org="xa"))[0]
    assert len(communes) == len(all_types)
    assert list(communes["Giá trị"]) != list(all_types["Giá trị"])


def test_one_unit_is_no_scatter(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, sample_db(tmp_path_factory), "compare", unit="BD", year="2022")
    assert not at.exception
    [fig] = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert fig["layout"]["annotations"][0]["text"] == (
        "Cần ít nhất hai đơn vị có đủ cả hai số liệu để vẽ biểu đồ tương quan.")


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    at = run_app(monkeypatch, empty_db(tmp_path_factory), "compare")
    assert not at.exception
    assert [i.value for i in at.info] == ["Cơ sở dữ liệu chưa có đơn vị nào."]
