"""The slide deck (16:9) for the midterm meeting: a title slide, one slide per indicator group with its
chart and a short Vietnamese summary ("5/8 chỉ tiêu đạt; 1 cần đẩy nhanh"), and the summary table.

Every run of text is set in SLIDE_FONT, which carries Vietnamese letters; the charts are the PNGs the
pack renders (monitor.export.charts), so the deck shows exactly the chart files.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from core.i18n import (
    DISPUTED_MARK,
    STATUS_CODES,
    STATUS_STYLE,
    fmt_target,
    fmt_value,
    short_name,
    short_unit_name,
    status_label,
)
from monitor import by_unit, disputes, labels, overview
from monitor.export.charts import Chart, png_size
from monitor.export.committee import line as committee_line
from monitor.export.committee import off_track as committee_off_track
from monitor.export.model import PackData
from monitor.export.text import SLIDE_FONT, lower_first, tx

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13,333 × 7,5 in: PowerPoint's own 16:9
MARGIN = Inches(0.4)
TITLE_TOP, TITLE_HEIGHT = Inches(0.25), Inches(0.8)
BODY_TOP = Inches(1.15)
INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x55, 0x55, 0x55)
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
TABLE_ROWS = 12  # body rows per summary slide
TRENDS_PER_SLIDE = 2
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5
ATTENTION = ("to_verify", "accelerate", "off_track", "missed", "undecided")  # statuses a summary names


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#").upper())


def _style(runs: Sequence, size: float, *, bold: bool = False, color: RGBColor = INK) -> None:
    for run in runs:
        run.font.name = SLIDE_FONT
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color


def _title(slide: Slide, text: str, size: float = 26) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, TITLE_TOP, WIDTH - 2 * MARGIN, TITLE_HEIGHT
    shape.text_frame.text = text
    shape.text_frame.word_wrap = True
    shape.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    para = shape.text_frame.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    _style(para.runs, size, bold=True, color=ACCENT)


def _text_box(slide: Slide, left: int, top: int, width: int, height: int, lines: Sequence[str], size: float,
              *, color: RGBColor = INK, bold_first: bool = False, bullets: bool = False) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = ("• " if bullets and i > 0 else "") + line
        para.space_after = Pt(6)
        _style(para.runs, size, bold=bold_first and i == 0, color=color)


def _picture(slide: Slide, png: bytes, left: int, top: int, width: int, height: int, alt: str) -> None:
    """The chart fitted into the box, aspect kept, centred; its title as the picture's alt text."""
    w, h = png_size(png)
    scale = min(width / w, height / h)
    pw, ph = int(w * scale), int(h * scale)
    pic = slide.shapes.add_picture(io.BytesIO(png), Emu(left + (width - pw) // 2), Emu(top + (height - ph) // 2),
                                   Emu(pw), Emu(ph))
    pic.name = alt[:250]
    pic._element.nvPicPr.cNvPr.set("descr", alt)


# -- summaries -------------------------------------------------------------------------------------

def group_summary(data: PackData, group: str) -> list[str]:
    """The lines beside a group's chart: counts by status, then who or what needs attention."""
    lang, catalog = data.lang, data.catalog
    a = data.shown[data.shown["group"] == group]
    if a.empty:
        return []
    counts = overview.headline_counts(a)
    total = len(a)
    if data.multi:
        head = tx("summary_achieved_units", lang, achieved=counts["achieved"], total=total,
                  units=a["unit_code"].nunique())
    else:
        head = tx("summary_achieved", lang, achieved=counts["achieved"], total=total)
    rest = [tx("summary_status", lang, n=counts[s], label=lower_first(status_label(s, lang, symbol=False)))
            for s in STATUS_CODES if s != "achieved" and counts[s]]
    disputed = int(a["disputed"].sum()) if "disputed" in a else 0
    if disputed:
        rest.append(tx("summary_disputed", lang, n=disputed, mark=DISPUTED_MARK))
    lines = ["; ".join([head, *rest])]
    names = labels.unit_names(data.units, lang)
    for status in ATTENTION:
        hit = a[a["status"] == status]
        if hit.empty:
            continue
        items = []
        for r in hit.itertuples(index=False):
            unit = catalog.indicators[r.indicator].unit
            value = fmt_value(r.latest_value, unit, lang, r.latest_qualifier)
            if status == "to_verify":  # the contradicted figure is no result: said as figures to verify
                value = tx("summary_to_verify_value", lang, value=value)
            what = short_name(catalog.indicators[r.indicator].name(lang))
            target = fmt_target(r.comparator, r.target, r.target_high, unit, lang)
            items.append(f"{short_unit_name(names.get(r.unit_code, r.unit_code), lang)} – {what}: {value}"
                         if data.multi else f"{what}: {value} ({lower_first(tx('col_target', lang))} {target})")
        shown = items[:4] + ([tx("summary_more", lang, n=len(items) - 4)] if len(items) > 4 else [])
        lines.append(tx("summary_names", lang, label=status_label(status, lang, symbol=False),
                        names="; ".join(shown)))
    # a total that includes a contradicted figure of a unit below: marked as the workbook marks it, and whose
    below = data.below
    items = []
    for r in a.itertuples(index=False):
        whose = disputes.latest_below(below, r)
        if whose is None:
            continue
        unit = catalog.indicators[r.indicator].unit
        what = short_name(catalog.indicators[r.indicator].name(lang))
        if data.multi:
            what = f"{short_unit_name(names.get(r.unit_code, r.unit_code), lang)} – {what}"
        items.append(tx("summary_below_item", lang, what=what,
                        value=fmt_value(r.latest_value, unit, lang, r.latest_qualifier),
                        note=disputes.below_note(int(r.n_disputed), whose, lang)))
    if items:
        lines.append(f"{DISPUTED_MARK} " + "; ".join(items))
    return lines


def summary_rows(data: PackData) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """The summary table: header, rows, and each cell's status code ('' for none) for colour."""
    lang, catalog = data.lang, data.catalog
    a = data.shown
    if data.multi:
        used = [s for s in STATUS_CODES if (a["status"] == s).any()]
        header = [tx("col_unit", lang), tx("col_total", lang), *[status_label(s, lang) for s in used]]
        rows, marks = [], []
        names = labels.unit_names(data.units, lang)
        for code in data.rows:
            mine = a[a["unit_code"] == code]
            counts = overview.headline_counts(mine)
            rows.append([names.get(code, code), str(len(mine)), *[str(counts[s]) for s in used]])
            marks.append(["", "", *[s if counts[s] else "" for s in used]])
        return header, rows, marks
    header = [tx("col_indicator", lang), tx("col_target", lang), tx("col_latest", lang), tx("col_status", lang)]
    rows, marks = [], []
    for r in a.itertuples(index=False):
        ind = catalog.indicators[r.indicator]
        target = fmt_target(r.comparator, r.target, r.target_high, ind.unit, lang)
        if r.frequency == "deadline":
            target += f" ({tx('by_year', lang, year=int(r.deadline))})"
        latest = fmt_value(r.latest_value, ind.unit, lang, r.latest_qualifier)
        if not pd.isna(r.latest_year):
            latest += f" ({int(r.latest_year)})"
        # its own figure contradicted, or a total that includes one of a unit below (its note beside the chart)
        mark = f" {DISPUTED_MARK}" if disputes.flagged(r) and r.status != "to_verify" else ""
        rows.append([ind.name(lang), target, latest + mark, status_label(r.status, lang) + mark])
        marks.append(["", "", "", r.status])
    return header, rows, marks


# -- slides ----------------------------------------------------------------------------------------

def _title_slide(prs: Presentation, data: PackData) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    lang = data.lang
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(0.8), Inches(1.6), WIDTH - Inches(1.6), Inches(1.5)
    final = data.as_of >= data.term.end  # the term's own result, not its midterm (issue 19)
    title.text_frame.text = tx("deck_title_final" if final else "deck_title", lang,
                               term=data.term_years)
    title.text_frame.word_wrap = True
    _style(title.text_frame.paragraphs[0].runs, 36, bold=True, color=ACCENT)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (Inches(0.8), Inches(3.3), WIDTH - Inches(1.6),
                                                                    Inches(2.6))
    lines = [data.subject, tx("deck_subtitle", lang),
             tx("deck_as_of", lang, year=data.as_of, date=data.created.strftime("%d/%m/%Y"))]
    if data.synthetic:
        lines.append(tx("deck_synthetic", lang))
    frame = subtitle.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = line
        para.alignment = PP_ALIGN.CENTER
        _style(para.runs, 24 if i == 0 else 18, bold=i == 0, color=INK if i < 2 else MUTED)


def _group_slides(prs: Presentation, data: PackData, group: str, charts: list[Chart]) -> None:
    lang = data.lang
    name = data.catalog.groups[group].name(lang)
    summary = group_summary(data, group)
    layout = prs.slide_layouts[LAYOUT_TITLE_ONLY]
    if data.multi:
        slide = prs.slides.add_slide(layout)
        _title(slide, tx("slide_group", lang, group=name))
        chart_w = Inches(8.9)
        box = (MARGIN, BODY_TOP, chart_w, HEIGHT - BODY_TOP - Inches(0.3))
        if charts and "png" in charts[0].images:
            _picture(slide, charts[0].images["png"], *box, alt=charts[0].title)
        else:
            _text_box(slide, *box, [tx("slide_no_chart", lang)], 16, color=MUTED)
        left = MARGIN + chart_w + Inches(0.2)
        _text_box(slide, left, BODY_TOP, WIDTH - left - MARGIN, HEIGHT - BODY_TOP - Inches(0.3), summary, 14,
                  bold_first=True, bullets=True)
        return
    pages = [charts[i:i + TRENDS_PER_SLIDE] for i in range(0, len(charts), TRENDS_PER_SLIDE)] or [[]]
    for k, page in enumerate(pages):
        slide = prs.slides.add_slide(layout)
        _title(slide, tx("slide_group" if k == 0 else "slide_group_more", lang, group=name))
        _text_box(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(1.2), summary, 14, bold_first=True,
                  bullets=True)
        top = BODY_TOP + Inches(1.35)
        cell_w = (WIDTH - 2 * MARGIN - Inches(0.3)) // TRENDS_PER_SLIDE
        for i, chart in enumerate(page):
            if "png" in chart.images:
                _picture(slide, chart.images["png"], MARGIN + i * (cell_w + Inches(0.3)), top, cell_w,
                         HEIGHT - top - Inches(0.25), alt=chart.title)
        if not page:
            _text_box(slide, MARGIN, top, WIDTH - 2 * MARGIN, Inches(1), [tx("slide_no_chart", lang)], 16,
                      color=MUTED)


def _summary_slides(prs: Presentation, data: PackData) -> None:
    header, rows, marks = summary_rows(data)
    lang = data.lang
    layout = prs.slide_layouts[LAYOUT_TITLE_ONLY]
    pages = [range(i, min(i + TABLE_ROWS, len(rows))) for i in range(0, len(rows), TABLE_ROWS)] or [range(0)]
    widths = ([4.6, 1.2] + [6.7 / max(1, len(header) - 2)] * (len(header) - 2) if data.multi
              else [5.3, 2.6, 2.3, 2.3])
    for k, page in enumerate(pages):
        slide = prs.slides.add_slide(layout)
        _title(slide, tx("slide_summary" if k == 0 else "slide_summary_more", lang))
        shape = slide.shapes.add_table(len(page) + 1, len(header), MARGIN, BODY_TOP, WIDTH - 2 * MARGIN,
                                       Inches(0.4) * (len(page) + 1))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Inches(w)
        for j, text in enumerate(header):
            cell = table.cell(0, j)
            cell.text = text
            cell.fill.solid()
            cell.fill.fore_color.rgb = ACCENT
            _style(cell.text_frame.paragraphs[0].runs, 12, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))
        for i, r in enumerate(page, start=1):
            for j, text in enumerate(rows[r]):
                cell = table.cell(i, j)
                cell.text = text
                status = marks[r][j]
                cell.fill.solid()
                cell.fill.fore_color.rgb = (_rgb(STATUS_STYLE[status]["color"]) if status
                                            else RGBColor(0xFF, 0xFF, 0xFF))
                para = cell.text_frame.paragraphs[0]
                if j > 0 and data.multi:
                    para.alignment = PP_ALIGN.CENTER
                _style(para.runs, 11, color=INK)


