"""What every page shares: the sidebar filters (kept across pages and in the URL), the page context,
the chart and legend widgets, and the guard that turns an error into a sentence, never a traceback.

Only layout lives here; data comes from monitor.store and monitor's page modules.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.catalog import Catalog, Term
from core.i18n import (
    DEFAULT_LANG,
    LANGS,
    STATUS_CODES,
    status_help,
    status_label,
    t,
    unit_name,
)
from core.problems import problems_frame
from etl.load import AuditFailed, Key, LoadBusy, LoadRejected, Report
from monitor import auth, by_indicator, labels, overview, unit_tree
from monitor.charts import plotly_config
from monitor.status_html import status_chips
from monitor.store import Store, StoreClosed
from monitor.uploads import Checked, load_checked

log = logging.getLogger("monitor.dashboard")
T = TypeVar("T")
CTX_KEY = "_ctx"
LAST_KEY = "_qp_last"  # the URL values this session last wrote or applied, per key


@dataclass
class Ctx:
    """Everything a page needs to lay itself out; built once per run by app.py."""

    store: Store | None
    catalog: Catalog
    db: Path
    lang: str = DEFAULT_LANG
    term: Term | None = None
    as_of: int | None = None
    kind: str = ""
    scope: str | None = None
    org_types: tuple[str, ...] = ()
    group: str = ""
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows: list[str] = field(default_factory=list)
    uploads: bool = False  # may the dashboard load at all (auth.uploads_enabled); roles decide the rest
    error: str = ""
    user: auth.User | None = None  # None: no login configured (the demo)

    def t(self, key: str, **fill: Any) -> str:
        return t(key, self.lang, **fill)

    @property
    def years(self) -> list[int]:
        return list(self.term.years) if self.term else []

    @property
    def who(self) -> str:
        """The name the load log and the audit record: the signed-in user, or the dashboard in the demo."""
        return self.user.username if self.user is not None else "dashboard"

    def unit_label(self, code: str | None) -> str:
        if code is None:
            return ""
        hit = self.units[self.units["unit_code"] == code]
        return unit_name(hit.iloc[0], self.lang) if len(hit) else code

    def scope_units(self) -> list[str]:
        if not self.scope or self.store is None:
            return []
        return self.store.memo(("subtree", self.scope), lambda: unit_tree.subtree(self.units, self.scope))

    def values(self, org_types: Sequence[str] | None = None) -> pd.DataFrame:
        """Indicator values over the scope's subtree (the sidebar's organisation types unless given)."""
        assert self.store is not None and self.term is not None
        org = self.org_types if org_types is None else tuple(org_types)
        return self.store.values(self.scope_units(), org or None, self.term.id)

    def assessed(self) -> pd.DataFrame:
        assert self.store is not None and self.term is not None
        return self.store.assessed(self.scope_units(), self.org_types or None, self.term.id, self.as_of)

    def memo(self, name: str, *extra: Hashable, compute: Callable[[], T]) -> T:
        """compute() once per database version and view (filters, language, `extra`): a rerun that
        changes nothing rebuilds neither tables nor figures."""
        assert self.store is not None and self.term is not None
        key = (name, self.term.id, self.as_of, self.scope, self.kind, self.org_types, self.group, self.lang, *extra)
        return self.store.memo(key, compute)

    def names(self) -> dict[str, str]:
        assert self.store is not None
        term = self.term.id if self.term else ""  # each term has its own units
        return self.store.memo(("names", self.lang, term), lambda: labels.unit_names(self.units, self.lang))

    def url(self, **extra: str) -> dict[str, str]:
        """The current filters as query parameters, for a link that reproduces the view."""
        params = {k: v for k, v in (st.session_state.get(LAST_KEY) or {}).items() if k in GLOBAL_KEYS}
        params.update(extra)
        return params


def esc(text: Any) -> str:
    """Text from a file, a URL, the database or a user, made literal inside Markdown (st.markdown,
    st.caption, st.error…): every character Markdown or Streamlit could read as inline syntax is
    backslash-escaped (emphasis, links, HTML, `:colour[…]`, emoji, `$maths$`), line breaks become
    spaces, and a heading or list marker at the start is escaped too."""
    one_line = " ".join(str(text).splitlines())
    inline = _MD_INLINE.sub(r"\\\g<0>", one_line)
    inline = _MD_UNDERSCORE.sub(r"\\_", inline)
    inline = _MD_WWW.sub(r"\1\\.", inline)
    # Streamlit links bare addresses whatever the escapes: an invisible word joiner after the scheme,
    # the www or the @ keeps them plain text.
    inline = _LINKISH.sub("\\g<0>\u2060", inline).replace("\\@", "\\@\u2060")
    return _MD_START.sub(r"\1\\\2", inline, count=1)


_MD_INLINE = re.compile(r"[\\`*\[\]<>|~$:&@]")
# An underscore between two letters or digits (drop_table) cannot start or end emphasis: left as is.
_MD_UNDERSCORE = re.compile(r"_(?![^\W_])|(?<![^\W_])_")
_MD_WWW = re.compile(r"(?i)\b(www)\.")  # GFM links a bare www.… even without a scheme
_LINKISH = re.compile(r"(?i)\b(?:https?|ftp|mailto|www)(?=\\[:.])")
_MD_START = re.compile(r"^(\s*\d*)([#+=-]|(?<=\d)[.)])")


def gate_message(c: Ctx, gate: auth.LoadGate) -> str:
    """Why auth.may_load refused, as a sentence safe to show in Markdown ("" when allowed)."""
    if gate.allowed:
        return ""
    mine = ", ".join(c.user.units) if c.user is not None else ""
    return c.t(gate.reason, units=esc(", ".join(gate.foreign)), mine=esc(mine or "—"))


GLOBAL_KEYS = ("lang", "term", "year", "unit", "kind", "org", "group")


def ctx() -> Ctx:
    if CTX_KEY not in st.session_state:  # a page file run without app.py around it
        st.info(t("app_caption"))
        st.page_link("app.py", label=t("app_title"))
        st.stop()
    return st.session_state[CTX_KEY]


# -- URL-backed selection widgets -------------------------------------------------------------------

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


# -- the sidebar ------------------------------------------------------------------------------------

def language() -> str:
    return url_select("lang", LANGS, DEFAULT_LANG, label=f"{t('language', 'vi')} / {t('language', 'en')}",
                      where=st.sidebar, widget="radio", format_func=lambda code: t(f"lang_{code}", code))


def sidebar(store: Store | None, catalog: Catalog, db: Path, lang: str, error: str = "") -> Ctx:
    """Render the filters and return the page context. Invalid URL values are reported on the page."""
    notices: list[str] = []
    c = Ctx(store=store, catalog=catalog, db=db, lang=lang, error=error)
    sb = st.sidebar
    sb.subheader(t("filters", lang))
    terms = list(catalog.terms)
    years_with_data = store.years() if store is not None else []
    # the term of the latest figures; 2025, shared by two terms, is the earlier one's last year (issue 19)
    latest = catalog.term_of(max(years_with_data)) if years_with_data else None
    default_term = latest.id if latest is not None else terms[-1]
    term_id = url_select("term", terms, default_term, label=t("term", lang), where=sb, notices=notices, lang=lang,
                         format_func=lambda tid: catalog.terms[tid].name(lang))
    c.term = catalog.terms[term_id]
    years = [str(y) for y in c.term.years]
    in_term = [y for y in years_with_data if y in c.term.years]
    default_year = str(max(in_term)) if in_term else str(c.term.midterm)
    c.as_of = int(url_select("year", years, default_year, label=t("as_of", lang), where=sb, notices=notices,
                             lang=lang))
    units = store.units_of_term(c.term) if store is not None else pd.DataFrame(
        columns=["unit_code", "name_vi", "name_en", "parent_code", "kind"])
    c.units = units
    if not units.empty:
        order = store.memo(("tree_order", term_id), lambda: unit_tree.tree_order(units))
        codes = [code for code, _ in order]
        depth = dict(order)
        names = store.memo(("names", lang, term_id), lambda: labels.unit_names(units, lang))
        start = unit_tree.default_scope(units, store.busiest_parent() if store is not None else None)
        scope = url_select("unit", codes, start, label=t("unit_scope", lang),
                           where=sb, notices=notices, lang=lang,
                           format_func=lambda code: "· " * depth.get(code, 0) + names.get(code, code))
        c.scope = scope
        below = set(store.memo(("subtree", scope), lambda: unit_tree.subtree(units, scope))) - {scope}
        kinds_below = [k for k in catalog.unit_kinds if k in set(units.loc[units["unit_code"].isin(below), "kind"])]
        c.kind = url_select("kind", ["", *kinds_below], "", label=t("unit_kind", lang), where=sb, notices=notices,
                            lang=lang, format_func=lambda k: catalog.unit_kinds[k].name(lang) if k
                            else t("all", lang))
        c.rows = store.memo(("rows", scope, c.kind), lambda: unit_tree.row_units(units, scope, c.kind))
    org = url_select("org", list(catalog.org_types), [], label=t("org_type", lang), where=sb, widget="multiselect",
                     notices=notices, lang=lang, help=t("org_type_help", lang),
                     format_func=lambda o: catalog.org_types[o].name(lang))
    c.org_types = tuple(org)
    c.group = url_select("group", ["", *catalog.groups], "", label=t("group", lang), where=sb, notices=notices,
                         lang=lang, format_func=lambda g: catalog.groups[g].name(lang) if g else t("all", lang))
    sb.caption(t("link_hint", lang))
    for n in notices:
        st.warning(n, icon="⚠️")
    return c


# -- page furniture ---------------------------------------------------------------------------------

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


def chart(fig: go.Figure, filename: str, *, key: str | None = None, select: bool = False, alt: str | None = None
          ) -> Any:
    """A Plotly chart whose toolbar PNG is named for unit, indicator and year."""
    return st.plotly_chart(fig, config=plotly_config(filename), theme=None, key=key, width="stretch",
                           on_select="rerun" if select else "ignore", selection_mode="points", alt=alt)


def status_legend(c: Ctx, codes: Sequence[str] = STATUS_CODES, *, disputed: bool = False) -> None:
    st.markdown(f"<div style='line-height:2'>{status_chips(codes, c.lang, disputed=disputed)}</div>",
                unsafe_allow_html=True)


def headline(c: Ctx, counts: dict[str, int], codes: Sequence[str]) -> None:
    """One box a status; more than four go on two rows, so that at 1280 px no status's name is cut."""
    total = sum(counts.values())
    cols = [col for n in overview.headline_rows(len(codes)) for col in st.columns(max(n, 1))]
    for col, code in zip(cols, codes, strict=False):
        col.metric(status_label(code, c.lang), f"{counts.get(code, 0)}",
                   help=f"{c.t('headline_of', total=total)}. {status_help(code, c.lang)}", border=True)


