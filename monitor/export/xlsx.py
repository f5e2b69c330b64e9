"""The Excel workbook of a pack: the assessment (one row per unit × target), the values by year (one
column per year) and the cross-check findings, a sheet each, with filters, number formats and a frozen
header. Numbers stay numbers (Excel shows them in the reader's own locale); labels are Vietnamese.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.i18n import (
    assessed_source,
    finding_detail,
    finding_figures,
    finding_rule_name,
    fmt_target,
    fmt_value,
    is_missing,
    measure_name,
    status_label,
    status_style,
    with_qualifier,
)
from monitor import disputes, labels
from monitor.export.model import PackData
from monitor.export.text import tx

RATE_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"
RATIO_FORMAT = "0.00"
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
DISPUTED_FILL = status_style("to_verify")["color"].lstrip("#")


def _num(x: Any) -> float | None:
    return None if is_missing(x) else float(x)


def _sheet(ws: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Any]], formats: dict[int, Any],
           widths: Sequence[int], freeze: str = "A2") -> None:
    """Header, rows, per-column number formats (a format or a per-row list), filter, frozen header."""
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
        # openpyxl stores a string starting with '=' as a formula; names and sources are text, always.
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
    for cell in ws[1]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for j, fmt in formats.items():
        for i, cell in enumerate(ws.iter_rows(min_row=2, min_col=j, max_col=j), start=0):
            code = fmt[i] if isinstance(fmt, list) else fmt
            if code:
                cell[0].number_format = code
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"


COMPARATOR_KEYS = {">": "xl_cmp_gt", ">=": "xl_cmp_ge", "=": "xl_cmp_eq", "<=": "xl_cmp_le", "<": "xl_cmp_lt",
                   "range": "xl_cmp_range"}
# the values sheet's columns before the years (unit, indicator, unit of measure, period, org type)
VALUE_LEAD = 5


def _comparator(code: str, lang: str) -> str:
    """'≥' for '>=', 'trong khoảng' for a range: the target's comparison as a reader writes it."""
    return tx(COMPARATOR_KEYS[code], lang) if code in COMPARATOR_KEYS else ""


def assessment_sheet(data: PackData) -> tuple[list[str], list[list[Any]], dict[int, Any]]:
    """One row per unit × target, in words: names, never ids; the unit's code last, for the officer."""
    lang, catalog = data.lang, data.catalog
    names = labels.unit_names(data.units, lang)
    header = [tx(k, lang) for k in ("xl_unit", "xl_resolution", "xl_indicator", "xl_group", "xl_frequency",
                                    "xl_target_text", "xl_comparator", "xl_target", "xl_target_high",
                                    "xl_latest_year", "xl_latest_value", "xl_qualifier", "xl_met", "xl_status",
                                    "xl_projected", "xl_progress", "xl_needed", "xl_achieved", "xl_source",
                                    "xl_disputed", "xl_unit_code")]
    rows, value_formats = [], []
    met = {"yes": tx("met_yes", lang), "no": tx("met_no", lang), "undecided": tx("met_undecided", lang), "": ""}
    for r in data.assessed.itertuples(index=False):
        ind = catalog.indicators[r.indicator]
        res = catalog.resolutions.get(r.resolution_id)
        year = None if is_missing(r.latest_year) else int(r.latest_year)
        rows.append([
            names.get(r.unit_code, r.unit_code), res.number if res else r.resolution_id, ind.name(lang),
            catalog.groups[ind.group].name(lang),
            tx("by_year", lang, year=int(r.deadline)) if r.frequency == "deadline" else tx("yearly", lang),
            fmt_target(r.comparator, r.target, r.target_high, ind.unit, lang), _comparator(r.comparator, lang),
            _num(r.target), _num(r.target_high), year, _num(r.latest_value),
            # a bound as the report writes it ("trên 90%"); an exact figure needs no second writing
            fmt_value(r.latest_value, ind.unit, lang, r.latest_qualifier) if r.latest_qualifier else "",
            met.get(r.met, r.met), status_label(r.status, lang, symbol=False),
            _num(r.projected), _num(r.progress), _num(r.needed_per_year), _num(r.achieved_per_year),
            assessed_source(r, lang),
            disputes.dispute_note(r, catalog, lang, below=disputes.latest_below(data.below, r) or ()),
            r.unit_code,
        ])
        value_formats.append(RATE_FORMAT if ind.unit == "percent" else COUNT_FORMAT)
    formats = {8: value_formats, 9: value_formats, 10: "0", 11: value_formats, 15: value_formats,
               16: RATIO_FORMAT, 17: RATIO_FORMAT, 18: RATIO_FORMAT}
    return header, rows, formats


