"""Numbers and words as the dashboard prints them: Vietnamese separators, bounds, missing, statuses."""

from __future__ import annotations

import math
import re

import pytest

from core.i18n import (
    HEADLINE_STATUSES,
    LANGS,
    MISSING,
    STATUS_CODES,
    STATUS_LABELS,
    STATUS_STYLE,
    fmt_change,
    fmt_number,
    fmt_percent,
    fmt_target,
    fmt_value,
    load_strings,
    plotly_separators,
    short_name,
    status_label,
    t,
    unit_name,
)


@pytest.mark.parametrize(("x", "lang", "decimals", "expected"), [
    (1234.5, "vi", 1, "1.234,5"),
    (1234.5, "en", 1, "1,234.5"),
    (3577, "vi", None, "3.577"),
    (109426, "vi", 0, "109.426"),
    (96.55, "vi", 1, "96,6"),
    (2.25, "vi", 1, "2,3"),     # banker's rounding would give 2,2
    (0.045, "vi", 2, "0,05"),
    (-0.04, "vi", 1, "0,0"),    # no "-0,0"
    (99.74, "vi", None, "99,74"),
    (12.0, "vi", None, "12"),
    (1234567.891, "en", None, "1,234,567.89"),
])
def test_fmt_number(x: float, lang: str, decimals: int | None, expected: str) -> None:
    assert fmt_number(x, lang, decimals) == expected


@pytest.mark.parametrize("missing", [None, math.nan, float("nan"), "not a number"])
def test_missing_is_shown_as_missing(missing: object) -> None:
    assert fmt_number(missing) == MISSING
    assert fmt_percent(missing) == MISSING
    assert fmt_value(missing, "count", "en") == MISSING
    assert fmt_change(missing, "percent") == MISSING


def test_percent_and_bounds() -> None:
    assert fmt_percent(96.55) == "96,6%"
    assert fmt_percent(96.55, "en") == "96.6%"
    assert fmt_percent(90, "vi", 0, ">") == "trên 90%"
    assert fmt_percent(90, "en", 0, ">") == "over 90%"
    assert fmt_percent(5, "vi", 0, "<") == "dưới 5%"
    assert fmt_percent(693, "vi", 0, "~") == "khoảng 693%"
    assert fmt_value(600, "count", "vi", ">") == "trên 600"
    assert fmt_value(15484, "count", "vi") == "15.484"
    assert fmt_value(4.16, "percent", "vi") == "4,16%"  # a small rate keeps its hundredths
    assert fmt_value(96.55, "percent", "vi") == "96,6%"
    assert fmt_value(90, "percent", "vi", ">") == "trên 90%"  # a bound as the source wrote it


def test_targets_read_as_resolutions_write_them() -> None:
    assert fmt_target(">", 80) == "trên 80%"
    assert fmt_target(">=", 95) == "từ 95% trở lên"
    assert fmt_target("=", 100) == "100%"
    assert fmt_target("range", 15, 20) == "từ 15% đến 20%"
    assert fmt_target(">", 600, unit="count") == "trên 600"
    assert fmt_target(">=", 95, lang="en") == "95% or more"
    assert fmt_target(">=", 4.5) == "từ 4,5% trở lên"


def test_changes_per_year() -> None:
    assert fmt_change(1.234, "percent") == "+1,2 điểm %/năm"
    assert fmt_change(-0.5, "percent", "en") == "-0.5 pts/yr"
    assert fmt_change(35, "count", "en") == "+35/yr"
    assert fmt_change(0.02, "percent") == "+0,02 điểm %/năm"


def test_every_string_has_both_languages_and_diacritics_survive() -> None:
    strings = load_strings()
    for key, entry in strings.items():
        assert set(entry) == set(LANGS), key
        assert entry["vi"].strip() and entry["en"].strip(), key
    assert t("page_overview") == "Tổng quan"
    assert t("page_overview", "en") == "Overview"
    assert t("no_data", "vi", what="2023") == "Chưa có số liệu cho lựa chọn này (2023)."
    assert t("page_overview", "fr") == "Tổng quan"  # an unknown language falls back to Vietnamese


