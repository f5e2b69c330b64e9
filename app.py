"""The dashboard: `streamlit run app.py` (make run). Reads MONITOR_DB, never writes it.

This file is the frame around every page: page set-up, the store, the sidebar filters (in the URL
too), the navigation. The pages in screens/ only lay out what monitor's page modules (overview, by_unit,
by_indicator, comparison, submissions) and monitor.charts give them.
"""

from __future__ import annotations

import math

import streamlit as st

from core import audit
from core.catalog import default_catalog
from core.i18n import t
from monitor import auth
from monitor.store import Store, db_path, file_identity, retire_older
from screens._context import CTX_KEY, Ctx
from screens._escape import esc
from screens._guard import log
from screens._sidebar import language, sidebar


@st.cache_resource(max_entries=4, show_spinner=False, validate=lambda s: not s.closed, on_release=Store.retire)
def _open_store(path: str, identity: tuple[int, int, int, int]) -> Store:
    """One Store per version of the file: the identity is part of the cache key, so a file the ETL
    renamed over the old one opens afresh while sessions still rendering keep the old, consistent one.
    The old ones are retired (closed once idle), so the replaced file's disk space is freed."""
    return Store(path)


def _store(lang: str) -> tuple[Store | None, str]:
    path = db_path()
    identity = file_identity(path)
    if identity is None:
        return None, ""
    try:
        store = _open_store(str(path), identity)
        retire_older(store)
        return store, ""
    except Exception as exc:  # a damaged or foreign file: say so, no traceback
        return None, t("db_error", lang, path=esc(path), error=esc((str(exc).splitlines() or [""])[0][:300]))


USER_KEY = "_auth_user"  # the signed-in username (local mode), kept server-side in the session


def _users() -> dict[str, auth.User]:
    """The users file, read on every run: a user removed or changed there is out at their next click."""
    return auth.load_users(auth.users_path())


def _record_sign_in(username: str, result: str) -> None:
    """A failed or refused sign-in, in the audit beside the database and in the server log."""
    log.warning("%s sign-in for %r", result, username[:100])
    try:
        audit.append(db_path(), event="login", user=username.strip()[:100], result=result, files=[], problems=0,
                     first_problem="")
    except OSError:  # a read-only folder: the server log has it
        log.exception("cannot write the audit log beside %s", db_path())


