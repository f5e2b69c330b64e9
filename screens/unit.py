"""Đơn vị / Unit: every target of a district's or bloc's resolutions — progress, trend, status, the
yearly change needed against the one achieved, sources — and the breakdown by organisation type."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monitor import by_unit, committee, labels, overview
from monitor.export.selection import draft_of, selection_data
from monitor.status_html import marks
from screens import _committee, _export
from screens._context import ctx
from screens._escape import esc
from screens._figures import headline, status_legend
from screens._guard import guard, require_data
from screens._widgets import url_select

# Taller rows let the grid wrap a cell's text (Streamlit wraps only above 4rem): the indicator names
# are read whole instead of cut at the column's edge.
WRAP_ROW_HEIGHT = 68
HEADER_HEIGHT = 36


def _sparkline(years: list[int], width: int) -> object:
    return st.column_config.LineChartColumn(f"{c.t('sparkline')} {years[0]}–{years[-1]}" if years
                                            else c.t("sparkline"), width=width)


def _targets_compact(table: pd.DataFrame, years: list[int]) -> None:
    """The essentials of every target in the width of a 1280 px screen beside the sidebar (about 780 px):
    name, status, target, latest value, a small trend, the yearly change needed against the one achieved.
    The rest (progress, projection, what a source contradicts, sources) is in `_targets_details`."""
    st.dataframe(
        table.assign(pace=[f"{n} / {a}" for n, a in zip(table["needed"], table["achieved"], strict=True)]),
        hide_index=True, row_height=WRAP_ROW_HEIGHT, height=HEADER_HEIGHT + WRAP_ROW_HEIGHT * len(table) + 2,
        column_order=["full_name", "status", "target", "latest", "trend", "pace"],
        column_config={
            "full_name": st.column_config.TextColumn(c.t("indicator"), width=225),
            "status": st.column_config.TextColumn(c.t("status"), width=105),
            "target": st.column_config.TextColumn(c.t("target"), width=125),
            "latest": st.column_config.TextColumn(c.t("latest"), width=100),
            "trend": st.column_config.LineChartColumn(c.t("sparkline"), width=80,
                                                      help=f"{years[0]}–{years[-1]}" if years else None),
            "pace": st.column_config.TextColumn(c.t("pace_per_year"), width=130, help=c.t("pace_help")),
        },
        key="unit_targets_compact",
    )


def _targets_details(table: pd.DataFrame, years: list[int]) -> None:
    """Every column of every target, on demand."""
    # a contradicted figure: what the report says against itself, beside its status
    shown_cols = ["full_name", "status", *(["dispute"] if (table["dispute"] != "").any() else []),
                  "target", "latest", "trend", "progress", "needed", "achieved", "projected", "source"]
    st.dataframe(
        table[shown_cols],
        hide_index=True,
        row_height=WRAP_ROW_HEIGHT,
        height=HEADER_HEIGHT + WRAP_ROW_HEIGHT * len(table) + 2,  # every target in view, no inner scroll
        column_config={
            "full_name": st.column_config.TextColumn(c.t("indicator"), width=330),
            "status": st.column_config.TextColumn(c.t("status"), width=150),
            "dispute": st.column_config.TextColumn(c.t("dispute_column"), width=300),
            # wide enough for a revised target and its document in the three lines a row shows
            "target": st.column_config.TextColumn(c.t("target"), width=240),
            "latest": st.column_config.TextColumn(c.t("latest"), width=115),
            "trend": _sparkline(years, 110),
            "progress": st.column_config.ProgressColumn(c.t("progress"), min_value=0, max_value=100,
                                                        format="%d%%", width=130),
            "needed": st.column_config.TextColumn(c.t("needed_per_year"), width=140),
            "achieved": st.column_config.TextColumn(c.t("achieved_per_year"), width=140),
            "projected": st.column_config.TextColumn(c.t("projected"), width=110),
            "source": st.column_config.TextColumn(c.t("source"), width="large"),
        },
    )


c = ctx()
st.title(c.t("unit_title"))
require_data(c)

with guard(c):
    names = c.names()
    choices = c.scope_units()
    depth = c.depths()
    notices: list[str] = []
    default = c.rows[0] if c.rows else c.scope
    focus = url_select("focus", choices, default, label=c.t("unit"), notices=notices, lang=c.lang,
                       format_func=lambda code: "· " * (depth.get(code, 0) - depth.get(c.scope, 0))
                       + names.get(code, code))
    for n in notices:
        st.warning(n, icon="⚠️")
    row = c.units[c.units["unit_code"] == focus].iloc[0]
    kind = c.catalog.unit_kinds[row["kind"]].name(c.lang) if row["kind"] in c.catalog.unit_kinds else row["kind"]
    parent = esc(c.unit_label(row["parent_code"])) if row["parent_code"] else ""
    st.subheader(esc(names.get(focus, focus)))
    st.caption(" · ".join(x for x in [kind, c.t("unit_parent", name=parent) if parent else "",
                                        f"{c.term.name(c.lang)}", f"{c.t('as_of')}: {c.as_of}"] if x))
    _export.buttons(c, focus, [focus], key="unit")

    assessed = c.assessed()
    values = c.values()
    every = c.memo("names_every_term", compute=lambda: labels.unit_names(c.store.units(), c.lang))  # the old units too
    note = by_unit.predecessor_note(values, focus, every, c.lang)  # years before the unit existed (issue 19)
    if note:
        st.caption(":material/merge_type: " + esc(note))
    mine = c.memo("unit_mine", focus, compute=lambda: assessed[assessed["unit_code"] == focus])
    now = _committee.current(c, focus)
    if mine.empty:
        st.info(c.t("no_targets"))
    else:
        for rid in dict.fromkeys(mine["resolution_id"]):
            res = c.catalog.resolutions.get(rid)
            if res is not None:
                st.markdown(f"**{c.t('resolution')}:** {res.number} — {res.title(c.lang)}")
        counts = overview.headline_counts(mine[mine["group"] == c.group] if c.group else mine)
        headline(c, counts, overview.headline_codes(counts))
        years = [y for y in c.years if y <= c.as_of]
        table = c.memo("unit_targets", focus, compute=lambda: by_unit.unit_targets(assessed, values, c.catalog, focus,
                                                                                  c.lang, years, c.group,
                                                                                  units=c.units))
        if table.empty:
            st.info(c.t("no_data", what=c.catalog.groups[c.group].name(c.lang) if c.group else str(c.as_of)))
        else:
            _targets_compact(table, years)
            own, below = marks(mine)  # the legend names each mark for what it is
            status_legend(c, disputed=own, below=below)
            with st.expander(c.t("unit_details"), icon=":material/table_rows:"):
                _targets_details(table, years)
        _committee.section(c, focus, mine, now)  # the committee's assessments, beside the figures

        with st.expander(c.t("draft_title"), icon=":material/edit_note:"):
            st.caption(c.t("draft_help"))
            rev = committee.revision(c.db)  # a saved assessment changes the draft, not the database version
            text = c.memo("unit_draft", focus, rev, compute=lambda: draft_of(selection_data(
                c.catalog, c.units, values, assessed, scope=focus, rows=[focus], term=c.term, as_of=c.as_of,
                lang=c.lang, group=c.group, committee=now), focus))
            if text:
                st.text_area(c.t("draft_title"), text, height=420, label_visibility="collapsed",
                             key=f"unit_draft_{focus}_{c.as_of}_{c.lang}_{c.group}_{'-'.join(c.org_types)}_{rev}")
                _export.draft_button(c, focus, key="unit_draft_docx")
            else:
                st.info(c.t("draft_none"))
        _committee.onepage(c, focus, now)

    others = c.memo("unit_others", focus, compute=lambda: by_unit.other_values(values, assessed, c.catalog, focus,
                                                                              c.as_of, c.lang, c.group,
                                                                              units=c.units))
    if not others.empty:
        st.subheader(c.t("other_indicators"))
        st.dataframe(others.rename(columns={"name": c.t("indicator"), "value": c.t("value"),
                                            "status": c.t("status"), "source": c.t("source")}), hide_index=True)

    st.subheader(c.t("org_breakdown", year=c.as_of))
    below = c.subtree(focus)
    present = c.memo("unit_org_types", focus, compute=lambda: set(c.store.org_types_in(below)))
    org_types = [o for o in c.catalog.org_types if o in present]
    targeted = [i for i in dict.fromkeys(mine["indicator"]) if c.catalog.applies_to_org_types(i)]
    if c.group:
        targeted = [i for i in targeted if c.catalog.indicators[i].group == c.group]
    if not org_types or not targeted:
        st.info(c.t("org_breakdown_none"))
    else:
        breakdown = c.memo("unit_breakdown", focus, compute=lambda: by_unit.org_breakdown(
            {o: c.store.values(below, [o], c.term.id) for o in org_types}, c.catalog, targeted, c.as_of, c.lang))
        if breakdown.empty:
            st.info(c.t("no_data", what=str(c.as_of)))
        else:
            st.dataframe(breakdown, hide_index=True)