def test_a_command_line_sentence_is_said_in_vietnamese_then_english() -> None:
    from core.i18n import both, fmt_count, fmt_time

    assert (fmt_count(1234567, "vi"), fmt_count(1234567, "en"), fmt_count(12, "vi")) == ("1.234.567", "1,234,567", "12")
    assert fmt_count(1234567, "vi") == fmt_number(1234567, "vi")  # babel's way, without babel
    assert both("cli_check_ok", rows=12350, files=2) == (
        "Đạt: 12.350 dòng trong 2 tệp qua mọi quy tắc kiểm tra. — OK: 12,350 row(s) in 2 file(s) pass every rule.")
    assert both("cli_export_wrote", files=3, zip="p.zip", charts=0, seconds=12.25) == (
        "Đã ghi 3 tệp và p.zip (0 biểu đồ, 12,3 giây) — Wrote 3 file(s) and p.zip (0 chart(s), 12.3 s)")
    # a clause of its own key, asked in each language; text as it is
    assert both("cli_no_version", n="7", db="m.duckdb", kept=lambda lang: t("cli_none", lang)) == (
        "Không có phiên bản 7 của m.duckdb (đang giữ: không có); không có gì thay đổi. — "
        "No version 7 of m.duckdb (kept: none); nothing was changed.")
    assert fmt_time("2026-12-07T20:48:51+00:00", "vi") == "07/12/2026 20:48:51"
    assert fmt_time("2026-12-07T20:48:51", "en") == "2026-12-07 20:48:51"
    assert fmt_time("", "vi") == "" and fmt_time("hôm qua", "en") == "hôm qua"


def test_status_labels_and_styles_cover_every_code() -> None:
    for code in STATUS_CODES:
        assert STATUS_LABELS[code]["vi"] and STATUS_LABELS[code]["en"]
        style = STATUS_STYLE[code]
        assert re.fullmatch(r"#[0-9A-F]{6}", style["color"])
        assert style["symbol"].strip()
    assert status_label("achieved") == "✔ Đạt"
    assert status_label("off_track", "en") == "✖ Off track"
    assert status_label("accelerate", "vi", symbol=False) == "Cần đẩy nhanh"
    # never colour alone: the four headline statuses differ in symbol and in marker shape too
    assert len({STATUS_STYLE[s]["symbol"] for s in STATUS_CODES}) == len(STATUS_CODES)
    assert len({STATUS_STYLE[s]["marker"] for s in HEADLINE_STATUSES}) == len(HEADLINE_STATUSES)


def test_unit_names_and_short_names() -> None:
    row = {"unit_code": "BD-TAYSON", "name_vi": "Đảng bộ huyện Tây Sơn", "name_en": ""}
    assert unit_name(row, "vi") == "Đảng bộ huyện Tây Sơn"
    assert unit_name(row, "en") == "Đảng bộ huyện Tây Sơn"  # no English name: the Vietnamese one
    assert short_name("Tỷ lệ kết nạp đảng viên") == "Kết nạp đảng viên"
    assert short_name("Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", 20) == "Tổ chức cơ sở đảng…"
    assert plotly_separators("vi") == ",."
    assert plotly_separators("en") == ".,"


def test_the_headline_never_puts_more_than_four_boxes_on_a_row() -> None:
    from monitor.overview import headline_rows

    assert [headline_rows(n) for n in (1, 4, 5, 6, 7)] == [[1], [4], [3, 2], [3, 3], [4, 3]]


# issue 20 (part): every text key complete, every key the code names by its literal there
CODE_DIRS = ("app.py", "serve.py", "screens", "monitor", "etl", "core")
_LITERAL = re.compile(r"""(?<![\w])(?:\w+\.)?(t|tx|both)\(\s*(f?)(["'])([^"'{]*)(\{?)""")


