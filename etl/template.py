"""The data-entry workbook: one sheet per unit, measures down, years across, Vietnamese throughout.

A committee's staff copy figures from reports into it by hand, so it is forgiving where people are
(numbers written the Vietnamese way, bounds such as "trên 90", any cell left empty) and strict where
the reader needs to be: it keys on the measure id in column B, the unit code in B1 and the period in
the header row, never on the Vietnamese labels or the sheet titles, which people may edit.

Written from the database, it is a form to correct rather than to retype: each unit's sheet (named by
the unit's Vietnamese name) lists the measures of its kind, the figures already loaded are filled in
the way the reader reads them back (so an unchanged file loads nothing new and conflicts with
nothing), and the years the unit has not submitted are highlighted.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.catalog import Catalog, Term, default_catalog
from core.numbers import NumberFormatError, float_to_machine, split_qualifier, vi_to_machine
from etl.model import MEASURE_COLUMNS, ORIGIN_COLUMNS, Problem, Staged, empty_measures_frame

VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
MARKER_SHEET = "_template"
MARKER_TEXT = "monitor-template"
INSTRUCTIONS_SHEET = "Hướng dẫn"
BLANK_SHEET = "DONVI"

# Fixed cells of a unit sheet (version 1).
UNIT_CODE_CELL = "B1"
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
LABEL_COL = 1  # A
ID_COL = 2  # B
FIRST_VALUE_COL = 3  # C

H1_HEADER = "6 tháng đầu năm {year}"
SOURCE_HEADER = "Nguồn / Source"
_H1_RE = re.compile(r"^\s*6\s*tháng\s*đầu\s*năm\s*(\d{4})\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"^\s*(\d{4})\s*$")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_NOTE_FONT = Font(italic=True, size=9, color="595959")
_ID_FONT = Font(size=8, color="808080")
_EN_FONT = Font(italic=True, color="595959")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right")


# -- what goes on a sheet ----------------------------------------------------------------------------

def measure_group(cat: Catalog, code: str) -> str | None:
    """The catalogue group a measure (or indicator) is shown under.

    An indicator has its own group. A measure takes the group of the first indicator whose formula
    uses it: the catalogue lists the rating-pattern indicators first and gives them their rated
    entity's group, so a rating measure lands under its entity's group (`member_total` under party
    members, although admissions also divide by it). A measure no formula uses follows its `whole`.
    """
    if code in cat.indicators:
        return cat.indicators[code].group
    seen: set[str] = set()
    while code in cat.measures and code not in seen:
        seen.add(code)
        group = next((i.group for i in cat.indicators.values() if code in i.numerator + i.denominator), None)
        if group is not None:
            return group
        code = cat.measures[code].whole or ""
    return None


@dataclass(frozen=True)
class Section:
    """A block of rows under one bold header: the counts of a group, then the rates of that group."""

    title: str
    codes: tuple[str, ...]
    is_rates: bool = False


def template_sections(cat: Catalog, stated: Iterable[str] = ()) -> list[Section]:
    """Rows of a unit sheet, grouped in catalogue order.

    Counts come first; the headline rates follow for reports that state only the rate, and the detail
    rates in `stated` (the ones a unit's reports did state). Count-valued indicators are left out: each
    repeats a measure already listed.
    """
    stated = set(stated)
    by_group: dict[str | None, tuple[list[str], list[str]]] = {g: ([], []) for g in cat.groups}
    for code in cat.measures:
        by_group.setdefault(measure_group(cat, code), ([], []))[0].append(code)
    for ind in cat.indicators.values():
        if ind.is_rate and (not ind.detail or ind.id in stated):
            by_group.setdefault(ind.group, ([], []))[1].append(ind.id)
    sections: list[Section] = []
    for group, (counts, rates) in by_group.items():
        name = cat.groups[group].name_vi if group in cat.groups else "Khác"
        if counts:
            sections.append(Section(name, tuple(counts)))
        if rates:
            sections.append(Section(f"{name}: tỷ lệ (%), chỉ điền khi báo cáo chỉ nêu tỷ lệ",
                                    tuple(rates), is_rates=True))
    return sections


def current_term(cat: Catalog, today: dt.date | None = None) -> Term:
    """The latest term already begun (2026 with terms 2020–2025 and 2025–2030 → 2025–2030)."""
    year = (today or dt.date.today()).year
    begun = [t for t in cat.terms.values() if t.start <= year]
    return max(begun, key=lambda t: t.start) if begun else min(cat.terms.values(), key=lambda t: t.start)


# -- what a unit's sheet asks for ------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateUnit:
    """A unit to write a sheet for; `kind` ('' when unknown) decides which measures it is asked for."""

    code: str
    name_vi: str
    kind: str = ""


def _unit(u: TemplateUnit | tuple[str, ...]) -> TemplateUnit:
    return u if isinstance(u, TemplateUnit) else TemplateUnit(*u)


def measures_for(cat: Catalog, code: str, kind: str) -> set[str]:
    """The measures and stated rates a unit is asked for: what its targets are computed from (the rates'
    numerators and denominators, the sums they are derived from, the rating levels and wholes beside
    them), and the targeted rates themselves for reports that state only the rate."""
    wanted: set[str] = set()
    todo: list[str] = []
    for _, target in cat.targets_for(code, kind):
        ind = cat.indicators.get(target.indicator)
        if ind is None:
            continue
        if ind.is_rate:
            wanted.add(ind.id)
        todo += [*ind.numerator, *ind.denominator]
    while todo:
        m = todo.pop()
        if m in wanted or m not in cat.measures:
            continue
        wanted.add(m)
        measure = cat.measures[m]
        todo += [*measure.derived_sum, *([measure.whole] if measure.whole else [])]
        todo += [p for b in cat.balances if b.whole == m for p in b.parts]
    return wanted


def unit_sections(cat: Catalog, sections: list[Section], codes: set[str] | None) -> list[Section]:
    """`sections` kept to `codes` (None: all), empty sections dropped."""
    if codes is None:
        return sections
    kept = [Section(s.title, tuple(c for c in s.codes if c in codes), s.is_rates) for s in sections]
    return [s for s in kept if s.codes]


# -- what the database holds -----------------------------------------------------------------------------

FACT_COLUMNS = ("unit_code", "year", "period", "measure", "value", "decimals", "qualifier", "source")


def from_database(db: Path, unit_codes: list[str] | None = None,
                  catalog: Catalog | None = None) -> tuple[list[TemplateUnit], pd.DataFrame]:
    """The units to write sheets for (`unit_codes`, or every unit of a kind the catalogue gives a sheet:
    districts and blocs) and the figures already loaded for them that a sheet has a cell for (whole-year
    and first-half totals, no breakdowns)."""
    import duckdb

    kinds = [k.id for k in (catalog or default_catalog()).unit_kinds.values() if k.template_sheet]
    with duckdb.connect(str(db), read_only=True) as con:
        if unit_codes:
            rows = con.execute("SELECT unit_code, name_vi, kind FROM units WHERE list_contains($c, unit_code)",
                               {"c": list(unit_codes)}).fetchall()
            found = {r[0]: r for r in rows}
            units = [TemplateUnit(*found[c]) for c in unit_codes if c in found]
        else:
            units = [TemplateUnit(*r) for r in con.execute(
                "SELECT unit_code, name_vi, kind FROM units WHERE list_contains($k, kind) ORDER BY unit_code",
                {"k": kinds}).fetchall()]
        facts = con.execute(f"""SELECT {', '.join(FACT_COLUMNS)} FROM facts
                                WHERE org_type = '' AND period IN ('Y', 'H1') AND list_contains($c, unit_code)""",
                            {"c": [u.code for u in units]}).df()
    return units, facts


def cell_text(value: float, decimals: int, qualifier: str) -> str:
    """A figure as the officer writes it in the sheet and the reader reads it back to the same value:
    3.577 · 99,74 · trên 90 · khoảng 693."""
    # the reader's own grouping (core.numbers): a dot between thousands, a comma before the decimals;
    # the value holds exactly `decimals` decimals, so formatting is exact (babel costs 0,2 ms a cell)
    text = f"{value:,.{max(int(decimals), 0)}f}".translate(_VI_MARKS)
    word = {">": "trên", "<": "dưới", "~": "khoảng"}.get(qualifier or "")
    return f"{word} {text}" if word else text


# -- writing -------------------------------------------------------------------------------------------

_MISSING_FILL = PatternFill("solid", fgColor="FCE4D6")  # a year the unit has not submitted yet
_MISSING_HEADER_FILL = PatternFill("solid", fgColor="F4B084")
_FILLED_FONT = Font(color="1F4E79")


def write_template(path: Path, catalog: Catalog,
                   units: list[TemplateUnit] | list[tuple[str, ...]] | None = None,
                   years: list[int] | None = None, facts: pd.DataFrame | None = None) -> None:
    """Write the data-entry workbook: instructions, one sheet per unit (named by its Vietnamese name, its
    code in B1) with the measures its kind is asked for (all of them when its kind is unknown).

    With `facts` (from_database), the figures already loaded are filled in, each with its source in a
    comment, and the years a unit has not submitted are highlighted. Without units, one sheet DONVI
    whose B1 the user fills with the unit code. Years default to the term of the latest figures filled in
    (units that ended with the 2025 reorganisation keep the 2020–2025 columns), else the current term's;
    the midterm year gets an extra first-half column.
    """
    if years is None:
        latest = catalog.term_of(int(facts["year"].max())) if facts is not None and not facts.empty else None
        term = latest or current_term(catalog)
        years = list(term.years)
    else:
        years = sorted(set(years))
        term = catalog.term_of(years[0]) if years else None
    h1_year = term.midterm if term is not None and term.midterm in years else None
    sections = template_sections(catalog)
    by_unit: dict[str, pd.DataFrame] = {}
    if facts is not None and not facts.empty:
        by_unit = {str(code): frame for code, frame in facts.groupby("unit_code", sort=False)}

    wb = Workbook()
    _write_instructions(wb.active, term, years, h1_year, blank=units is None, filled=facts is not None)
    titles: list[tuple[str, str]] = []
    if units is None:
        ws = wb.create_sheet(BLANK_SHEET)
        _write_unit_sheet(ws, None, None, sections, catalog, years, h1_year)
        titles.append((ws.title, ""))
    else:
        used: set[str] = {INSTRUCTIONS_SHEET.casefold(), MARKER_SHEET.casefold()}
        for unit in map(_unit, units):
            codes = measures_for(catalog, unit.code, unit.kind) if unit.kind else None
            mine = by_unit.get(unit.code)
            if codes is not None and mine is not None:  # whatever is loaded has its cell
                codes |= set(mine["measure"])
            stated = {m for m in mine["measure"] if m in catalog.indicators} if mine is not None else set()
            ws = wb.create_sheet(_sheet_title(unit.name_vi or unit.code, used))
            shown = template_sections(catalog, stated) if stated else sections
            _write_unit_sheet(ws, unit.code, unit.name_vi, unit_sections(catalog, shown, codes), catalog,
                              years, h1_year, mine if facts is not None else None, facts is not None)
            titles.append((ws.title, unit.code))

    marker = wb.create_sheet(MARKER_SHEET)
    marker.append([MARKER_TEXT, VERSION])
    marker.append(["header_row", HEADER_ROW])
    marker.append(["instructions", INSTRUCTIONS_SHEET])
    for title, code in titles:
        marker.append(["sheet", title, code])
    # veryHidden: not offered by Excel's "Unhide…", so nobody deletes the marker by accident
    marker.sheet_state = "veryHidden"
    wb.save(path)


_VI_MARKS = str.maketrans({",": ".", ".": ","})
_SHARED_PREFIX = ("Đảng bộ ", "Ban Thường vụ ")


def _sheet_title(name: str, used: set[str]) -> str:
    """A unit's Vietnamese name as a sheet title (Excel: 31 characters, no []:*?/\\), unique."""
    name = " ".join(_SHEET_BAD.sub(" ", name).split()).strip("'")
    for prefix in _SHARED_PREFIX:  # every unit's name starts so: the rest tells them apart
        if name.startswith(prefix) and len(name) > len(prefix) + 2:
            name = name[len(prefix):]
            name = name[0].upper() + name[1:]
            break
    if len(name) > 31:
        name = name[:30].rsplit(" ", 1)[0].rstrip(" ,") + "…"
    base = name or "DONVI"
    title, n = base, 1
    while title.casefold() in used:  # Excel compares sheet titles without case
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]}~{n}"
    used.add(title.casefold())
    return title


