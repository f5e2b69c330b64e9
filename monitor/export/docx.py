"""Two Word files: the annex the reports attach ("Phụ lục: Kết quả thực hiện các chỉ tiêu": indicator,
target, each year's value, status and source) and the DRAFT of the results section (monitor.export.draft),
which the staff edit instead of writing from a blank page.

Numbers are written the Vietnamese way (96,55%; 3.889); every style is set in DOC_FONT, which carries
Vietnamese letters, for the Latin, East Asian and complex-script slots alike.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.oxml.shared import OxmlElement
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from core.i18n import (
    DISPUTED_MARK,
    MISSING,
    assessed_source,
    fmt_number,
    fmt_target,
    is_missing,
    status_label,
    status_style,
    with_qualifier,
)
from monitor import disputes
from monitor.export.committee import annex_rows as committee_annex_rows
from monitor.export.committee import draft_blocks as committee_blocks
from monitor.export.draft import draft_blocks
from monitor.export.model import PackData
from monitor.export.text import DOC_FONT, tx

BLACK = RGBColor(0, 0, 0)
A4_SHORT, A4_LONG = Mm(210), Mm(297)
DISPUTED_FILL = status_style("to_verify")["color"].lstrip("#")  # the workbook's yellow


def _font(style: object, size: float | None = None, *, bold: bool | None = None) -> None:
    font = style.font
    font.name = DOC_FONT
    font.color.rgb = BLACK
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), DOC_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _document(landscape: bool) -> DocumentObject:
    doc = Document()
    _font(doc.styles["Normal"], 13)
    for name, size in (("Title", 16), ("Heading 1", 14), ("Heading 2", 13), ("Heading 3", 13)):
        _font(doc.styles[name], size, bold=True)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(20 if landscape else 30 if side == "left_margin" else 15))
    section.top_margin = section.bottom_margin = Mm(20)
    return doc


def _cell(cell: object, text: str, size: float = 11, *, bold: bool = False) -> None:
    cell.text = ""
    lines = text.split("\n")
    para = cell.paragraphs[0]
    for i, line in enumerate(lines):
        run = para.add_run(line)  # the font comes from the Normal style
        run.font.size = Pt(size)
        if bold:
            run.font.bold = True
        if i < len(lines) - 1:
            run.add_break()


def _fmt(value: float, qualifier: str, unit: str, lang: str) -> str:
    if is_missing(value):
        return MISSING
    if unit == "percent":
        return with_qualifier(fmt_number(value, lang) + "%", qualifier, lang)
    return with_qualifier(fmt_number(value, lang, 0), qualifier, lang)


def annex_years(data: PackData) -> list[int]:
    """Years shown: from the term's first year with a figure to the as-of year."""
    v = data.values
    years = v.loc[v["unit_code"].isin(data.rows) & v["year"].between(data.term.start, data.as_of), "year"]
    first = int(years.min()) if len(years) else data.as_of
    return list(range(first, data.as_of + 1))


def annex_rows(data: PackData, unit: str) -> tuple[list[str], list[list[str]]]:
    """The annex table of one unit: header and rows of text (numbers formatted)."""
    header, rows, _ = annex_table(data, unit)
    return header, rows