def values_sheet(data: PackData) -> tuple[list[str], list[list[Any]], dict[int, Any], list[int],
                                           list[tuple[str, str, str, str]]]:
    """One row per unit × indicator × period × org type, a column per year; and each row's key (unit,
    indicator, period, org type codes) for the marks laid over its cells."""
    lang, catalog = data.lang, data.catalog
    names = labels.unit_names(data.units, lang)
    v = data.values[data.values["year"] <= data.as_of]
    years = sorted({int(y) for y in v["year"]})
    header = [tx(k, lang) for k in ("xl_unit", "xl_indicator", "xl_unit_kind", "xl_period", "xl_org_type")] + \
        [str(y) for y in years] + [tx("xl_unit_code", lang)]
    rows, unit_formats, keys = [], [], []
    if not v.empty:
        order = {ind: i for i, ind in enumerate(catalog.indicators)}
        wide = v.pivot_table(index=["unit_code", "indicator", "period", "org_type"], columns="year", values="value",
                             aggfunc="first").reset_index()
        wide = wide.assign(_o=wide["indicator"].map(order)).sort_values(["unit_code", "_o", "period", "org_type"])
        for r in wide.itertuples(index=False):
            ind = catalog.indicators[r.indicator]
            by_year = dict(zip(wide.columns, r, strict=True))
            rows.append([names.get(r.unit_code, r.unit_code), ind.name(lang),
                         tx("percent" if ind.unit == "percent" else "count", lang),
                         catalog.periods[r.period].name(lang) if r.period in catalog.periods else r.period,
                         catalog.org_types[r.org_type].name(lang) if r.org_type in catalog.org_types else r.org_type,
                         *[_num(by_year.get(y)) for y in years], r.unit_code])
            keys.append((r.unit_code, r.indicator, r.period, r.org_type))
            unit_formats.append(RATE_FORMAT if ind.unit == "percent" else COUNT_FORMAT)
    formats = {VALUE_LEAD + 1 + k: unit_formats for k in range(len(years))}
    return header, rows, formats, years, keys


def _cells(data: PackData, keys: Sequence[tuple[str, str, str, str]], years: Sequence[int],
           wanted: dict[tuple[str, str, int, str, str], Any]) -> list[tuple[int, int, Any]]:
    """(sheet row, column, what is said of it) of the values sheet's cells whose (unit, indicator, year,
    period, org type) is in `wanted`."""
    col = {y: VALUE_LEAD + 1 + k for k, y in enumerate(years)}
    return [(i, col[y], wanted[key]) for i, (u, ind, p, o) in enumerate(keys, start=2) for y in years
            if (key := (u, ind, y, p, o)) in wanted]


def marked_cells(data: PackData, keys: Sequence[tuple[str, str, str, str]], years: Sequence[int]
                 ) -> list[tuple[int, int, list[str]]]:
    """(sheet row, column, what is said of it) of the values sheet's figures marked ⚑: a figure its report
    contradicts, and a sum that includes one of a unit below it ('Gồm 1 số liệu đơn vị cấp dưới cần xác minh:
    Đảng bộ huyện Tây Sơn'), as disputes.figure_notes says them."""
    return _cells(data, keys, years, data.figure_notes)


def predecessor_cells(data: PackData, keys: Sequence[tuple[str, str, str, str]], years: Sequence[int]
                      ) -> list[tuple[int, int, str]]:
    """(sheet row, column, the units it came from) of the values sheet's figures from a unit's predecessors."""
    v = data.values
    if "from_units" not in v or v.empty:
        return []
    v = v[(v["year"] <= data.as_of) & (v["basis"] == "predecessors")]
    names = labels.unit_names(data.units, data.lang)
    came = {(r.unit_code, r.indicator, int(r.year), r.period, r.org_type):
            "; ".join(names.get(c.strip(), c.strip()) for c in str(r.from_units).split(","))
            for r in v.itertuples(index=False)}
    return _cells(data, keys, years, came)


def _figure_format(label: str, qualifier: str, number: str, lang: str) -> str:
    """An Excel number format that says what the number is: '"Năm 2022: "0.00' (it stays a number)."""
    bound = with_qualifier("", qualifier, lang).strip()
    text = f"{label}: {bound} " if bound else f"{label}: "
    return '"' + text.replace('"', "") + '"' + number


