"""The Unit page's committee section: the assessments beside the figures, the form to write one (for
whoever monitor.committee.may_assess allows), and the one-page summary on screen and as a PDF.

Layout only: storing is monitor.committee's business, the words of the page monitor.export.onepage's.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.i18n import status_label
from monitor import committee, labels
from monitor.export.onepage import onepage_fragment, onepage_pdf
from monitor.export.selection import PDF_MIME, pack_formats, part_name, selection_data
from screens._context import Ctx
from screens._escape import esc
from screens._load import gate_message


def current(c: Ctx, unit: str) -> pd.DataFrame:
    """The unit's current assessments, read on every run (a write does not change the database version)."""
    return committee.current(c.db, [unit])


def section(c: Ctx, unit: str, mine: pd.DataFrame, now: pd.DataFrame) -> None:
    """The assessments of `unit` (its targets: `mine`, rows of Ctx.assessed) and the form to write one."""
    st.subheader(c.t("committee_title"))
    st.caption(c.t("committee_help"))
    saved_notice(c)
    whole = (committee.WHOLE, committee.WHOLE)
    targets, figures = {whole: c.t("committee_whole")}, {whole: ""}
    for r in mine.itertuples(index=False):
        targets[(r.resolution_id, r.target_id)] = labels.indicator_label(c.catalog, r.indicator, c.lang)
        figures[(r.resolution_id, r.target_id)] = status_label(r.status, c.lang)
    said = 0
    for a in now.itertuples(index=False):  # as lines that wrap: read whole at 1280 px, no sideways scroll
        key = (a.resolution_id, a.target_id)
        if key not in targets:
            continue
        said += 1
        head = f"**{esc(targets[key])}**" + (
            f" · {c.t('committee_from_figures', status=esc(figures[key]))}" if figures[key] else "")
        parts = [f"{c.t('committee_causes')}: {esc(a.causes)}" if a.causes else "",
                 f"{c.t('committee_remedies')}: {esc(a.remedies)}" if a.remedies else "",
                 f"{c.t('committee_status')}: {esc(status_label(a.status, c.lang))}, {esc(a.reason)}"
                 if a.status else ""]
        st.markdown(f"{head}  \n" + "  \n".join(p for p in parts if p))
        st.caption(c.t("committee_by", who=esc(a.author_name), at=a.at.replace("T", " ")[:16]))
    if not said:
        st.info(c.t("committee_empty"))
    gate = committee.may_assess(c.user, unit, c.uploads)
    if not gate.allowed:
        st.caption(gate_message(c, gate))
        return
    with st.expander(c.t("committee_write"), icon=":material/rate_review:"):
        keys = list(targets)
        key = st.selectbox(c.t("committee_target"), keys, format_func=lambda k: targets[k], key=f"committee_{unit}")
        old = committee.lookup(now, unit, *key) or {}
        tag = f"{unit}_{key[0]}_{key[1]}"
        with st.form(f"committee_form_{tag}", clear_on_submit=False, enter_to_submit=False):
            causes = st.text_area(c.t("committee_causes"), old.get("causes", ""), key=f"causes_{tag}")
            remedies = st.text_area(c.t("committee_remedies"), old.get("remedies", ""), key=f"remedies_{tag}")
            choices = list(committee.ASSERTED)
            status = st.selectbox(c.t("committee_status"), choices, index=choices.index(old.get("status", "")),
                                  format_func=lambda s: status_label(s, c.lang) if s else c.t("committee_status_none"),
                                  key=f"status_{tag}")
            reason = st.text_input(c.t("committee_reason"), old.get("reason", ""), key=f"reason_{tag}")
            submitted = st.form_submit_button(c.t("committee_save"), type="primary", icon=":material/save:")
        if submitted:
            _save(c, committee.Assessment(unit, key[0], key[1], causes, remedies, status, reason))
        past = committee.history(c.db, unit, *key)
        if len(past) > 1:
            st.caption(c.t("committee_history"))
            past = past.assign(status=past["status"].map(lambda x: status_label(x, c.lang) if x else ""),
                               at=past["at"].str.replace("T", " ").str[:16])
            st.dataframe(past.iloc[1:][["at", "author_name", "causes", "remedies", "status", "reason"]].rename(
                columns={"at": c.t("committee_at"), "author_name": c.t("committee_author"),
                         "causes": c.t("committee_causes"), "remedies": c.t("committee_remedies"),
                         "status": c.t("committee_status"), "reason": c.t("committee_reason")}), hide_index=True)


def _save(c: Ctx, assessment: committee.Assessment) -> None:
    name = c.user.name if c.user is not None else ""
    try:
        n = committee.save(c.db, assessment, user=c.who, user_name=name)
    except committee.AssessmentRefused as exc:
        st.error(c.t(exc.key), icon="⚠️")
        return
    except OSError:
        st.error(c.t("assess_not_saved"), icon="⚠️")
        return
    st.session_state["committee_saved"] = n
    st.rerun()  # the table above and the draft below show what was just saved


def saved_notice(c: Ctx) -> None:
    n = st.session_state.pop("committee_saved", None)
    if n:
        st.success(c.t("committee_saved", n=n), icon="✅")


def onepage(c: Ctx, unit: str, now: pd.DataFrame) -> None:
    """The one-page summary on screen, and its PDF when a Chromium can print it."""
    assert c.term is not None and c.as_of is not None
    with st.expander(c.t("onepage_title"), icon=":material/summarize:"):
        st.caption(c.t("onepage_help"))
        data = selection_data(c.catalog, c.units, c.values(), c.assessed(), scope=unit, rows=[unit], term=c.term,
                              as_of=c.as_of, lang=c.lang, group=c.group, committee=now)
        rev = committee.revision(c.db)  # a saved assessment changes the page, not the database version
        st.html(c.memo("onepage_html", unit, rev, compute=lambda: onepage_fragment(data, unit)))
        if "pdf" in pack_formats():
            st.download_button(
                c.t("download_onepage"),
                data=lambda: c.memo("onepage_pdf", unit, rev, compute=lambda: onepage_pdf(data)),
                file_name=part_name("tom-tat", unit, c.as_of, group=c.group, org_types=c.org_types), mime=PDF_MIME,
                icon=":material/picture_as_pdf:", on_click="ignore", key=f"onepage_pdf_{unit}")