def _login_form(lang: str) -> auth.User | None:
    """The local sign-in form; the user once the password matched."""
    users = _users()
    name = st.session_state.get(USER_KEY)
    if name is not None:
        if name in users:
            return users[name]
        del st.session_state[USER_KEY]  # removed from the users file since: signed out
    st.title(t("app_title", lang))
    st.caption(t("login_intro", lang))
    column = st.columns([2, 3])[0]  # a narrow form on the wide layout; stacked on a phone
    with column.form("auth_login", enter_to_submit=True, border=True):
        username = st.text_input(t("login_user", lang), key="auth_username", autocomplete="username")
        password = st.text_input(t("login_password", lang), type="password", key="auth_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("login_button", lang), type="primary")
    if submitted:
        outcome = auth.sign_in(users, username, password)
        if outcome.user is None:
            _record_sign_in(username, outcome.result)
            if outcome.result == "locked":
                column.error(t("login_locked", lang, seconds=max(1, math.ceil(outcome.wait))))
            else:
                column.error(t("login_failed", lang))
            return None
        user = outcome.user
        st.session_state[USER_KEY] = user.username
        st.session_state.pop("auth_password", None)
        st.rerun()  # draw the page without the form
    return None


def _oidc(lang: str) -> auth.User | None:
    """The OIDC identity (st.login), its role from the users file by e-mail."""
    try:
        configured = "auth" in st.secrets
    except Exception:  # no secrets file at all
        configured = False
    if not configured:
        raise auth.AuthConfigError(t("oidc_not_configured", lang))
    if not st.user.get("is_logged_in"):
        st.title(t("app_title", lang))
        st.caption(t("login_intro_oidc", lang))
        if st.button(t("login_button", lang), type="primary", icon=":material/login:", key="auth_oidc"):
            st.login()
        return None
    email = str(st.user.get("email") or st.user.get("preferred_username") or st.user.get("sub") or "")
    return auth.user_for_email(_users(), email, name=str(st.user.get("name") or ""))


def _who(lang: str) -> tuple[auth.User | None, str, bool]:
    """(user, mode, ready): user None with login off; ready False while the login form is shown or
    the settings are broken (then a sentence says what to fix, never a traceback)."""
    try:
        auth_mode = auth.mode()
        if auth_mode == "off":
            return None, auth_mode, True
        user = _login_form(lang) if auth_mode == "local" else _oidc(lang)
    except auth.AuthConfigError as exc:
        st.title(t("app_title", lang))
        # what is wrong names files and settings: for the administrator, in the server's log, not on the page
        log.error("login settings broken: %s", exc)
        st.error(t("auth_config_error", lang))
        return None, "off", False
    return user, auth_mode, user is not None


def _logout(auth_mode: str) -> None:
    st.session_state.pop(USER_KEY, None)
    if auth_mode == "oidc":
        st.logout()
    else:
        st.rerun()


lang = language()
st.set_page_config(page_title=t("app_title", lang), page_icon=":material/flag:", layout="wide",
                   initial_sidebar_state="expanded")
# The pages live in screens/, not pages/: while a pages/ folder sits beside app.py, Streamlit serves the
# first visit after start-up in its old multipage mode, which shows "Page not found" over a link to a
# sub-page (streamlit#8860). URL paths are Vietnamese words, independent of the file names.
# Streamlit serves its default page at the root only, and answers its own url_path with "Page not found":
# the root is a hidden page that opens the overview at /tong-quan, so every page has one address.
ROOT = st.Page(lambda: None, title=t("page_overview", lang), url_path="trang-chu", default=True, visibility="hidden")
PAGES = [
    st.Page("screens/overview.py", title=t("page_overview", lang), icon=":material/grid_view:", url_path="tong-quan"),
    st.Page("screens/indicator.py", title=t("page_indicator", lang), icon=":material/bar_chart:",
            url_path="chi-tieu"),
    st.Page("screens/unit.py", title=t("page_unit", lang), icon=":material/account_balance:", url_path="don-vi"),
    st.Page("screens/compare.py", title=t("page_compare", lang), icon=":material/compare_arrows:",
            url_path="so-sanh"),
    st.Page("screens/data.py", title=t("page_data", lang), icon=":material/database:", url_path="du-lieu"),
    st.Page("screens/extract.py", title=t("page_extract", lang), icon=":material/document_scanner:",
            url_path="doc-bao-cao"),
]
user, auth_mode, ready = _who(lang)
if not ready:  # the login form (or a sentence) is all there is: no filters, no page, no navigation
    st.navigation([ROOT, *PAGES], position="hidden")
    st.stop()
page = st.navigation([ROOT, *PAGES])
if page.url_path == "":  # the root: the overview, at its own address, with the link's filters
    st.switch_page(PAGES[0], query_params=st.query_params.to_dict())
store, error = _store(lang)
catalog = default_catalog()
try:
    context = sidebar(store, catalog, db_path(), lang, error)
except Exception as exc:  # the filters failed on this database: a sentence, and pages show their empty state
    log.exception("sidebar failed")
    context = Ctx(store=None, catalog=catalog, db=db_path(), lang=lang,
                  error=t("page_error", lang, error=esc(f"{type(exc).__name__}: {str(exc)[:200]}")))
context.user = user
context.uploads = auth.uploads_enabled(auth_mode)
st.session_state[CTX_KEY] = context

if user is None:
    st.sidebar.caption(":material/lock_open: " + t("demo_mode", lang))
else:
    st.sidebar.caption(":material/person: " + t("signed_in_as", lang, name=esc(user.name),
                                                 username=esc(user.username), role=t(f"role_{user.role}", lang)))
    if st.sidebar.button(t("logout", lang), icon=":material/logout:", key="auth_logout"):
        _logout(auth_mode)

page.run()
