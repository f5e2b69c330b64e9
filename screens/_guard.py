"""What a page says instead of a traceback or an empty page: a sentence when there is no data to show, and
one when the page fails (the traceback goes to the server log)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from monitor.store import StoreClosed
from screens._context import Ctx
from screens._escape import esc

log = logging.getLogger("monitor.dashboard")


def data_missing(c: Ctx) -> bool:
    """Say why there is nothing to show, if so; the caller decides what of the page still makes sense."""
    if c.error:
        st.error(c.error)
    elif c.store is None:
        st.info(c.t("no_db", path=str(c.db)))  # MONITOR_DB, set by whoever runs the server
    elif c.units.empty:
        st.info(c.t("no_units"))
    else:
        return False
    return True


def require_data(c: Ctx) -> None:
    """Stop the page with a sentence when there is nothing to show."""
    if data_missing(c):
        st.stop()


_STORE_RERUN = "_store_closed_rerun"  # one rerun per closed Store, never a loop


@contextmanager
def guard(c: Ctx) -> Iterator[None]:
    """An error in a page becomes one sentence on the page (the traceback goes to the server log)."""
    try:
        yield
        st.session_state.pop(_STORE_RERUN, None)
    except StoreClosed:  # the file was replaced while this run read the old one: run again on the new one
        if st.session_state.pop(_STORE_RERUN, None) is None:
            st.session_state[_STORE_RERUN] = True
            st.rerun()
        log.exception("page failed")
        st.error(c.t("page_error", error=esc("StoreClosed")))
    except Exception as exc:  # the reader gets a sentence, the log gets the rest
        log.exception("page failed")
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        st.error(c.t("page_error", error=esc(f"{type(exc).__name__}{': ' + message if message else ''}")))