_INSTRUCTIONS: list[tuple[str, str]] = [
    ("Mỗi trang tính là một đơn vị, mang tên đơn vị; mã đơn vị ở ô B1. Không sửa ô B1 và cột B (mã chỉ tiêu); "
     "tên trang tính chỉ để dễ nhìn, có thể đổi.",
     "Each sheet is one unit, named after it; its code is in B1. Do not edit B1 or column B (the measure code); "
     "the sheet's name is only for the eye and may be changed."),
    ("Mỗi dòng là một chỉ tiêu, mỗi cột là một năm. Ghi số liệu cả năm của báo cáo vào cột năm tương ứng. "
     "Mỗi trang tính chỉ có các chỉ tiêu áp dụng cho loại đơn vị đó, xếp theo nhóm.",
     "Each row is a measure, each column a year. Enter the report's whole-year figure under its year. "
     "A sheet lists only the measures that apply to its kind of unit, by group."),
    ("Số liệu đã nạp được điền sẵn (chữ màu xanh; di chuột vào ô để xem nguồn). Chỉ sửa khi số liệu sai; "
     "để nguyên thì khi nạp lại không có gì thay đổi.",
     "The figures already loaded are filled in (blue; hover over a cell for its source). Change one only if it "
     "is wrong; left as they are, nothing changes when the file is loaded again."),
    ("Cột năm tô màu cam là năm đơn vị chưa nộp số liệu: hãy điền số liệu của năm đó.",
     "A year column in orange is a year the unit has not yet submitted: fill in that year's figures."),
    ("Ghi số theo cách viết Việt Nam: 3.577 là ba nghìn năm trăm bảy mươi bảy; 99,74 hoặc 99,74% là tỷ lệ "
     "phần trăm. Nhập số trực tiếp cũng được.",
     "Write numbers the Vietnamese way: 3.577 is three thousand five hundred seventy-seven; 99,74 or 99,74% "
     "is a percentage. Numbers typed as plain numbers are accepted too."),
    ("Khi báo cáo chỉ nêu ngưỡng, ghi \"trên 90\" hoặc \">90\"; \"dưới 5\" hoặc \"<5\"; số gần đúng ghi "
     "\"khoảng 693\". Số liệu được giữ là ngưỡng, không coi là số chính xác.",
     "When the report gives only a bound, write \"trên 90\" or \">90\" (over); \"dưới 5\" or \"<5\" (under); "
     "an approximate figure \"khoảng 693\" (about). It is kept as a bound, never as an exact figure."),
    ("Để trống ô khi báo cáo không có số liệu. Không ghi 0, \"-\" hay \"không có\" thay cho ô trống.",
     "Leave a cell empty when the report has no figure. Do not write 0, \"-\" or \"n/a\" instead."),
    ("Các dòng \"Tỷ lệ … (%)\" chỉ điền khi báo cáo chỉ nêu tỷ lệ; khi có số lượng, điền số lượng "
     "và hệ thống tự tính tỷ lệ.",
     "Fill the \"Tỷ lệ … (%)\" (rate) rows only when the report gives only the rate; when it gives "
     "the counts, enter the counts and the rates are computed."),
    ("Cột \"Nguồn / Source\": ghi văn bản và vị trí lấy số liệu của dòng đó, ví dụ \"278-BC/TU mục 3.b\".",
     "The \"Nguồn / Source\" column: the document and the place the row's figures come from, "
     "e.g. \"278-BC/TU §3.b\"."),
    ("Cột \"6 tháng đầu năm …\": số liệu 6 tháng đầu năm sơ kết giữa nhiệm kỳ, ghi riêng, không cộng "
     "vào số cả năm.",
     "The \"6 tháng đầu năm …\" column: first-half figures of the midterm year, kept apart from "
     "the whole-year figures."),
    (f"Trang tính \"{BLANK_SHEET}\" (mẫu chưa có đơn vị): nhập mã đơn vị vào ô B1; sao chép trang tính cho mỗi "
     "đơn vị.",
     f"The \"{BLANK_SHEET}\" sheet (a template without units): type the unit code in B1; copy the sheet for "
     "each unit."),
    ("Điền xong, lưu tệp và tải lên ở trang Dữ liệu: hệ thống kiểm tra từng dòng, báo lỗi theo trang tính và "
     "dòng, và chỉ nạp khi không còn lỗi.",
     "When done, save the file and upload it on the Data page: every row is checked, problems are named by "
     "sheet and row, and nothing is loaded until none is left."),
]


