"""How a filter's choice survives a page change and a shared link: selection widgets whose value lives in the
session and in the URL (?key=...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from core.i18n import DEFAULT_LANG, t
from screens._escape import esc

LAST_KEY = "_qp_last"  # the URL values this session last wrote or applied, per key


def _valid(value: Any, options: Sequence[str], multi: bool) -> bool:
    if multi:
        return isinstance(value, list) and all(v in options for v in value)
    return value in options


def url_select(key: str, options: Sequence[str], default: Any, *, label: str,
               format_func: Callable[[Any], str] = str, where: Any = None, widget: str = "selectbox",
               notices: list[str] | None = None, lang: str = DEFAULT_LANG, help: str | None = None,
               placeholder: str | None = None, max_selections: int | None = None) -> Any:
    """A selectbox / radio / multiselect whose value lives in session state and in the URL (?key=...).

    A URL value is applied when it differs from what this session last wrote (a pasted link, or a
    switch_page with parameters); an invalid one is ignored with a notice. The value survives page
    changes (which clear the URL) and is written back to the URL on every run.
    """
    where = where if where is not None else st
    multi = widget == "multiselect"
    options = list(options)
    wkey, keep = f"f_{key}", f"keep_{key}"
    last: dict[str, str] = st.session_state.setdefault(LAST_KEY, {})
    raw = st.query_params.get(key)
    if raw is not None and raw != last.get(key):
        wanted: Any = [v for v in raw.split(",") if v] if multi else raw
        if _valid(wanted, options, multi):
            st.session_state[wkey] = wanted
        else:
            if notices is not None:
                # a value of any length may come in a link: a notice shows its start only
                shown = raw if len(raw) <= 60 else raw[:60] + "…"
                notices.append(t("invalid_param", lang, param=key, value=esc(shown)))
            if multi:
                st.session_state[wkey] = [v for v in wanted if v in options]
        last[key] = raw
    if multi and max_selections and len(st.session_state.get(wkey) or []) > max_selections:
        st.session_state[wkey] = list(st.session_state[wkey])[:max_selections]
    if wkey not in st.session_state or not _valid(st.session_state[wkey], options, multi):
        kept = st.session_state.get(keep)
        st.session_state[wkey] = kept if kept is not None and _valid(kept, options, multi) else default
    if widget == "radio":
        value = where.radio(label, options, key=wkey, format_func=format_func, horizontal=True, help=help)
    elif multi:
        value = where.multiselect(label, options, key=wkey, format_func=format_func, help=help,
                                  placeholder=placeholder or t("all", lang), max_selections=max_selections,
                                  select_all=False)  # Streamlit's "Select all" has no Vietnamese
    else:
        value = where.selectbox(label, options, key=wkey, format_func=format_func, help=help)
    st.session_state[keep] = value
    text = ",".join(value) if multi else str(value)
    if text:
        if st.query_params.get(key) != text:
            st.query_params[key] = text
    elif key in st.query_params:
        del st.query_params[key]
    last[key] = text
    return value
