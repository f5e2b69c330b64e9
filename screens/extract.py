"""Đọc báo cáo / Read a report: upload a report or paste its text, review the figures etl.extract proposes
and the totals they imply (accept, edit or reject each, values the page's way: 1.234,5 in Vietnamese, 1,234.5 in
English), check the accepted
rows by the load command's own rules, then load them.

Layout only: monitor.review turns the report into the review table and the table into contract
rows; monitor.uploads checks and loads them exactly as the Data page does (pages never import etl).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.catalog import QUALIFIERS
from core.i18n import fmt_number, measure_name
from core.problems import refusal, rows_frame
from monitor import auth, review, submissions
from monitor.uploads import Checked, check_uploads, record_check
from screens._context import ctx
from screens._escape import esc
from screens._guard import data_missing, guard, log
from screens._load import load_button

c = ctx()
st.title(c.t("extract_title"))
READ_KEY = "_extract_read"  # (digest, unit, year) → the report as read, so an edit does not re-read it
CHECK_KEY = "_extract_checked"  # (report digest, fingerprint of the accepted rows, Checked)


def _gate(unit: str) -> auth.LoadGate:
    """May this session load figures of `unit`: the one place access rules reach this page
    (auth.may_load, as on the Data page)."""
    return auth.may_load(c.user, [unit], c.uploads)


def _label(code: str) -> str:
    return measure_name(c.catalog, code, c.lang)


def _place(place: str) -> str:
    return review.place_in(place, c.lang)


QUALIFIER_WORDS = {"": "qualifier_exact", ">": "qualifier_over", "<": "qualifier_under", "~": "qualifier_approx"}


def _read(name: str, data: bytes, unit: str, year: int) -> review.Proposal | str:
    """The report as read, or the sentence saying why it was refused; kept for the session's reruns."""
    key = (review.fingerprint(data), unit, year)
    kept = st.session_state.get(READ_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]
    try:  # in one of the server's work slots: at most two uploads parsed at once, whoever sends them
        out: review.Proposal | str = review.read_report(name, data, unit, year, c.catalog)
    except review.UnsafeUpload as exc:
        out = esc(refusal(exc, name, c.lang))
    except review.DocumentError as exc:
        log.info("report not read: %s", exc)
        out = c.t("extract_unreadable", name=esc(name))
    st.session_state[READ_KEY] = (key, out)
    return out


def _unplaced(proposal: review.Proposal, expanded: bool) -> None:
    frame = review.unplaced_frame(proposal, c.lang, c.catalog)
    frame["place"] = frame["place"].map(_place)
    with st.expander(c.t("extract_unplaced", n=len(frame)), expanded=expanded):
        st.caption(c.t("extract_unplaced_help"))
        st.dataframe(frame.rename(columns={"value": c.t("value"), "place": c.t("place"), "reason": c.t("reason"),
                                           "sentence": c.t("sentence")}), hide_index=True, key="extract_unplaced")


def _slips(proposal: review.Proposal) -> None:
    if not proposal.slips:
        return
    st.warning(c.t("extract_slips", n=len(proposal.slips)), icon="⚠️")
    st.dataframe(pd.DataFrame({
        c.t("place"): [_place(s.place) for s in proposal.slips],
        c.t("measure"): [_label(s.measure) for s in proposal.slips],
        c.t("stated"): [review.stated_in(s.stated, c.lang) for s in proposal.slips],
        c.t("computed"): [fmt_number(s.computed, c.lang) + "%" for s in proposal.slips],
        c.t("sentence"): [s.sentence for s in proposal.slips],
    }), hide_index=True, key="extract_slips", column_config={c.t("measure"): st.column_config.TextColumn(width=340),
                                                               c.t("sentence"): st.column_config.TextColumn(width=700)})


def _other_years(frame: pd.DataFrame, year: int) -> None:
    """Rows whose year the text gives and differs from the form's: proposed so, and pointed out."""
    other = sorted({int(y) for y in frame.loc[frame["other_year"], "year"]})
    if other:
        st.warning(c.t("extract_other_year", n=int(frame["other_year"].sum()), year=year,
                       years=", ".join(map(str, other))), icon=":material/calendar_month:")