def _write_instructions(ws: Worksheet, term: Term | None, years: list[int], h1_year: int | None,
                        blank: bool = False, filled: bool = False) -> None:
    ws.title = INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 120
    span = term.name_vi if term is not None else (f"{years[0]}–{years[-1]}" if years else "")
    ws.append([f"Mẫu nhập số liệu theo dõi chỉ tiêu nghị quyết — {span}".rstrip(" —")])
    ws["A1"].font = _TITLE_FONT
    ws.append(["Data-entry template for resolution targets" + (f" — {term.name_en}" if term else "")])
    ws["A2"].font = _EN_FONT
    ws.append([])

    def wanted(vi: str) -> bool:
        if "6 tháng đầu năm" in vi and h1_year is None:
            return False
        if BLANK_SHEET in vi and not blank:
            return False
        return filled or ("điền sẵn" not in vi and "màu cam" not in vi)

    items = [(vi, en) for vi, en in _INSTRUCTIONS if wanted(vi)]
    for n, (vi, en) in enumerate(items, start=1):
        ws.append([f"{n}. {vi}"])
        ws.cell(ws.max_row, 1).alignment = _WRAP
        ws.append([f"    {en}"])
        ws.cell(ws.max_row, 1).font = _EN_FONT
        ws.cell(ws.max_row, 1).alignment = _WRAP


