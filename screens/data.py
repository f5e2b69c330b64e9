"""Dữ liệu / Data: who has submitted what (unit × year), the reports' own slips, the load log; files
checked by the ETL's own rules and shown row by row before anything is loaded; figures that differ from
the database, to replace one by one with a reason; the corrections made; the database's kept versions,
to restore; the Excel template.

After a load or a restore the page runs again at once, so everything on it (and on every page) reads the
new database; what the load did is said at the top of that run."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import audit
from core.i18n import fmt_number
from core.problems import rows_frame
from monitor import auth, submissions, versions
from monitor.store import file_identity
from monitor.uploads import (
    Checked,
    Report,
    check_batch,
    conflict_key,
    conflict_table,
    corrections_table,
    only_conflicts,
    record_check,
    template_bytes,
    upload_findings,
    upload_findings_table,
)
from screens import _missing
from screens._context import ctx
from screens._escape import esc
from screens._guard import data_missing, guard, log
from screens._load import load_button

c = ctx()
st.title(c.t("data_title"))

DONE_KEY = "_data_done"  # what the last load or restore did, said once in the run that reads the new file
ROUND_KEY = "_data_upload_round"  # part of the uploader's key: a new uploader, empty, after a load
CHECKED_KEY = "_data_checked"  # the last batch checked, with what it was checked against
WRAP_ROW = 72  # px: Streamlit wraps a cell's text only in rows taller than 4rem, so long messages are read whole


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


def _done(messages: list[str]) -> None:
    """Say `messages` in the next run, which reads the new database, with an empty uploader."""
    st.session_state[DONE_KEY] = messages
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    st.session_state.pop(CHECKED_KEY, None)
    st.rerun()


def _loaded(report: Report) -> None:
    messages = [c.t("load_done", files=len(report.files), inserted=report.inserted, unchanged=report.unchanged,
                    findings=len(report.findings))]
    if report.replaced is not None and (not report.replaced.empty or report.kept is not None):
        messages.append(c.t("load_done_replaced", replaced=len(report.replaced),
                            kept=0 if report.kept is None else len(report.kept)))
    if report.new_findings is not None:
        messages.append(c.t("findings_total_split", n=len(report.findings), new=report.new_findings))
    if report.version:
        messages.append(c.t("load_done_version", n=report.version))
    _done(messages)


def _say_done() -> None:
    for message in st.session_state.pop(DONE_KEY, []):
        st.success(message)


def _overview() -> None:
    names = c.names()
    shown = [c.scope, *[r for r in c.rows if r != c.scope]]
    st.subheader(c.t("completeness"))
    st.caption(c.t("completeness_help"))
    matrix = c.memo("data_completeness", compute=lambda: submissions.completeness_matrix(
        c.store.completeness(shown, c.term.start, c.term.end), c.units, c.lang))
    st.dataframe(matrix, hide_index=True, key="data_completeness")

    st.subheader(c.t("findings"))
    found = c.memo("data_findings", compute=lambda: c.store.findings(c.scope_units(), c.term.start, c.term.end))
    if found.empty:
        st.success(c.t("findings_none"))
    else:
        st.caption(c.t("findings_count", n=len(found)))
        # the detail is a formula said in words ('cao cấp 59 + trung cấp 266 + sơ cấp 8 = 333'): room for it
        widths = {c.t("unit"): 120, c.t("year"): 50, c.t("period"): 70, c.t("measure"): 190,
                  c.t("finding_figure_first"): 120, c.t("finding_figure_second"): 140, c.t("detail"): 130,
                  c.t("rule"): 120}
        st.dataframe(submissions.findings_table(found, c.catalog, names, c.lang), hide_index=True, key="data_findings",
                     row_height=WRAP_ROW,
                     column_config={name: st.column_config.TextColumn(width=w) for name, w in widths.items()})

    st.subheader(c.t("load_log"))
    loads = c.store.load_log()
    if loads.empty:
        st.info(c.t("load_log_none"))
    else:
        st.dataframe(pd.DataFrame({
            "#": loads["load_id"].astype(str),
            c.t("file"): loads["file"].map(audit.display_name),
            c.t("rows"): [fmt_number(x, c.lang) for x in loads["rows"]],
            c.t("loaded_at"): pd.to_datetime(loads["loaded_at"]).dt.strftime("%d/%m/%Y %H:%M"),
            c.t("result"): loads["result"].map(lambda r: c.t(f"result_{r}") if r in ("loaded", "unchanged") else r),
            c.t("user"): loads["user_name"],
        }), hide_index=True, key="data_load_log")


def _uploads() -> list[tuple[str, bytes]]:
    """The files in the uploader as (name, bytes); none for a signed-in viewer, who looks but does not make
    the server parse (the limits on what is read are in _checked, before any parser)."""
    if c.user is not None and not c.user.can_load:
        st.info(c.t("upload_viewer"))
        return []
    uploaded = st.file_uploader(c.t("upload"), type=["csv", "xlsx", "parquet"], accept_multiple_files=True,
                                key=f"data_upload_{st.session_state.get(ROUND_KEY, 0)}",
                                label_visibility="collapsed")
    st.caption(c.t("uploader_words", mb=st.get_option("server.maxUploadSize")))
    return [(f.name, f.getvalue()) for f in uploaded or []]


def _checked(files: list[tuple[str, bytes]]) -> Checked | None:
    """The check of these files against the database as it is now: once per batch and database version,
    not on every rerun (ticking a box reruns the page). None when the batch was refused before any parser
    ran (its size, rows or cells over the limits, or the server busy with two others): the refusal is said
    here and audited once a session."""
    key = (tuple((name, audit.sha256(data)) for name, data in files), file_identity(c.db), c.lang)
    held = st.session_state.get(CHECKED_KEY)
    if held is not None and held[0] == key:
        return held[1]
    outcome = check_batch(files, c.db, c.lang, c.names())
    if isinstance(outcome, Checked):
        st.session_state[CHECKED_KEY] = (key, outcome)
        return outcome
    refused = outcome  # said in the page's language, before any parser ran
    for message in refused:
        st.error(c.t("upload_refused", reason=esc(message)))
    seen = (c.who, key[0])
    done: set = st.session_state.setdefault("_audited_uploads", set())
    if c.uploads and seen not in done:  # the read-only demo writes nothing
        audit.record_upload(c.db, c.who, files, "refused", len(refused), refused[0])
        done.add(seen)
    return None


def _conflicts(checked: Checked, gate: auth.LoadGate) -> None:
    """The figures that differ from the database, one by one; those ticked are replaced, with a reason."""
    report = checked.report
    assert report is not None and report.conflicts is not None
    st.subheader(c.t("conflicts_title"))
    st.caption(c.t("conflicts_help", n=len(report.conflicts)))
    table = conflict_table(report.conflicts, c.catalog, c.names(), checked.names, c.lang)
    replace = c.t("conflict_replace")
    allowed = gate.allowed
    col = st.column_config
    widths = {c.t("unit"): 110, c.t("year"): 50, c.t("measure"): 175, c.t("conflict_old"): 95,
              c.t("conflict_new"): 65, c.t("conflict_old_source"): 165, c.t("conflict_new_source"): 90}
    edited = st.data_editor(table.assign(**{replace: False})[[replace, *table.columns]], hide_index=True,
                            disabled=list(table.columns) if allowed else True, key="data_conflicts",
                            row_height=WRAP_ROW + 8,
                            column_config={replace: col.CheckboxColumn(replace, width=65),
                                           **{name: col.TextColumn(width=w) for name, w in widths.items()}})
    if not allowed:
        load_button(c, checked, gate, key="data_conflicts_load")  # says why not
        return
    chosen = [conflict_key(r) for r, tick in zip(report.conflicts.itertuples(index=False), edited[replace],
                                                 strict=True) if tick]
    reason = st.text_input(c.t("conflict_reason"), key="data_conflict_reason", max_chars=500,
                           help=c.t("conflict_reason_help")).strip()
    if chosen and not reason:
        st.warning(c.t("conflict_reason_missing"))
    label = c.t("conflict_load", n=len(chosen)) if chosen else c.t("conflict_load_none")
    loaded = load_button(c, checked, gate, key="data_conflicts_load", label=label, replace=chosen,
                         reason=reason, ready=not chosen or bool(reason), announce=False)
    if loaded is not None:
        _loaded(loaded)


def _upload_section() -> None:
    st.subheader(c.t("upload"))
    st.caption(c.t("upload_help"))
    st.page_link("screens/extract.py", label=c.t("upload_from_report"), icon=":material/document_scanner:",
                 query_params=c.url())
    files = _uploads()
    if not files:
        return
    checked = _checked(files)
    if checked is None:
        return
    for message in checked.refused:
        st.error(esc(message))
    codes = sorted(set(checked.rows["unit_code"])) if "unit_code" in checked.rows else []
    gate = auth.may_load(c.user, codes, c.uploads)
    _record_upload(files, checked, gate)
    _missing.covers(c, checked.rows)
    report = checked.report
    if report is None:
        return
    rows = sum(i.rows for i in report.files)
    resolvable = only_conflicts(checked)
    if report.ok:
        st.success(c.t("check_ok", rows=fmt_number(rows, c.lang), files=len(report.files)))
    elif not resolvable:
        st.error(c.t("check_failed", n=len(report.problems)))
        st.markdown(f"**{c.t('problems')}**")
        st.dataframe(checked.problems.rename(columns={
            "file": c.t("file"), "sheet": c.t("sheet"), "row": c.t("row"), "column": c.t("column"),
            "rule": c.t("rule"), "message": c.t("message")}), hide_index=True, key="data_problems",
            row_height=WRAP_ROW + 12, column_config={c.t("file"): st.column_config.TextColumn(width=110),
                                                     c.t("sheet"): st.column_config.TextColumn(width=110),
                                                     c.t("message"): st.column_config.TextColumn(width=470)})
    about, new, old = upload_findings(checked)
    if not about.empty:
        st.warning(c.t("findings_split", n=len(about), new=new, old=old))
        st.dataframe(upload_findings_table(checked, about, c.catalog, c.names(), c.lang), hide_index=True,
                     key="data_upload_findings", row_height=WRAP_ROW,
                     column_config={c.t("finding_new"): st.column_config.TextColumn(width=45),
                                    c.t("year"): st.column_config.TextColumn(width=55),
                                    c.t("measure"): st.column_config.TextColumn(width=210),
                                    c.t("finding_figure_first"): st.column_config.TextColumn(width=110),
                                    c.t("finding_figure_second"): st.column_config.TextColumn(width=130),
                                    c.t("finding_in_file"): st.column_config.TextColumn(width=140),
                                    c.t("rule"): st.column_config.TextColumn(width=120)})
    if not checked.rows.empty:
        with st.expander(c.t("rows_checked"), expanded=not report.ok and not resolvable):
            view = checked.rows.assign(problems=lambda d: d["problems"].map(
                lambda p: f"✖ {p}" if p else f"✔ {c.t('ok')}"))
            st.dataframe(rows_frame(view, c.lang, c.names()), hide_index=True, key="data_rows_checked")
    if resolvable:
        _conflicts(checked, gate)
        return
    loaded = load_button(c, checked, gate, key="data_load", announce=False)
    if loaded is not None:
        _loaded(loaded)


def _corrections_section() -> None:
    st.subheader(c.t("corrections_title"))
    st.caption(c.t("corrections_help"))
    entries, _ = audit.read_audit(c.db)
    rows = audit.replacement_rows(entries)
    if not rows:
        st.info(c.t("corrections_none"))
        return
    names = c.names() if c.store is not None and not c.units.empty else {}
    table = corrections_table(rows, c.catalog, names, c.lang)
    widths = {c.t("audit_at"): 110, c.t("correction_user"): 75, c.t("correction_figure"): 230,
              c.t("conflict_old"): 95, c.t("conflict_new"): 65, c.t("correction_reason"): 230}
    st.dataframe(table, hide_index=True, key="data_corrections", row_height=WRAP_ROW,
                 column_config={name: st.column_config.TextColumn(width=w) for name, w in widths.items()})


def _may_restore() -> bool:
    return c.uploads and (c.user is None or c.user.is_admin)


def _versions_section() -> None:
    st.subheader(c.t("versions_title"))
    limit = versions.retention()
    st.caption(c.t("versions_help", count=limit.count, mb=fmt_number(limit.bytes // (1024 * 1024), c.lang)))
    kept = versions.list_versions(c.db)
    if not kept:
        st.info(c.t("versions_none"))
        return
    st.dataframe(versions.versions_table(kept, c.lang), hide_index=True, key="data_versions", row_height=WRAP_ROW,
        column_config={c.t("version_no"): st.column_config.TextColumn(width=70),
                       c.t("version_saved"): st.column_config.TextColumn(width=125),
                       c.t("version_last_load"): st.column_config.TextColumn(width=260)})
    if not _may_restore():
        if c.uploads:
            st.caption(c.t("version_admin_only"))
        return
    numbers = [v.number for v in kept]
    number = st.selectbox(c.t("version_pick"), numbers, key="data_version_pick", width=200)
    sure = st.checkbox(c.t("version_confirm"), key=f"data_version_confirm_{st.session_state.get(ROUND_KEY, 0)}")
    if not st.button(c.t("version_restore"), disabled=not sure, icon=":material/history:", key="data_version_restore"):
        return
    try:
        into = versions.restore(c.db, int(number), user=c.who)
    except versions.VersionNotFound:
        st.error(c.t("version_gone", n=number))
    except versions.LoadBusy as exc:
        st.error(c.t("load_busy", error=esc(exc)))
    except versions.AuditFailed:
        log.exception("audit not written")
        st.error(c.t("load_not_recorded"))
    else:
        _done([c.t("version_restored", n=number, saved=into.number)])


def _audit_section() -> None:
    st.subheader(c.t("audit_title"))
    # without sign-in the section is open to whoever opens the dashboard (see the call below)
    st.caption(c.t("audit_help_open" if c.user is None else "audit_help_admin", help=c.t("audit_help")))
    entries, bad = audit.read_audit(c.db)
    if bad:
        st.warning(c.t("audit_unreadable", n=bad))
    if not entries:
        st.info(c.t("audit_none"))
        return
    rows = pd.DataFrame(audit.audit_rows(entries))
    at = pd.to_datetime(rows["at"], errors="coerce", utc=True)
    table = {
        c.t("audit_at"): at.dt.strftime("%d/%m/%Y %H:%M:%S").fillna(rows["at"]),
        c.t("audit_user"): rows["user"],
        c.t("audit_event"): rows["event"].map(lambda e: c.t(f"event_{e}") if e in EVENTS else e),
        c.t("audit_files"): rows["files"],
        c.t("audit_fingerprint"): rows["sha256"],
        c.t("result"): rows["result"].map(lambda r: c.t(f"result_{r}") if f"result_{r}" in RESULT_KEYS else r),
        c.t("audit_problems"): rows["problems"],
        c.t("audit_first_problem"): rows["first_problem"],
    }
    # A file's fingerprint serves the signed-in administrator, who answers for which file was loaded; the
    # demo without sign-in shows its log to anyone, to whom the code says nothing.
    fingerprint = {c.t("audit_fingerprint"): st.column_config.TextColumn(help=c.t("audit_fingerprint_help"))}
    if c.user is None:
        table.pop(c.t("audit_fingerprint"))
        fingerprint = {}
    st.dataframe(pd.DataFrame(table), hide_index=True, key="data_audit", column_config=fingerprint)


EVENTS = ("load", "upload", "rollback", "assessment")  # assessment: the committee's, from the Unit page
RESULT_KEYS = {f"result_{r}" for r in ("loaded", "unchanged", "rejected", "restored", "saved", "cleared",
                                       *audit.UPLOAD_RESULTS)}


def _template_section() -> None:
    st.subheader(c.t("template_download"))
    template_units = [] if c.units.empty else [
        (code, c.units.set_index("unit_code").loc[code, "name_vi"]) for code in c.rows]
    st.caption(c.t("template_help", name=esc(c.unit_label(c.scope) or "—")))
    store, catalog, db = c.store, c.catalog, c.db

    def data() -> bytes:  # built when the button is clicked: a province's workbook takes seconds
        if store is None:
            return template_bytes(catalog, template_units, db)
        return store.memo(("template", tuple(template_units)), lambda: template_bytes(catalog, template_units, db))

    st.download_button(c.t("template_download"), data=data, file_name="mau-nhap-lieu.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", key="data_template")


with guard(c):
    _say_done()
    if not data_missing(c):
        _overview()
    _upload_section()
    _corrections_section()
    _versions_section()
    if not data_missing(c):
        _missing.section(c)
    if c.user is None or c.user.is_admin:  # the demo has no users: whoever opens it sees everything
        _audit_section()
    _template_section()
