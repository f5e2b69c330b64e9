"""The committee's assessments (monitor.committee) as the pack writes them: paragraphs of the draft, one
slide per target off track, the annex's table, one line per target of the one-page summary.

Data in (PackData.committee, the current assessments of its units), words out in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from core.i18n import status_label
from monitor.committee import WHOLE, lookup
from monitor.export.draft import Block
from monitor.export.model import PackData
from monitor.export.text import tx
from monitor.labels import indicator_label

OFF_TRACK = ("off_track", "accelerate")  # the statuses the meeting must explain: a slide each


def line(a: dict[str, Any] | None, lang: str) -> str:
    """One assessment in one line: causes, remedies, the status the committee asserts and why ('' for none)."""
    if not a:
        return ""
    parts = []
    if a.get("causes"):
        parts.append(tx("committee_causes", lang, text=_end(a["causes"])))
    if a.get("remedies"):
        parts.append(tx("committee_remedies", lang, text=_end(a["remedies"])))
    if a.get("status"):
        parts.append(tx("committee_status", lang, status=status_label(a["status"], lang), reason=_end(a["reason"])))
    return " ".join(" ".join(parts).split())


def _end(text: str) -> str:
    """A sentence closed by one full stop, however the person ended it."""
    text = " ".join(str(text).split()).rstrip()
    return text if text[-1:] in ".!?…" else text + "."


def of_target(data: PackData, r: Any) -> dict[str, Any] | None:
    """The current assessment of an `assessed` row's target (None without one)."""
    return lookup(data.committee, r.unit_code, r.resolution_id, r.target_id)


def of_unit(data: PackData, unit: str) -> dict[str, Any] | None:
    return lookup(data.committee, unit, WHOLE, WHOLE)


def _targets(data: PackData, unit: str) -> pd.DataFrame:
    return data.assessed[data.assessed["unit_code"] == unit]


def draft_blocks(data: PackData, unit: str) -> list[Block]:
    """The draft's paragraphs of the committee's assessment of `unit`: a heading, the unit as a whole,
    then each target it assessed ([] when it assessed nothing)."""
    lang = data.lang
    out: list[Block] = []
    whole = of_unit(data, unit)
    if whole:
        out.append(Block("results", line(whole, lang)))
    for r in _targets(data, unit).itertuples(index=False):
        a = of_target(data, r)
        if a:
            name = indicator_label(data.catalog, r.indicator, lang)
            out.append(Block("bullet", tx("committee_target_line", lang, indicator=name, text=line(a, lang))))
    return [Block("heading", tx("committee_heading", lang)), *out] if out else []


def off_track(data: PackData) -> Iterator[tuple[str, Any, dict[str, Any] | None]]:
    """(unit, assessed row, assessment) of every target off track among the pack's units (computed, or
    so asserted by the committee). A pack comparing several units has only those the committee assessed."""
    for unit in data.rows:
        for r in _targets(data, unit).itertuples():  # with its Index: the slide reads the row again
            a = of_target(data, r)
            asserted = (a or {}).get("status", "")
            if (r.status in OFF_TRACK or asserted in OFF_TRACK) and (a or not data.multi):
                yield unit, r, a


def annex_rows(data: PackData) -> tuple[list[str], list[list[str]]]:
    """The annex's table of the committee's assessments: unit, target, causes, remedies, asserted status."""
    lang = data.lang
    header = [tx("col_unit", lang), tx("col_indicator", lang), tx("committee_col_causes", lang),
              tx("committee_col_remedies", lang), tx("committee_col_status", lang)]
    rows = []

    def row(unit: str, what: str, a: dict[str, Any]) -> list[str]:
        status = (f"{status_label(a['status'], lang)}: {a['reason']}" if a.get("status") else "")
        return [data.name(unit), what, a.get("causes", ""), a.get("remedies", ""), status]

    for unit in data.rows:
        whole = of_unit(data, unit)
        if whole:
            rows.append(row(unit, tx("committee_whole", lang), whole))
        for r in _targets(data, unit).itertuples(index=False):
            a = of_target(data, r)
            if a:
                rows.append(row(unit, indicator_label(data.catalog, r.indicator, lang), a))
    return header, rows