def _value_styles(ws: Worksheet) -> dict[str, Any]:
    """The value cells' three looks, styled once on a scratch cell and copied onto every cell (setting
    font, fill and format cell by cell costs half of writing a province's workbook). Text ('@'), so that
    "3.577" typed in an English-locale Excel is not stored as 3.577."""
    looks = {"empty": (None, None), "filled": (_FILLED_FONT, None), "missing": (None, _MISSING_FILL)}
    out = {}
    scratch = ws.cell(1, 50)
    for name, (font, fill) in looks.items():
        scratch.number_format = "@"
        scratch.alignment = _RIGHT
        scratch.font = font or Font()
        scratch.fill = fill or PatternFill()
        out[name] = copy(scratch._style)
    ws._cells.pop((1, 50), None)
    return out


def _write_unit_sheet(ws: Worksheet, code: str | None, name_vi: str | None, sections: list[Section],
                      cat: Catalog, years: list[int], h1_year: int | None,
                      facts: pd.DataFrame | None = None, filled: bool = False) -> None:
    if code is None:
        ws["A1"] = "Nhập mã đơn vị vào ô B1 → / Type the unit code in B1 →"
        ws["B1"].fill = _INPUT_FILL
        prompt = DataValidation(allow_blank=True, showInputMessage=True, promptTitle="Mã đơn vị / Unit code",
                                prompt="Mã đơn vị, ví dụ BD-TAYSON.")
        ws.add_data_validation(prompt)
        prompt.add(UNIT_CODE_CELL)
    else:
        ws["A1"] = name_vi or code
        ws["B1"] = code
    ws["A1"].font = _TITLE_FONT
    ws["B1"].font = _BOLD
    ws["A2"] = ("Ghi số như báo cáo: 3.577 · 99,74% · trên 90 · khoảng 693; để trống khi không có số liệu "
                f"(xem trang \"{INSTRUCTIONS_SHEET}\")." + (" Chữ xanh: số đã nạp; cột cam: năm chưa nộp."
                                                          if filled else ""))
    ws["A2"].font = _NOTE_FONT

    headers = ["Chỉ tiêu / Measure", "Mã / ID", *(str(y) for y in years)]
    if h1_year is not None:
        headers.append(H1_HEADER.format(year=h1_year))
    headers.append(SOURCE_HEADER)
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, col, text)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _CENTER
    source_col = len(headers)
    last_value_col = source_col - 1
    # (measure, column) → (value, decimals, qualifier, source) of the figures loaded
    column_of = {(y, "Y"): FIRST_VALUE_COL + i for i, y in enumerate(years)}
    if h1_year is not None:
        column_of[(h1_year, "H1")] = last_value_col
    loaded: dict[tuple[str, int], tuple[float, int, str, str]] = {}
    if facts is not None:
        for m, y, p, v, d, q, src in zip(facts["measure"], facts["year"], facts["period"], facts["value"],
                                         facts["decimals"], facts["qualifier"], facts["source"], strict=True):
            col = column_of.get((int(y), p))
            if col is not None:
                loaded[(m, col)] = (float(v), int(d), q or "", src or "")
    missing = set()
    if filled:
        have = {int(y) for y, p in zip(facts["year"], facts["period"], strict=True) if p == "Y"} \
            if facts is not None else set()
        missing = {column_of[(y, "Y")] for y in years if y not in have}
        for col in missing:
            ws.cell(HEADER_ROW, col).fill = _MISSING_HEADER_FILL
            ws.cell(HEADER_ROW, col).comment = Comment("Đơn vị chưa nộp số liệu năm này.", "Mẫu nhập liệu")

    styles = _value_styles(ws)
    row = FIRST_DATA_ROW
    for section in sections:
        for col in range(1, source_col + 1):
            ws.cell(row, col).fill = _GROUP_FILL
        ws.cell(row, LABEL_COL, section.title).font = _BOLD
        row += 1
        for mid in section.codes:
            label = f"{cat.indicators[mid].name_vi} (%)" if section.is_rates else cat.measures[mid].name_vi
            ws.cell(row, LABEL_COL, label).alignment = _WRAP
            ws.cell(row, ID_COL, mid).font = _ID_FONT
            for col in range(FIRST_VALUE_COL, last_value_col + 1):
                cell = ws.cell(row, col)
                if (mid, col) in loaded:
                    value, decimals, qualifier, source = loaded[(mid, col)]
                    cell.value = cell_text(value, decimals, qualifier)
                    cell._style = copy(styles["filled"])
                    if source:
                        cell.comment = Comment(f"Nguồn: {source}", "Số liệu đã nạp", height=60, width=260)
                else:
                    cell._style = copy(styles["missing" if col in missing else "empty"])
            ws.cell(row, source_col).alignment = _WRAP
            row += 1
    last_row = row - 1

    if last_value_col >= FIRST_VALUE_COL and last_row >= FIRST_DATA_ROW:
        # Any value is accepted (Vietnamese numbers are text to Excel): the validation is for its prompt.
        help_ = DataValidation(allow_blank=True, showInputMessage=True, promptTitle="Số liệu / Figure",
                               prompt="Ví dụ: 3.577 · 99,74% · trên 90 · dưới 5 · khoảng 693. "
                                      "Để trống khi báo cáo không có số liệu.")
        ws.add_data_validation(help_)
        help_.add(f"{get_column_letter(FIRST_VALUE_COL)}{FIRST_DATA_ROW}:"
                  f"{get_column_letter(last_value_col)}{last_row}")

    ws.column_dimensions["A"].width = 62
    ws.column_dimensions["B"].width = 14
    for col in range(FIRST_VALUE_COL, last_value_col + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    if h1_year is not None:
        ws.column_dimensions[get_column_letter(last_value_col)].width = 15
    ws.column_dimensions[get_column_letter(source_col)].width = 40
    ws.row_dimensions[HEADER_ROW].height = 32
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_VALUE_COL)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