def build_deck(data: PackData, charts: Sequence[Chart]) -> Presentation:
    """The deck: charts must already carry their PNG (monitor.export.charts.render_chart)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _title_slide(prs, data)
    wanted = "heatmap" if data.multi else "trend"
    for group in data.catalog.groups:
        if not (data.shown["group"] == group).any():
            continue
        _group_slides(prs, data, group, [c for c in charts if c.group == group and c.kind == wanted])
    _committee_slides(prs, data)
    _summary_slides(prs, data)
    return prs


def committee_slide_lines(data: PackData, unit: str, r: object, a: dict | None) -> tuple[str, list[str]]:
    """A target off track on its slide: title (the indicator, whole), then its figures and the committee's
    assessment, one paragraph each."""
    lang = data.lang
    [row] = [x for x in by_unit.unit_targets(data.assessed.loc[[r.Index]], data.values,
                                           data.catalog, unit, lang, [], units=data.units).itertuples(index=False)]
    lines = [*([data.name(unit)] if data.multi else []),
             tx("committee_figures", lang, target=row.target, latest=row.latest, status=row.status),
             tx("committee_pace", lang, needed=row.needed, achieved=row.achieved)]
    if row.dispute:
        lines.append(f"{DISPUTED_MARK} {row.dispute}")
    if a:
        lines += [x for x in (committee_line({"causes": a["causes"]}, lang), committee_line({"remedies": a["remedies"]},
                  lang), committee_line({"status": a["status"], "reason": a["reason"]}, lang)) if x]
    else:
        lines.append(tx("committee_none", lang))
    return row.full_name, lines


def _committee_slides(prs: Presentation, data: PackData) -> None:
    """One slide per target off track: its figures, then the causes and remedies the committee agreed."""
    for unit, r, a in committee_off_track(data):
        title, lines = committee_slide_lines(data, unit, r, a)
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _title(slide, title, size=24 if len(title) < 80 else 20)
        size = 16 if sum(map(len, lines)) < 700 else 14 if sum(map(len, lines)) < 1000 else 12  # the box holds it
        _text_box(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, HEIGHT - BODY_TOP - Inches(0.3), lines, size)


def write_deck(data: PackData, charts: Sequence[Chart], out: Path | io.BytesIO) -> None:
    build_deck(data, charts).save(out)