def annex_table(data: PackData, unit: str) -> tuple[list[str], list[list[str]], list[tuple[int, int, str]]]:
    """The annex table of one unit, and its footnotes as (row, column, text): the status of a figure its
    report contradicts gets a footnote saying what contradicts it. Every year's figure its report contradicts,
    or a total that includes one of a unit below, is marked ⚑ in its cell; a year other than the one the
    status judges gets its own footnote ('Năm 2021: …'), the status's covers that one."""
    lang, catalog = data.lang, data.catalog
    years = annex_years(data)
    header = ["TT", tx("col_indicator", lang), tx("col_target", lang), *map(str, years), tx("col_status", lang),
              tx("col_source", lang)]
    v = data.values[(data.values["unit_code"] == unit) & (data.values["org_type"] == "")
                    & data.values["year"].isin(years)]
    # a year's figure from the periods in the catalogue's order: the whole year, else the term to date, …
    rank = {p: k for k, p in enumerate(catalog.periods)}
    v = v.assign(_p=v["period"].map(rank).fillna(len(rank))).sort_values("_p", kind="stable")
    best = {(r.indicator, int(r.year)): r for r in v.drop_duplicates(["indicator", "year"]).itertuples(index=False)}
    rows: list[list[str]] = []
    notes: list[tuple[int, int, str]] = []
    below = data.below  # a total's units below whose figure to verify
    marked = data.figure_notes  # as the workbook's values sheet
    status_col = 3 + len(years)
    for n, r in enumerate(data.assessed[data.assessed["unit_code"] == unit].itertuples(index=False), start=1):
        ind = catalog.indicators[r.indicator]
        target = fmt_target(r.comparator, r.target, r.target_high, ind.unit, lang)
        target += f" ({tx('by_year', lang, year=int(r.deadline))})" if r.frequency == "deadline" \
            else f" ({tx('yearly', lang).lower()})"
        if r.target_document:
            target += f"; {r.target_document}"
        note = disputes.dispute_note(r, catalog, lang, below=disputes.latest_below(below, r) or ())
        cells = []
        for j, y in enumerate(years, start=3):
            h = best.get((r.indicator, y))
            if h is None:
                cells.append(MISSING)
                continue
            text = _fmt(h.value, h.qualifier, ind.unit, lang)
            said = marked.get((unit, r.indicator, y, h.period, ""))
            if said:
                text += f" {DISPUTED_MARK}"
                if not (note and not is_missing(r.latest_year) and y == int(r.latest_year)):
                    notes.append((len(rows), j, tx("annex_year_note", lang, year=y, text="; ".join(said))))
            if ind.unit == "percent" and not is_missing(h.num) and not is_missing(h.den):
                # spaced: a narrow year column wraps at a space, never inside a number (2.321 / 2.414)
                text += f"\n({fmt_number(h.num, lang, 0)} / {fmt_number(h.den, lang, 0)})"
            if h.period != "Y":
                text += f"\n{catalog.periods[h.period].name(lang).lower()}"
            cells.append(text)
        if note:
            notes.append((len(rows), status_col, note))
        rows.append([str(n), ind.name(lang), target, *cells, status_label(r.status, lang),
                     assessed_source(r, lang)])
    return header, rows, notes


def build_annex(data: PackData) -> DocumentObject:
    lang = data.lang
    doc = _document(landscape=True)
    doc.add_paragraph(tx("annex_title", lang), style="Title")
    doc.add_paragraph(data.subject)
    doc.add_paragraph(tx("annex_intro", lang, year=data.as_of))
    years = annex_years(data)
    widths = [Mm(10), Mm(62), Mm(38), *[Mm(min(22, 110 / max(1, len(years))))] * len(years), Mm(28), Mm(0)]
    widths[-1] = max(Mm(30), A4_LONG - Mm(40) - sum(widths))
    footnotes: list[str] = []
    for unit in data.rows:
        header, rows, notes = annex_table(data, unit)
        if data.multi:
            doc.add_paragraph(tx("annex_unit", lang, unit=data.name(unit)), style="Heading 1")
        table = doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for j, w in enumerate(widths[:len(header)]):
            table.columns[j].width = w
        # row by row: table.cell(i, j) rebuilds the whole grid on every call
        for i, (row, texts) in enumerate(zip(table.rows, [header, *rows], strict=True)):
            for j, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
                cell.width = widths[j]
                _cell(cell, text, 10.5 if i == 0 or j < len(header) - 1 else 9, bold=i == 0)
                if i and 3 <= j < len(header) - 2 and DISPUTED_MARK in text:  # a year's figure marked ⚑
                    _shade(cell, DISPUTED_FILL)  # yellow, as on the workbook's values sheet
        _repeat_header(table)
        # beside a year's figure, or the status: what the figure's report says against itself (row by row)
        for i, j, note in sorted(notes):
            footnotes.append(note)
            _footnote_reference(table.rows[1 + i].cells[j].paragraphs[-1], len(footnotes))
    _committee_table(doc, data)
    if footnotes:
        _footnotes_part(doc, footnotes)
    return doc