def indicator_options(c: Ctx) -> list[str]:
    """The indicators with a target or a value for the units in view; with none, a sentence and the
    page stops there."""
    assessed, values = c.assessed(), c.values()
    options = c.memo("indicator_options", compute=lambda: by_indicator.indicator_options(assessed, values, c.catalog,
                                                                                    c.rows, c.group))
    if not options:
        st.info(c.t("no_data", what=f"{esc(c.unit_label(c.scope))}, {c.as_of}"))
        st.stop()
    return options


def scope_caption(c: Ctx) -> None:
    """Term, as-of year and the unit whose sub-units are shown, under a page's title."""
    st.caption(f"{c.term.name(c.lang)} · {c.t('as_of')}: **{c.as_of}** · "
               + c.t("overview_units", name=esc(c.unit_label(c.scope))))


def load_button(c: Ctx, checked: Checked, gate: auth.LoadGate, *, key: str,
                findings: Callable[[Report], int] = lambda r: len(r.findings), label: str = "",
                replace: bool | Collection[Key] = False, reason: str = "", ready: bool | None = None,
                announce: bool = True) -> Report | None:
    """Why loading is not allowed, or the load button; pressed, the all-or-nothing load of the checked
    files and its outcome in a sentence. The report when the database was replaced. `replace` and
    `reason`: which side wins a conflict with the database (etl.load.load); `ready`: whether the batch
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


# The overview's scorecard (monitor.scorecard): an HTML table in the page, not an iframe; a click on a unit's
# name or one of its cells comes back as the trigger value `picked` (the unit's code).
_SCORECARD_CSS = """
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: separate; border-spacing: 2px; font-family: inherit; font-size: 14px;
        color: #222; }