def findings_sheet(data: PackData) -> tuple[list[str], list[list[Any]], dict[int, Any]]:
    """The cross-checks, in words; each finding's two figures named for what they are (a jump's are two
    years), in the cells' number formats so that they stay numbers."""
    lang = data.lang
    names = labels.unit_names(data.units, lang)
    header = [tx(k, lang) for k in ("xl_rule", "xl_severity", "xl_unit", "xl_year", "xl_period", "xl_org_type",
                                    "xl_measure", "xl_figure_first", "xl_figure_second", "xl_detail",
                                    "xl_source", "xl_unit_code")]
    catalog = data.catalog
    rows: list[list[Any]] = []
    first_formats: list[str] = []
    second_formats: list[str] = []
    # words, as on the other sheets and the Data page: the check, its weight, period, org type, measure
    for f in data.findings.itertuples(index=False):
        (l1, v1, q1), (l2, v2, q2) = finding_figures(f, lang)
        number = RATE_FORMAT + '"%"' if catalog.is_rate(f.measure) else COUNT_FORMAT  # a literal %: 96,77%
        first_formats.append(_figure_format(l1, q1, number, lang))
        second_formats.append(_figure_format(l2, q2, number, lang))
        rows.append([finding_rule_name(f.rule, lang), tx(f"xl_severity_{f.severity}", lang),
                     names.get(f.unit_code, f.unit_code), int(f.year),
                     catalog.periods[f.period].name(lang) if f.period in catalog.periods else f.period,
                     catalog.org_types[f.org_type].name(lang) if f.org_type in catalog.org_types else f.org_type,
                     measure_name(catalog, f.measure, lang), _num(v1), _num(v2),
                     finding_detail(f, lang, catalog), f.source, f.unit_code])
    return header, rows, {8: first_formats, 9: second_formats}


def build_workbook(data: PackData) -> Workbook:
    lang = data.lang
    wb = Workbook()
    ws = wb.active
    ws.title = tx("sheet_scorecard", lang)
    header, rows, formats = assessment_sheet(data)
    _sheet(ws, header, rows, formats, [34, 18, 48, 20, 14, 22, 10, 10, 10, 10, 12, 14, 8, 18, 10, 12, 10, 10,
                                       60, 60, 16], freeze="B2")
    yellow = PatternFill("solid", fgColor=DISPUTED_FILL)
    for i, r in enumerate(data.assessed.itertuples(index=False), start=2):
        color = status_style(r.status)["color"].lstrip("#")
        ws.cell(i, 14).fill = PatternFill("solid", fgColor=color)
        # a contradicted figure, or a sum that includes one of a unit below: its value and the note in yellow
        if disputes.flagged(r):
            for col in (11, 20):
                ws.cell(i, col).fill = yellow
    header, rows, formats, years, keys = values_sheet(data)
    values_ws = wb.create_sheet(tx("sheet_values", lang))
    _sheet(values_ws, header, rows, formats, [34, 48, 10, 14, 16, *[10] * len(years), 16], freeze="C2")
    # a figure its report contradicts, as on the overview's grid, and a sum that includes one: yellow, and
    # what is contradicted in the cell's note
    notes: dict[tuple[int, int], list[str]] = {}
    for i, j, said in marked_cells(data, keys, years):
        values_ws.cell(i, j).fill = yellow
        notes.setdefault((i, j), []).extend(said)
    for i, j, units in predecessor_cells(data, keys, years):  # a year before the unit existed (issue 19)
        notes.setdefault((i, j), []).append(tx("xl_predecessors", lang, units=units))
        values_ws.cell(i, j).font = Font(italic=True)
    for (i, j), said in notes.items():
        values_ws.cell(i, j).comment = _note("\n".join(said))
    header, rows, formats = findings_sheet(data)
    _sheet(wb.create_sheet(tx("sheet_findings", lang)), header, rows, formats,
           [16, 10, 34, 8, 8, 12, 30, 22, 26, 30, 60, 16], freeze="A2")
    return wb


def _note(text: str) -> Comment:
    """A cell's note, wide enough to read without resizing."""
    comment = Comment(text, "")
    comment.width, comment.height = 320, 40 + 20 * (len(text) // 45 + 1)
    return comment


def write_workbook(data: PackData, out: Path | io.BytesIO) -> None:
    build_workbook(data).save(out)


def workbook_bytes(data: PackData) -> bytes:
    buf = io.BytesIO()
    write_workbook(data, buf)
    return buf.getvalue()