def _shade(cell: object, color: str) -> None:
    """A cell's background (python-docx has no API for it: the XML Word writes)."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), color)
    cell._tc.get_or_add_tcPr().append(shd)


def _committee_table(doc: DocumentObject, data: PackData) -> None:
    """The committee's assessments (causes, remedies, the status it asserts), after the figures."""
    header, rows = committee_annex_rows(data)
    if not rows:
        return
    doc.add_paragraph(tx("committee_heading", data.lang), style="Heading 1")
    widths = [Mm(38), Mm(62), Mm(62), Mm(62), Mm(33)]
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, (row, texts) in enumerate(zip(table.rows, [header, *rows], strict=True)):
        for j, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            cell.width = widths[j]
            _cell(cell, text, 10.5 if i == 0 else 9.5, bold=i == 0)
    _repeat_header(table)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def _footnote_reference(paragraph: object, number: int) -> None:
    """A footnote's number in the text, superscript (python-docx has no footnotes: the XML Word writes)."""
    run = paragraph.add_run()
    align = OxmlElement("w:vertAlign")
    align.set(qn("w:val"), "superscript")
    run._r.get_or_add_rPr().append(align)
    ref = OxmlElement("w:footnoteReference")
    ref.set(qn("w:id"), str(number))
    run._r.append(ref)


def _footnotes_part(doc: DocumentObject, notes: list[str]) -> None:
    """The document's footnotes part: Word's two separators (ids -1 and 0), then note 1, 2, … at 9,5 pt."""
    body = "".join(
        f'<w:footnote w:id="{k}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
        f'<w:r><w:rPr><w:sz w:val="19"/></w:rPr><w:t xml:space="preserve"> {xml_escape(note)}</w:t></w:r></w:p>'
        f'</w:footnote>' for k, note in enumerate(notes, start=1))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<w:footnotes xmlns:w="{_W}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
           '</w:p></w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
           f'<w:continuationSeparator/></w:r></w:p></w:footnote>{body}</w:footnotes>')
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, xml.encode("utf-8"), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)


def footnotes_text(doc: DocumentObject) -> list[str]:
    """The footnotes' texts, in order (for tests and checks)."""
    for rel in doc.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            root = etree.fromstring(rel.target_part.blob)
            return ["".join(t.text or "" for t in fn.iter(f"{{{_W}}}t")).strip()
                    for fn in root.iter(f"{{{_W}}}footnote") if int(fn.get(f"{{{_W}}}id")) > 0]
    return []


def _repeat_header(table: object) -> None:
    """The header row repeats on every page the table runs over."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def build_draft(data: PackData) -> DocumentObject:
    lang = data.lang
    doc = _document(landscape=False)
    final = data.as_of >= data.term.end  # the term's own result, not its midterm (issue 19)
    term = data.term_years
    doc.add_paragraph(tx("draft_title_final", lang, term=term) if final else tx("draft_title", lang), style="Title")
    note = doc.add_paragraph()
    run = note.add_run(tx("draft_note", lang))
    run.italic = True
    for unit in data.rows:
        doc.add_paragraph(data.name(unit), style="Heading 1")
        blocks = draft_blocks(unit, data.assessed, data.values, data.catalog, lang, unit_name=data.name(unit),
                              as_of=data.as_of, units=data.units)
        if not blocks:
            doc.add_paragraph(tx("draft_none", lang))
        for b in [*blocks, *committee_blocks(data, unit)]:  # then the committee's causes and remedies
            if b.kind == "heading":
                doc.add_paragraph(b.text, style="Heading 2")
                continue
            para = doc.add_paragraph(b.text)
            para.paragraph_format.first_line_indent = Mm(10)
            para.paragraph_format.space_after = Pt(3)
    return doc


def _save(doc: DocumentObject, out: Path | io.BytesIO) -> None:
    doc.save(out)


def write_annex(data: PackData, out: Path | io.BytesIO) -> None:
    _save(build_annex(data), out)


def write_draft(data: PackData, out: Path | io.BytesIO) -> None:
    _save(build_draft(data), out)


def annex_bytes(data: PackData) -> bytes:
    buf = io.BytesIO()
    write_annex(data, buf)
    return buf.getvalue()


def draft_bytes(data: PackData) -> bytes:
    buf = io.BytesIO()
    write_draft(data, buf)
    return buf.getvalue()


def table_text(doc: DocumentObject) -> list[list[list[str]]]:
    """Every table's cells as text (for checks and previews)."""
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
