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
    finding_rule_name,
    fmt_target,
    is_missing,
    measure_name,
    status_label,
    status_style,
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


def assessment_sheet(data: PackData) -> tuple[list[str], list[list[Any]], dict[int, Any]]:
    lang, catalog = data.lang, data.catalog
    names = labels.unit_names(data.units, lang)
    header = [tx(k, lang) for k in ("xl_unit_code", "xl_unit", "xl_resolution", "xl_target_id", "xl_indicator_id",
                                    "xl_indicator", "xl_group", "xl_frequency", "xl_target_text", "xl_comparator",
                                    "xl_target", "xl_target_high", "xl_latest_year", "xl_latest_value",
                                    "xl_qualifier", "xl_met", "xl_status", "xl_projected", "xl_progress",
                                    "xl_needed", "xl_achieved", "xl_source", "xl_disputed")]
    rows, value_formats = [], []
    met = {"yes": tx("met_yes", lang), "no": tx("met_no", lang), "undecided": tx("met_undecided", lang), "": ""}
    for r in data.assessed.itertuples(index=False):
        ind = catalog.indicators[r.indicator]
        res = catalog.resolutions.get(r.resolution_id)
        rows.append([
            r.unit_code, names.get(r.unit_code, r.unit_code), res.number if res else r.resolution_id, r.target_id,
            r.indicator, ind.name(lang), catalog.groups[ind.group].name(lang),
            tx("by_year", lang, year=int(r.deadline)) if r.frequency == "deadline" else tx("yearly", lang),
            fmt_target(r.comparator, r.target, r.target_high, ind.unit, lang), r.comparator, _num(r.target),
            _num(r.target_high), None if is_missing(r.latest_year) else int(r.latest_year), _num(r.latest_value),
            r.latest_qualifier, met.get(r.met, r.met), status_label(r.status, lang, symbol=False),
            _num(r.projected), _num(r.progress), _num(r.needed_per_year), _num(r.achieved_per_year),
            assessed_source(r, lang),
            disputes.dispute_note(r, catalog, lang),
        ])
        value_formats.append(RATE_FORMAT if ind.unit == "percent" else COUNT_FORMAT)
    formats = {11: value_formats, 12: value_formats, 13: "0", 14: value_formats, 18: value_formats,
               19: RATIO_FORMAT, 20: RATIO_FORMAT, 21: RATIO_FORMAT}
    return header, rows, formats


def values_sheet(data: PackData) -> tuple[list[str], list[list[Any]], dict[int, Any], list[int]]:
    lang, catalog = data.lang, data.catalog
    names = labels.unit_names(data.units, lang)
    v = data.values[data.values["year"] <= data.as_of]
    years = sorted({int(y) for y in v["year"]})
    header = [tx(k, lang) for k in ("xl_unit_code", "xl_unit", "xl_indicator_id", "xl_indicator", "xl_unit_kind",
                                    "xl_period", "xl_org_type")] + [str(y) for y in years]
    rows, unit_formats = [], []
    if not v.empty:
        order = {ind: i for i, ind in enumerate(catalog.indicators)}
        wide = v.pivot_table(index=["unit_code", "indicator", "period", "org_type"], columns="year", values="value",
                             aggfunc="first").reset_index()
        wide = wide.assign(_o=wide["indicator"].map(order)).sort_values(["unit_code", "_o", "period", "org_type"])
        for r in wide.itertuples(index=False):
            ind = catalog.indicators[r.indicator]
            by_year = dict(zip(wide.columns, r, strict=True))
            rows.append([r.unit_code, names.get(r.unit_code, r.unit_code), r.indicator, ind.name(lang),
                         tx("percent" if ind.unit == "percent" else "count", lang),
                         catalog.periods[r.period].name(lang) if r.period in catalog.periods else r.period,
                         catalog.org_types[r.org_type].name(lang) if r.org_type in catalog.org_types else r.org_type,
                         *[_num(by_year.get(y)) for y in years]])
            unit_formats.append(RATE_FORMAT if ind.unit == "percent" else COUNT_FORMAT)
    formats = {8 + k: unit_formats for k in range(len(years))}
    return header, rows, formats, years


def disputed_cells(data: PackData, rows: Sequence[Sequence[Any]], years: Sequence[int]) -> list[tuple[int, int]]:
    """(sheet row, column) of the values sheet's disputed figures: its rows as values_sheet wrote them."""
    v = data.values[(data.values["year"] <= data.as_of) & data.values["disputed"].astype(bool)] \
        if "disputed" in data.values else data.values.iloc[:0]
    if v.empty:
        return []
    catalog, lang = data.catalog, data.lang
    period_name = {p: catalog.periods[p].name(lang) for p in catalog.periods}
    org_name = {o: catalog.org_types[o].name(lang) for o in catalog.org_types}
    hot = {(r.unit_code, r.indicator, period_name.get(r.period, r.period), org_name.get(r.org_type, r.org_type),
            int(r.year)) for r in v.itertuples(index=False)}
    col = {y: 8 + k for k, y in enumerate(years)}
    return [(i, col[y]) for i, row in enumerate(rows, start=2) for y in years
            if (row[0], row[2], row[5], row[6], y) in hot]


