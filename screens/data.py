"""Dữ liệu / Data: who has submitted what (unit × year), the reports' own slips, the load log; files
checked by the ETL's own rules and shown row by row before anything is loaded; the Excel template."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import safety
from monitor import audit, auth, views
from monitor.i18n import fmt_number
from monitor.uploads import Checked, check_uploads, record_check, template_bytes
from screens import _ui

c = _ui.ctx()
st.title(c.t("data_title"))


def _record_upload(files: list[tuple[str, bytes]], checked: Checked, gate: auth.LoadGate) -> None:
    """One audit line per batch of files a session checks (not one per rerun). The read-only demo
    (loading off) writes nothing, not even the audit."""
    if not c.uploads:
        return
    key = (c.who, tuple((name, audit.sha256(data)) for name, data in files))
    done: set = st.session_state.setdefault("_audited_uploads", set())
    if key in done:
        return
    record_check(c.db, c.who, files, checked, gate)
    done.add(key)


def _checked(files: list[tuple[str, bytes]]) -> Checked | None:
    """The batch checked, or None when it was refused before any parser ran (its size, rows or cells over the
    limits, or the server busy with two others): the refusal is said here and audited once a session."""
    refused = safety.screen_batch(files)
    if not refused:
        try:
            with safety.work_slot():
                return check_uploads(files, c.db)
        except safety.UnsafeUpload as exc:
            refused = [str(exc)]
    for message in refused:
        st.error(c.t("upload_refused", reason=_ui.esc(message)))
    key = (c.who, tuple((name, audit.sha256(data)) for name, data in files))
    done: set = st.session_state.setdefault("_audited_uploads", set())
    if c.uploads and key not in done:  # the read-only demo writes nothing
        audit.record_upload(c.db, c.who, files, "refused", len(refused), refused[0])
        done.add(key)
    return None


def _audit_section() -> None:
    st.subheader(c.t("audit_title"))
    st.caption(c.t("audit_help"))
    entries, bad = audit.read_audit(c.db)
    if bad:
        st.warning(c.t("audit_unreadable", n=bad))
    if not entries:
        st.info(c.t("audit_none"))
        return
    rows = pd.DataFrame(audit.audit_rows(entries))
    at = pd.to_datetime(rows["at"], errors="coerce", utc=True)
    st.dataframe(pd.DataFrame({
        c.t("audit_at"): at.dt.strftime("%d/%m/%Y %H:%M:%S").fillna(rows["at"]),
        c.t("audit_user"): rows["user"],
        c.t("audit_event"): rows["event"].map(lambda e: c.t(f"event_{e}") if e in ("load", "upload") else e),
        c.t("audit_files"): rows["files"],
        c.t("audit_sha"): rows["sha256"],
        c.t("result"): rows["result"].map(lambda r: c.t(f"result_{r}") if f"result_{r}" in RESULT_KEYS else r),
        c.t("audit_problems"): rows["problems"],
        c.t("audit_first_problem"): rows["first_problem"],
    }), hide_index=True, key="data_audit")


RESULT_KEYS = {f"result_{r}" for r in ("loaded", "unchanged", "rejected", *audit.UPLOAD_RESULTS)}


with _ui.guard(c):
    if not _ui.data_missing(c):
        names = c.names()
        shown = [c.scope, *[r for r in c.rows if r != c.scope]]
        st.subheader(c.t("completeness"))
        st.caption(c.t("completeness_help"))
        matrix = c.memo("data_completeness", compute=lambda: views.completeness_matrix(
            c.store.completeness(shown, c.term.start, c.term.end), c.units, c.lang))
        st.dataframe(matrix, hide_index=True)

        st.subheader(c.t("findings"))
        found = c.memo("data_findings", compute=lambda: c.store.findings(c.scope_units(), c.term.start, c.term.end))
        if found.empty:
            st.success(c.t("findings_none"))
        else:
            st.caption(c.t("findings_count", n=len(found)))
            st.dataframe(views.findings_table(found, c.catalog, names, c.lang), hide_index=True)

        st.subheader(c.t("load_log"))
        log = c.store.load_log()
        if log.empty:
            st.info(c.t("load_log_none"))
        else:
            st.dataframe(pd.DataFrame({
                "#": log["load_id"].astype(str),
                c.t("file"): log["file"],
                c.t("rows"): [fmt_number(x, c.lang) for x in log["rows"]],
                c.t("loaded_at"): pd.to_datetime(log["loaded_at"]).dt.strftime("%d/%m/%Y %H:%M"),
                c.t("result"): log["result"].map(lambda r: c.t(f"result_{r}") if r in ("loaded", "unchanged") else r),
                c.t("user"): log["user_name"],
            }), hide_index=True)

    st.subheader(c.t("upload"))
    st.caption(c.t("upload_help"))
    st.page_link("screens/extract.py", label=c.t("upload_from_report"), icon=":material/document_scanner:",
                 query_params=c.url())
    uploaded = None
    if c.user is not None and not c.user.can_load:  # a signed-in viewer looks; only who may load makes the server parse
        st.info(c.t("upload_viewer"))
    else:
        uploaded = st.file_uploader(c.t("upload"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True,
                                    key="data_upload", label_visibility="collapsed")
    checked = None
    if uploaded:
        files = [(f.name, f.getvalue()) for f in uploaded]
        checked = _checked(files)
    if checked is not None:
        for message in checked.refused:
            st.error(c.t("upload_refused", reason=_ui.esc(message)))
        codes = sorted(set(checked.rows["unit_code"])) if "unit_code" in checked.rows else []
        gate = auth.may_load(c.user, codes, c.uploads)
        _record_upload(files, checked, gate)
        if checked.report is not None:
            rows = sum(i.rows for i in checked.report.files)
            if checked.report.ok:
                st.success(c.t("check_ok", rows=fmt_number(rows, c.lang), files=len(checked.report.files)))
            else:
                st.error(c.t("check_failed", n=len(checked.report.problems)))
                st.markdown(f"**{c.t('problems')}**")
                st.dataframe(checked.problems.rename(columns={
                    "file": c.t("file"), "sheet": c.t("sheet"), "row": c.t("row"), "column": c.t("column"),
                    "rule": c.t("rule"), "message": c.t("message")}), hide_index=True)
            about = views.findings_about(checked.report.finding_rows, checked.rows)
            if not about.empty:
                st.warning(c.t("findings_count", n=len(about)))
                st.dataframe(views.findings_table(about, c.catalog, c.names(), c.lang), hide_index=True)
            if not checked.rows.empty:
                st.markdown(f"**{c.t('rows_checked')}**")
                view = checked.rows.assign(problems=lambda d: d["problems"].map(
                    lambda p: f"✖ {p}" if p else f"✔ {c.t('ok')}"))
                st.dataframe(view.rename(columns={"problems": c.t("status"), "file": c.t("file"),
                                                  "row": c.t("row"), "sheet": c.t("sheet")}), hide_index=True)
            _ui.load_button(c, checked, gate, key="data_load")

    if c.user is None or c.user.is_admin:  # the demo has no users: whoever opens it sees everything
        _audit_section()

    st.subheader(c.t("template_download"))
    template_units = [] if c.units.empty else [
        (code, c.units.set_index("unit_code").loc[code, "name_vi"]) for code in c.rows]
    st.caption(c.t("template_help", name=_ui.esc(c.unit_label(c.scope) or "—")))
    store, catalog = c.store, c.catalog

    def data() -> bytes:  # built when the button is clicked: a province's workbook takes seconds
        if store is None:
            return template_bytes(catalog, template_units)
        return store.memo(("template", tuple(template_units)), lambda: template_bytes(catalog, template_units))

    st.download_button(c.t("template_download"), data=data, file_name="mau-nhap-lieu.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", key="data_template")
