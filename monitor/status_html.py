"""The overview's status grid as an HTML table: units as rows, the targets of their resolutions as
columns, each cell coloured by status and printed with its value and status symbol (never colour
alone); and the status legend's chips the other pages show too.

The overview shows this table rather than the Plotly heat-map (monitor.charts.heatmap, which the
exports still draw): a table is on screen with the page's first text, where a Plotly chart waits for
the browser to evaluate Plotly's 4.7 MB bundle (0.7–1.0 s of a 2-core machine's main thread, the
larger part of the time to the first chart). A table also wraps long target names instead of cutting
them, can be searched and copied, and reads aloud row by row. No Streamlit here: the page mounts it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd

from core.i18n import DISPUTED_MARK, STATUS_CODES, short_name, status_help, status_label, status_style, t

_TAG = re.compile(r"<[^>]+>")


def _plain(hover: str) -> str:
    """A Plotly hover text ('<b>name</b><br>target …') as the lines of a tooltip."""
    return html.unescape(_TAG.sub("", hover.replace("<br>", "\n")))


_CHIP = "padding:1px 6px;border-radius:3px;border:1px solid #888;margin-right:4px;white-space:nowrap"


def status_chips(codes: Sequence[str], lang: str = "vi", *, disputed: bool = False, below: bool = False) -> str:
    """A legend: each status as a chip of its colour with its symbol and name (never colour alone),
    how it was decided in its tooltip; with `disputed`, the mark of a contradicted figure too; with `below`,
    the mark of a total that includes a contradicted figure of a unit below (its own report contradicts nothing)."""
    chips = [f'<span class="chip" style="background:{status_style(s)["color"]};color:{status_style(s)["text"]};'
             f'{_CHIP}" title="{html.escape(status_help(s, lang))}">{html.escape(status_label(s, lang))}</span>'
             for s in codes]
    marks = [("disputed_mark_legend", "disputed_mark_help")] if disputed else []
    marks += [("dispute_below_legend", "dispute_below_help")] if below else []
    for legend, help_key in marks:
        chips.append(f'<span class="chip mark" style="background:#FFFFFF;color:#000000;{_CHIP}" '
                     f'title="{html.escape(t(help_key, lang))}">'
                     f'{html.escape(t(legend, lang, mark=DISPUTED_MARK))}</span>')
    return " ".join(chips)


def marks(frame: pd.DataFrame) -> tuple[bool, bool]:
    """Whether any row carries the mark (⚑, its verdict standing) of a figure its own report contradicts, and
    whether any carries it as a total that includes a contradicted figure of a unit below: `summed`
    (by_indicator.indicator_rows) or n_disputed > 0 (assess)."""
    if "disputed" not in frame:
        return False, False
    disputed = frame["disputed"].fillna(False).astype(bool)
    if "summed" in frame:
        below = frame["summed"].fillna(False).astype(bool)
    elif "n_disputed" in frame:
        below = (frame["n_disputed"].fillna(0) > 0) & ~disputed
    else:
        below = pd.Series(False, index=frame.index)
    stands = frame["status"] != "to_verify"
    return bool((disputed & ~below & stands).any()), bool((below & stands).any())


def marked(frame: pd.DataFrame) -> bool:
    """Whether any row carries the mark of a contradicted figure whose verdict stands (⚑), its own or that of
    a unit below a total."""
    return any(marks(frame))


def heatmap_html(grid: pd.DataFrame, *, rows: Sequence[str], row_names: dict[str, str], lang: str = "vi",
                 label: str = "") -> str:
    """The table of one section of monitor.overview.status_grid. Every text is escaped: unit names come from
    the database. A unit's name and each of its cells carry `data-unit` (the page opens that unit)."""
    esc = html.escape
    cols = grid.drop_duplicates("indicator").sort_values("order")[["indicator", "column_full"]]
    row_ids = [r for r in rows if r in set(grid["unit_code"])]
    cells = {(g.unit_code, g.indicator): g for g in grid.itertuples(index=False)}
    # the name without its 'Tỷ lệ …, %' wrapper, whole: the header wraps (at most five lines, then the
    # tooltip), where a chart's axis had to cut it
    head = "".join(f'<th scope="col" title="{esc(full)}"><span>{esc(short_name(full, width=len(full)))}</span></th>'
                   for full in cols["column_full"])
    body = []
    for unit in row_ids:
        name = esc(row_names.get(unit, unit))
        tds = []
        for ind in cols["indicator"]:
            g = cells.get((unit, ind))
            if g is None:  # a unit of this section that this target does not bind
                tds.append('<td class="none"></td>')
                continue
            s = status_style(g.status)
            tds.append(f'<td style="background:{s["color"]};color:{s["text"]}" title="{esc(_plain(g.hover))}" '
                       f'data-unit="{esc(unit)}" data-indicator="{esc(ind)}">{esc(g.cell)}</td>')
        body.append(f'<tr><th scope="row"><button type="button" data-unit="{esc(unit)}" '
                    f'title="{esc(t("open_unit", lang))}: {name}">{name}</button></th>{"".join(tds)}</tr>')
    own, below = marks(grid)
    legend = status_chips([s for s in STATUS_CODES if (grid["status"] == s).any()], lang,
                          disputed=own, below=below)
    return (f'<div class="scorecard" lang="{esc(lang)}"><div class="scroll"><table aria-label="{esc(label)}">'
            f'<thead><tr><th scope="col" class="corner">{esc(t("unit", lang))}</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div><div class="legend">{legend}</div></div>')