def _named_keys() -> list[tuple[str, str, str, bool]]:
    """(file, function, key or prefix, is_prefix) for every t("…") / c.t("…") / tx("…") / both("…") whose key is
    written in the call: a literal, or the fixed start of an f-string (t(f"status_{code}"))."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [p for d in CODE_DIRS for p in ([root / d] if d.endswith(".py") else (root / d).rglob("*.py"))]
    out = []
    for path in files:
        for m in _LITERAL.finditer(path.read_text(encoding="utf-8")):
            fn, f, key, brace = m.group(1), m.group(2), m.group(4), m.group(5)
            out.append((path.name, fn, key, bool(f and brace)))
    return out


def _missing(named: list[tuple[str, str, str, bool]], keys: dict[str, set[str]]) -> list[str]:
    """The calls whose key (or f-string prefix: no key starting so) is not in their strings file."""
    return [f"{file}: {fn}(\"{key}…\")" if prefix else f"{file}: {fn}(\"{key}\")"
            for file, fn, key, prefix in named
            if not (any(k.startswith(key) for k in keys[fn]) if prefix else key in keys[fn])]


def test_every_key_of_both_strings_files_has_vi_and_en() -> None:
    from monitor.export.text import STRINGS_PATH as PACK_STRINGS

    for path in (None, PACK_STRINGS):
        strings = load_strings() if path is None else load_strings(str(path))
        assert len(strings) > 100
        for key, entry in strings.items():
            assert set(entry) == set(LANGS), key
            assert entry["vi"].strip() and entry["en"].strip(), key


def test_every_key_named_in_the_code_exists() -> None:
    from monitor.export.text import STRINGS_PATH as PACK_STRINGS

    keys = {"t": set(load_strings()), "tx": set(load_strings(str(PACK_STRINGS)))}
    keys["both"] = keys["t"]  # the command line's lines (core.i18n.both)
    named = _named_keys()
    assert len(named) > 300  # the scan finds the calls (a check that finds none would pass for nothing)
    missing = _missing(named, keys)
    assert not missing, "text keys named in the code but not in strings.yaml:\n" + "\n".join(missing)


def test_a_key_missing_from_the_strings_is_named() -> None:
    text = 'c.t("page_overview") + t("no_such_key", lang) + tx(f"xl_severity_{s}") + t(f"nope_{x}")'
    found = [("x.py", m.group(1), m.group(4), bool(m.group(2) and m.group(5))) for m in _LITERAL.finditer(text)]
    assert found == [("x.py", "t", "page_overview", False), ("x.py", "t", "no_such_key", False),
                     ("x.py", "tx", "xl_severity_", True), ("x.py", "t", "nope_", True)]
    keys = {"t": {"page_overview"}, "tx": {"xl_severity_finding"}}
    assert _missing(found, keys) == ['x.py: t("no_such_key")', 'x.py: t("nope_…")']


def _unnamed(keys: set[str], literals: set[str], families: set[str]) -> list[str]:
    """The keys no code names: not a string literal (t("x"), a key picked by a condition or a mapping),
    not of a family whose fixed start an f-string writes (f"status_{code}"), and not an assessment's
    refusal, which is the load gate's reason renamed (committee.may_assess: load_… → assess_…)."""
    return sorted(k for k in keys
                  if k not in literals and not any(k.startswith(f) for f in families)
                  and not (k.startswith("assess_") and "load_" + k.removeprefix("assess_") in literals))


def _code_strings() -> tuple[set[str], set[str]]:
    """Every string literal of the code, and the fixed starts of its f-strings that name a key family
    ('status_', never a lone 'c')."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [p for d in CODE_DIRS for p in ([root / d] if d.endswith(".py") else (root / d).rglob("*.py"))]
    literals, families = set(), set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                first = node.values[0] if node.values else None
                if isinstance(first, ast.Constant) and len(node.values) > 1 and re.fullmatch(r"[a-z]\w+_", first.value):
                    families.add(first.value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
    return literals, families


def test_every_key_of_the_strings_is_named_in_the_code() -> None:
    from monitor.export.text import STRINGS_PATH as PACK_STRINGS

    literals, families = _code_strings()
    assert {"status_", "problem_", "xl_severity_"} <= families  # the scan sees the families
    for keys in (set(load_strings()), set(load_strings(str(PACK_STRINGS)))):
        unnamed = _unnamed(keys, literals, families)
        assert not unnamed, "text keys no code names (dead text):\n" + "\n".join(unnamed)


def test_a_key_no_code_names_is_found() -> None:
    keys = {"page_overview", "status_achieved", "assess_viewer", "assess_stale", "auth_mode"}
    literals, families = {"page_overview", "load_viewer"}, {"status_"}
    assert _unnamed(keys, literals, families) == ["assess_stale", "auth_mode"]


def test_short_unit_name_leaves_out_the_committee_word() -> None:
    from core.i18n import short_unit_name

    assert short_unit_name("Đảng bộ huyện Tây Sơn") == "huyện Tây Sơn"
    assert short_unit_name("Đảng bộ Khối Cơ quan tỉnh Ngọc Sơn (mô phỏng)") == "Khối Cơ quan tỉnh Ngọc Sơn (mô phỏng)"
    assert short_unit_name("Tỉnh Bình Định") == "Tỉnh Bình Định"
    assert short_unit_name("Tây Sơn District Party Committee", "en") == "Tây Sơn District Party Committee"
    assert short_unit_name("Party Committee of Tây Sơn District", "en") == "Tây Sơn District"