# what she reads and edits first, within the page's width at 1280 px: the figure, its value and the note
# (derived, another year); then the rest
SHOWN_ORDER = ["accept", "measure", "value", "qualifier", "year", "period", "note", "org_type", "slip", "place",
               "sentence"]


def _editor(proposal: review.Proposal, frame: pd.DataFrame, key: str) -> pd.DataFrame:
    cfg = st.column_config
    frame = frame.copy()
    frame["place"] = frame["place"].map(_place)
    frame["note"] = [c.t("extract_note_derived") if d else c.t("extract_note_year", year=proposal.year) if o else ""
                     for d, o in zip(frame["derived"], frame["other_year"], strict=True)]
    # an empty cell is what the contract means by empty: all organisation types, an exact value, no slip
    return st.data_editor(
        frame, key=key, hide_index=True, num_rows="fixed", placeholder="", height=min(490, 40 + 35 * len(frame)),
        column_order=SHOWN_ORDER,
        disabled=["note", "slip", "place", "sentence"],
        column_config={
            "accept": cfg.CheckboxColumn(c.t("accept"), width=70),
            "measure": cfg.SelectboxColumn(c.t("measure"), options=review.measure_options(c.catalog),
                                           format_func=_label, required=True, width=265),
            "org_type": cfg.SelectboxColumn(
                c.t("org_type"), options=["", *c.catalog.org_types], width=150, help=c.t("org_type_help"),
                format_func=lambda o: c.catalog.org_types[o].name(c.lang) if o else c.t("all")),
            "year": cfg.NumberColumn(c.t("year"), min_value=1900, max_value=2100, step=1, format="%d",
                                     required=True, width=65),
            "period": cfg.SelectboxColumn(c.t("period"), options=list(c.catalog.periods), required=True, width=95,
                                          format_func=lambda p: c.catalog.periods[p].name(c.lang)),
            "value": cfg.TextColumn(c.t("value"), validate=review.value_pattern(c.lang), required=True,
                                    help=c.t("value_help"), width=70),
            "note": cfg.TextColumn(c.t("extract_note"), width=155),
            "qualifier": cfg.SelectboxColumn(
                c.t("qualifier"), options=list(QUALIFIERS), width=85,
                format_func=lambda q: c.t(QUALIFIER_WORDS.get(q, "qualifier_exact"))),
            "slip": cfg.TextColumn(c.t("slip_computed"), width=110),
            "place": cfg.TextColumn(c.t("place"), width=80),
            "sentence": cfg.TextColumn(c.t("sentence"), width=700),
        })


def _show_check(checked: Checked, unit: str) -> None:
    report = checked.report
    for message in checked.refused:
        st.error(esc(message))
    if report is None:
        return
    rows = sum(i.rows for i in report.files)
    if report.ok:
        st.success(c.t("check_ok", rows=fmt_number(rows, c.lang), files=len(report.files)))
    else:
        st.error(c.t("check_failed", n=len(report.problems)))
        # the rows and columns are those of the file made from the table above, which she never sees: the
        # message names the figure (unit, year, measure) instead; wrapped, to be read whole at 1280 px
        st.dataframe(checked.problems[["message"]].rename(columns={"message": c.t("message")}),
                     hide_index=True, key="extract_problems", row_height=72,
                     column_config={c.t("message"): st.column_config.TextColumn(width=800)})
    findings = review.findings_for(report, unit)
    if not findings.empty:
        st.warning(c.t("extract_findings", n=len(findings)))
        st.dataframe(submissions.findings_table(findings, c.catalog, c.names(), c.lang), hide_index=True,
                     key="extract_findings")
    if not checked.rows.empty:
        with st.expander(c.t("rows_checked"), expanded=not report.ok):
            view = checked.rows.drop(columns=["file", "sheet"]).assign(problems=lambda d: d["problems"].map(
                lambda p: f"✖ {p}" if p else f"✔ {c.t('ok')}"))
            st.dataframe(rows_frame(view, c.lang, c.names()), hide_index=True, key="extract_rows_checked")