def predecessor_cells(data: PackData, rows: Sequence[Sequence[Any]], years: Sequence[int]
                      ) -> list[tuple[int, int, str]]:
    """(sheet row, column, the units it came from) of the values sheet's figures from a unit's predecessors."""
    v = data.values
    if "from_units" not in v or v.empty:
        return []
    v = v[(v["year"] <= data.as_of) & (v["basis"] == "predecessors")]
    catalog, lang = data.catalog, data.lang
    period_name = {p: catalog.periods[p].name(lang) for p in catalog.periods}
    org_name = {o: catalog.org_types[o].name(lang) for o in catalog.org_types}
    names = labels.unit_names(data.units, lang)
    came = {(r.unit_code, r.indicator, period_name.get(r.period, r.period), org_name.get(r.org_type, r.org_type),
             int(r.year)): "; ".join(names.get(c.strip(), c.strip()) for c in str(r.from_units).split(","))
            for r in v.itertuples(index=False)}
    col = {y: 8 + k for k, y in enumerate(years)}
    return [(i, col[y], came[key]) for i, row in enumerate(rows, start=2) for y in years
            if (key := (row[0], row[2], row[5], row[6], y)) in came]


def findings_sheet(data: PackData) -> tuple[list[str], list[list[Any]]]:
    lang = data.lang
    names = labels.unit_names(data.units, lang)
    header = [tx(k, lang) for k in ("xl_rule", "xl_severity", "xl_unit_code", "xl_unit", "xl_year", "xl_period",
                                    "xl_org_type", "xl_measure", "xl_stated", "xl_computed", "xl_detail",
                                    "xl_source")]
    catalog = data.catalog
    # words, as on the other sheets and the Data page: the check, its weight, period, org type, measure
    rows = [[finding_rule_name(f.rule, lang), tx(f"xl_severity_{f.severity}", lang), f.unit_code,
             names.get(f.unit_code, f.unit_code), int(f.year),
             catalog.periods[f.period].name(lang) if f.period in catalog.periods else f.period,
             catalog.org_types[f.org_type].name(lang) if f.org_type in catalog.org_types else f.org_type,
             measure_name(catalog, f.measure, lang), _num(f.stated), _num(f.computed),
             finding_detail(f, lang, catalog), f.source]
            for f in data.findings.itertuples(index=False)]
    return header, rows


def build_workbook(data: PackData) -> Workbook:
    lang = data.lang
    wb = Workbook()
    ws = wb.active
    ws.title = tx("sheet_scorecard", lang)
    header, rows, formats = assessment_sheet(data)
    _sheet(ws, header, rows, formats, [14, 34, 18, 18, 28, 48, 20, 14, 22, 8, 10, 10, 10, 12, 8, 8, 18, 10, 10, 10,
                                       10, 60, 60], freeze="C2")
    for i, r in enumerate(data.assessed.itertuples(index=False), start=2):
        color = status_style(r.status)["color"].lstrip("#")
        ws.cell(i, 17).fill = PatternFill("solid", fgColor=color)
        if getattr(r, "disputed", False):  # a contradicted figure: its value and the note in yellow
            for col in (14, 23):
                ws.cell(i, col).fill = PatternFill("solid", fgColor=DISPUTED_FILL)
    header, rows, formats, years = values_sheet(data)
    values_ws = wb.create_sheet(tx("sheet_values", lang))
    _sheet(values_ws, header, rows, formats, [14, 34, 28, 48, 10, 14, 16, *[10] * len(years)], freeze="E2")
    for i, j in disputed_cells(data, rows, years):  # a figure its report contradicts, as on the overview's grid
        values_ws.cell(i, j).fill = PatternFill("solid", fgColor=DISPUTED_FILL)
    for i, j, units in predecessor_cells(data, rows, years):  # a year before the unit existed (issue 19)
        values_ws.cell(i, j).comment = Comment(tx("xl_predecessors", lang, units=units), "")
        values_ws.cell(i, j).font = Font(italic=True)
    header, rows = findings_sheet(data)
    _sheet(wb.create_sheet(tx("sheet_findings", lang)), header, rows, {9: "0.####", 10: "0.####"},
           [16, 10, 14, 34, 8, 8, 12, 30, 10, 10, 30, 60], freeze="A2")
    return wb


def write_workbook(data: PackData, out: Path | io.BytesIO) -> None:
    build_workbook(data).save(out)


def workbook_bytes(data: PackData) -> bytes:
    buf = io.BytesIO()
    write_workbook(data, buf)
    return buf.getvalue()

