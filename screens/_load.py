"""May this session load, and the load: the button, the all-or-nothing load of checked files and its outcome
in a sentence (monitor.uploads.load_checked), or why loading is not allowed."""

from __future__ import annotations

from collections.abc import Callable, Collection

import streamlit as st

from core.problems import problems_frame
from monitor import auth
from monitor.uploads import AuditFailed, Checked, Key, LoadBusy, LoadRejected, Report, load_checked
from screens._context import Ctx
from screens._escape import esc
from screens._guard import log


def gate_message(c: Ctx, gate: auth.LoadGate) -> str:
    """Why auth.may_load refused, as a sentence safe to show in Markdown ("" when allowed)."""
    if gate.allowed:
        return ""
    mine = ", ".join(c.user.units) if c.user is not None else ""
    return c.t(gate.reason, units=esc(", ".join(gate.foreign)), mine=esc(mine or "—"))


def load_button(c: Ctx, checked: Checked, gate: auth.LoadGate, *, key: str,
                findings: Callable[[Report], int] = lambda r: len(r.findings), label: str = "",
                replace: bool | Collection[Key] = False, reason: str = "", ready: bool | None = None,
                announce: bool = True) -> Report | None:
    """Why loading is not allowed, or the load button; pressed, the all-or-nothing load of the checked
    files and its outcome in a sentence. The report when the database was replaced. `replace` and
    `reason`: which side wins a conflict with the database (monitor.uploads.load_checked); `ready`: whether the batch
    may be loaded (default: it passed the check); `announce`: False when the caller says what was loaded."""
    if not gate.allowed:
        (st.info if gate.reason == "load_disabled" else st.error)(gate_message(c, gate))
        return None
    if ready is False:  # said why beside it; the button shows what it will do once ready
        st.button(label or c.t("load_button"), type="primary", key=key, disabled=True)
        return None
    if ready is None and not checked.ok:
        return None
    if not st.button(label or c.t("load_button"), type="primary", key=key):
        return None
    try:
        report = load_checked(checked, c.db, user=c.who, replace=replace, reason=reason)
    except LoadRejected as exc:  # the database changed since the check: say what, nothing was loaded
        st.error(c.t("load_rejected", n=len(exc.problems)))
        st.dataframe(problems_frame(exc.problems, c.lang, c.names(), checked.names), hide_index=True)
    except LoadBusy as exc:
        st.error(c.t("load_busy", error=esc(exc)))
    except AuditFailed:  # the audit could not be written: nothing was loaded (the server log says why)
        log.exception("audit not written")
        st.error(c.t("load_not_recorded"))
    else:
        if announce:
            st.success(c.t("load_done", files=len(report.files), inserted=report.inserted,
                           unchanged=report.unchanged, findings=findings(report)))
        return report
    return None
