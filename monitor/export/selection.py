"""What a dashboard page offers for download: its current selection (unit, year, organisation types,
indicator group) as the meeting pack in one ZIP, or one file of it (workbook, Word annex, Word draft).

No Streamlit here. A page gathers `selection_data(...)` from the frames it already holds and hands a
download button a callable that calls `pack_zip` / `workbook_bytes` / …: the files are built only when
the button is clicked. Without Chromium the pack holds the Word and Excel files only (`pack_formats`
says so beforehand, so the page can say it in a sentence); a render that fails all the same falls back
to those files and a note inside the ZIP, never an exception a person would see as a traceback.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Sequence

import pandas as pd

from core.catalog import Catalog, Term
from monitor import unit_tree
from monitor.charts import slug
from monitor.export import FORMATS
from monitor.export.charts import find_chromium
from monitor.export.committee import draft_blocks as committee_blocks
from monitor.export.draft import draft_text
from monitor.export.model import PackData, from_frames
from monitor.export.pack import pack_bytes
from monitor.export.text import tx

log = logging.getLogger("monitor.export")
OFFICE_FORMATS = ("docx", "xlsx")  # what a pack holds without a browser to draw the charts
NOTE_NAME = "GHI-CHU.txt"
ZIP_MIME = "application/zip"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


def selection_data(catalog: Catalog, units: pd.DataFrame, values: pd.DataFrame, assessed: pd.DataFrame, *,
                   scope: str, rows: Sequence[str], term: Term, as_of: int, lang: str = "vi", group: str = "",
                   findings: pd.DataFrame | None = None, committee: pd.DataFrame | None = None) -> PackData:
    """The pack's frames for what a page shows: `scope` and everything below it, `rows` the units it
    compares (a unit page: the focused unit alone), the indicators of `group` only when one is chosen.

    values / assessed / findings may cover more than the scope (a page's frames cover the sidebar's
    unit): they are cut to the scope's subtree here, findings to the years up to `as_of`.
    """
    below = set(unit_tree.subtree(units, scope))
    v = values[values["unit_code"].isin(below)]
    a = assessed[assessed["unit_code"].isin(below)]
    if group:
        in_group = [i for i, ind in catalog.indicators.items() if ind.group == group]
        v = v[v["indicator"].isin(in_group)]
        a = a[a["group"] == group]
    if findings is not None and not findings.empty:
        findings = findings[findings["unit_code"].isin(below) & (findings["year"] <= as_of)]
    shown = [r for r in rows if r in below] or [scope]
    if committee is not None:  # the committee's assessments (monitor.committee.current) of these units
        committee = committee[committee["unit_code"].isin(below)].reset_index(drop=True)
    return from_frames(catalog, scope, shown, units, v.reset_index(drop=True), a.reset_index(drop=True), term,
                       as_of, lang, findings, committee)


def draft_of(data: PackData, unit: str) -> str:
    """The draft of the results section for `unit` as text, one paragraph a line ('' without targets)."""
    text = draft_text(unit, data.assessed, data.values, data.catalog, data.lang, unit_name=data.name(unit),
                      as_of=data.as_of, units=data.units)  # a total names its units below, as the Word draft does
    said = "\n".join(b.text for b in committee_blocks(data, unit))  # the committee's causes and remedies
    return "\n".join(t for t in (text, said) if t)


def file_stem(scope: str, as_of: int, *, kind: str = "", group: str = "", org_types: Sequence[str] = ()) -> str:
    """ASCII name part saying unit and year, and the filters that chose the units or cut the figures:
    'BD-TAYSON_2022', 'DEMO-P01_bloc_2025', 'DEMO-P01_to-chuc_2025', 'DEMO-P01_xa-phuong_2025'."""
    parts = [scope, kind, group.replace("_", "-"), "-".join(o.replace("_", "-") for o in org_types), str(as_of)]
    return "_".join(slug(p) for p in parts if p)


def zip_name(scope: str, as_of: int, **filters: object) -> str:
    return f"{file_stem(scope, as_of, **filters)}.zip"


def part_name(part: str, scope: str, as_of: int, **filters: object) -> str:
    """One file of the pack, named as inside the pack ('BD-TAYSON_so-lieu_2022.xlsx'), with the filters."""
    ext = {"so-lieu": "xlsx", "phu-luc": "docx", "du-thao": "docx", "tom-tat": "pdf"}[part]
    head, _, year = file_stem(scope, as_of, **filters).rpartition("_")
    return f"{head}_{part}_{year}.{ext}"


def pack_formats() -> tuple[str, ...]:
    """Every format when a Chromium is there to draw the charts, else the Word and Excel files."""
    return FORMATS if find_chromium() is not None else OFFICE_FORMATS


def pack_zip(data: PackData, formats: Sequence[str] | None = None) -> bytes:
    """The selection's pack as one ZIP. Should the charts fail to render (the browser gone since the
    page was drawn, a crash), the ZIP holds the Word and Excel files and a note saying why."""
    formats = tuple(formats) if formats is not None else pack_formats()
    try:
        return pack_bytes(data, formats)
    except Exception as exc:
        if set(formats) <= set(OFFICE_FORMATS):
            raise
        log.exception("charts of the pack failed; the pack goes out without them")
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    return with_note(pack_bytes(data, [f for f in formats if f in OFFICE_FORMATS] or OFFICE_FORMATS),
                     tx("pack_no_charts_note", data.lang, reason=reason))


def with_note(zip_bytes: bytes, text: str) -> bytes:
    buf = io.BytesIO(zip_bytes)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr(NOTE_NAME, text + "\n")
    return buf.getvalue()