# -- reading -------------------------------------------------------------------------------------------

def is_template(path: Path) -> bool:
    """True when the workbook carries the template's marker sheet. Reads only the workbook index."""
    try:
        with zipfile.ZipFile(path) as zf:
            index = zf.read("xl/workbook.xml").decode("utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return re.search(rf'<(?:\w+:)?sheet\b[^>]*\bname="{MARKER_SHEET}"', index) is not None


def read_template(path: Path, catalog: Catalog) -> Staged:
    """Read a filled template into the contract's long form, one row per filled value cell.

    `catalog` is not consulted for the rows: unknown measure ids and units are judged by validation,
    which names column B and cell B1 through `column_names`.
    """
    file = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        return _refused(file, f"cannot open as an Excel workbook: {exc}", "not_workbook")
    try:
        version = _marker_version(wb)
        if version is None:
            return _refused(file, f"not a data-entry template (no '{MARKER_SHEET}' marker sheet)", "not_template")
        if version not in SUPPORTED_VERSIONS:
            return _refused(file, f"template version {version!r} is not supported (this program reads "
                                  f"version {', '.join(map(str, sorted(SUPPORTED_VERSIONS)))})", "version")
        rows: list[dict[str, Any]] = []
        problems: list[Problem] = []
        source_letter = ""
        for ws in wb.worksheets:
            if ws.title in (MARKER_SHEET, INSTRUCTIONS_SHEET):
                continue
            ws.reset_dimensions()  # a file re-saved by another program may state too small a range
            letter = _read_unit_sheet(ws, file, rows, problems)
            source_letter = source_letter or letter
    finally:
        wb.close()
    frame = _frame(rows)
    names = {"measure": get_column_letter(ID_COL), "unit_code": UNIT_CODE_CELL}
    if source_letter:
        names["source"] = source_letter
    return Staged(file, "measures", frame, problems, names)


def _refused(file: str, message: str, why: str) -> Staged:
    return Staged(file, "measures", empty_measures_frame(),
                  [Problem(file, None, None, "unreadable_file", message, args={"why": why})])


def _marker_version(wb: Any) -> Any:
    if MARKER_SHEET not in wb.sheetnames:
        return None
    first = next(wb[MARKER_SHEET].iter_rows(min_row=1, max_row=1, max_col=2, values_only=True), ())
    if len(first) < 2 or first[0] != MARKER_TEXT:
        return None
    return first[1]


def _read_unit_sheet(ws: Any, file: str, rows: list[dict[str, Any]], problems: list[Problem]) -> str:
    """Append the sheet's filled cells to rows; return the letter of its source column ('' if none)."""
    periods: dict[int, tuple[str, str]] = {}  # column index → (year, period)
    source_col: int | None = None
    unit_code = ""
    for r, cells in enumerate(ws.iter_rows(min_row=1), start=1):
        if r == 1:
            unit_code = _text(_cell_at(cells, ID_COL))
            continue
        if r < HEADER_ROW:
            continue
        if r == HEADER_ROW:
            for col, cell in enumerate(cells, start=1):
                if col < FIRST_VALUE_COL:
                    continue
                header = unicodedata.normalize("NFC", _text(cell.value))
                if (m := _YEAR_RE.match(header)) is not None:
                    periods[col] = (m.group(1), "Y")
                elif (m := _H1_RE.match(header)) is not None:
                    periods[col] = (m.group(1), "H1")
                elif header.casefold().startswith(("nguồn", "source")) and source_col is None:
                    source_col = col
            continue
        measure = _text(_cell_at(cells, ID_COL))
        source = _text(_cell_at(cells, source_col)) if source_col else ""
        for col, (year, period) in periods.items():
            cell = cells[col - 1] if col <= len(cells) else None
            if cell is None or cell.value is None or _text(cell.value) == "":
                continue
            letter = get_column_letter(col)
            try:
                value, qualifier = _cell_number(cell)
            except NumberFormatError as exc:
                what = f"measure '{measure}', {period} {year}" if measure else f"{period} {year}"
                problems.append(Problem(file, r, letter, "not_numeric", f"{exc} ({what})", sheet=ws.title,
                                        args={"value": _text(cell.value), "spreadsheet": True, "unit": unit_code,
                                              "year": year, "period": period, "measure": measure}))
                continue
            rows.append({"file": file, "sheet": ws.title, "row": r, "value_col": letter,
                         "unit_code": unit_code, "year": year, "period": period, "org_type": "",
                         "measure": measure, "value": value, "qualifier": qualifier, "source": source})
    return get_column_letter(source_col) if source_col else ""


def _cell_at(cells: tuple[Any, ...], col: int | None) -> Any:
    if col is None or col > len(cells):
        return None
    return cells[col - 1].value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return float_to_machine(value)
    return str(value).strip()


def _cell_number(cell: Any) -> tuple[str, str]:
    """A value cell → (machine text, qualifier). Raises NumberFormatError naming the text."""
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise NumberFormatError(f"'{value}' is not a number (expected e.g. 3.577, 99,74, 99,74% or trên 90)")
    if isinstance(value, str):
        qualifier, rest = split_qualifier(value)
        try:
            return vi_to_machine(rest), qualifier
        except NumberFormatError:
            raise NumberFormatError(f"'{value.strip()}' is not a number (expected e.g. 3.577, 99,74, "
                                    "99,74% or trên 90)") from None
    text = float_to_machine(float(value))
    if "%" in (cell.number_format or ""):
        # A percent-formatted cell holds a fraction; the contract's rates are 0–100
        text = _scale_100(text)
    return text, ""


def _scale_100(machine: str) -> str:
    shifted = Decimal(machine).scaleb(2).normalize()
    return format(shifted, "f")


def _frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = list(rows)
    if not rows:
        return empty_measures_frame()
    frame = pd.DataFrame(rows, columns=[*ORIGIN_COLUMNS, *MEASURE_COLUMNS])
    return frame.astype({c: ("int64" if c == "row" else "string") for c in frame.columns})