thead th { font-size: 12px; font-weight: 600; vertical-align: bottom; text-align: center; padding: 4px 3px;
           min-width: 62px; max-width: 118px; line-height: 1.25; }
thead th span { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 5; overflow: hidden; }
th.corner { text-align: left; vertical-align: bottom; min-width: 170px; }
th[scope="row"] { position: sticky; left: 0; z-index: 1; background: #fff; text-align: left; font-weight: 400;
                  padding: 0 8px 0 0; min-width: 170px; max-width: 280px; }
th[scope="row"] button { all: unset; cursor: pointer; line-height: 1.25; color: #0b5394;
                         text-decoration: underline dotted; text-underline-offset: 3px; }
th[scope="row"] button:focus-visible { outline: 2px solid #0072B2; outline-offset: 2px; }
td { text-align: center; white-space: nowrap; padding: 7px 6px; border-radius: 2px; cursor: pointer;
     font-variant-numeric: tabular-nums; }
td.none { background: transparent; cursor: default; }
td[data-unit]:hover, th[scope="row"] button:hover { outline: 2px solid #222; outline-offset: -1px; }
.legend { margin-top: 6px; line-height: 2; font-size: 13px; }
"""
_SCORECARD_JS = """
export default function ({ data, parentElement, setTriggerValue }) {
  let host = parentElement.querySelector("div.host");
  if (!host) {
    host = document.createElement("div");
    host.className = "host";
    parentElement.appendChild(host);
  }
  if (host.shown !== data) {  // the same table again (a rerun that changed nothing): keep the DOM
    host.innerHTML = data;
    host.shown = data;
  }
  host.onclick = (event) => {
    const picked = event.target.closest("[data-unit]");
    if (picked) setTriggerValue("picked", picked.dataset.unit);
  };
}
"""
_scorecard = st.components.v2.component("monitor.scorecard", css=_SCORECARD_CSS, js=_SCORECARD_JS)


def scorecard(table_html: str, *, key: str) -> str | None:
    """The scorecard table; the code of the unit clicked in this run, else None."""
    return _scorecard(data=table_html, key=key, on_picked_change=lambda: None).get("picked")