def _load(checked: Checked, unit: str) -> None:
    report = load_button(c, checked, _gate(unit), key="extract_load",
                         findings=lambda r: len(review.findings_for(r, unit)))
    if report is not None:
        st.session_state.pop(CHECK_KEY, None)


def _page() -> None:
    st.caption(c.t("extract_help"))
    assert c.store is not None
    names = c.names()
    codes = list(c.depths())  # this term's units, the sidebar's order
    left, right = st.columns([3, 1])
    unit = left.selectbox(c.t("extract_unit"), codes, index=codes.index(c.scope) if c.scope in codes else 0,
                          format_func=lambda code: f"{names.get(code, code)} ({code})", key="extract_unit")
    year = int(right.number_input(c.t("extract_year"), min_value=1900, max_value=2100, step=1,
                                  value=c.as_of or (c.term.midterm if c.term else 2023),
                                  help=c.t("extract_year_help"), key="extract_year"))
    if c.user is not None and not c.user.can_load:  # a signed-in viewer looks; only who may load makes the server read
        st.info(c.t("upload_viewer"))
        return
    up, paste = st.columns(2)
    uploaded = up.file_uploader(c.t("extract_file"), type=list(review.REPORT_TYPES), key="extract_upload")
    up.caption(c.t("uploader_words", mb=st.get_option("server.maxUploadSize")))
    pasted = paste.text_area(c.t("extract_paste"), key="extract_paste", height=120,
                             placeholder=c.t("extract_paste_placeholder"))
    if uploaded is not None:
        name, data = uploaded.name, uploaded.getvalue()
    elif pasted.strip():
        name, data = c.t("extract_pasted_name"), pasted.encode("utf-8")
    else:
        return
    proposal = _read(name, data, unit, year)
    if isinstance(proposal, str):
        st.error(proposal)
        return
    result = proposal.result
    if not result.rows:
        st.info(c.t("extract_none", name=esc(proposal.docname)))
        _unplaced(proposal, expanded=True)
        return
    st.subheader(c.t("extract_review"))
    frame = review.review_frame(proposal, c.catalog, c.lang)
    derived = int((frame["derived"] != "").sum())
    st.caption(c.t("extract_proposed", rows=len(result.rows), name=esc(proposal.docname),
                   unplaced=len(result.unplaced))
               + (" " + c.t("extract_proposed_derived", n=derived) if derived else ""))
    _slips(proposal)
    _other_years(frame, year)
    digest = review.fingerprint(data)[:16]
    # the language in the key: values typed the other way would be read the page's new way
    edited = _editor(proposal, frame, key=f"extract_rows_{digest}_{unit}_{year}_{c.lang}")
    _unplaced(proposal, expanded=False)

    rows = review.contract_rows(edited, unit, c.catalog, proposal.docname, c.lang)
    csv = review.contract_csv(rows)
    current = review.fingerprint(csv)
    st.caption(c.t("extract_accepted", accepted=len(rows), total=len(frame)))
    if st.button(c.t("extract_check"), key="extract_check", help=c.t("extract_check_help")):
        if not rows:
            st.session_state.pop(CHECK_KEY, None)
            st.info(c.t("extract_nothing_accepted"))
        else:
            checked = check_uploads([(review.csv_name(proposal.docname), csv)], c.db, c.lang, c.names())
            if c.uploads:  # the read-only demo writes nothing, not even the audit
                record_check(c.db, c.who, [(name, data), (review.csv_name(proposal.docname), csv)],
                             checked, _gate(unit))
            st.session_state[CHECK_KEY] = (digest, current, checked)
    kept = st.session_state.get(CHECK_KEY)
    if kept is None or kept[0] != digest:  # no check yet, or one of another report
        return
    if kept[1] != current:
        st.info(c.t("extract_stale"))
        return
    _show_check(kept[2], unit)
    _load(kept[2], unit)


with guard(c):
    if not data_missing(c):
        _page()
