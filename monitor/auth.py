"""Who may do what: users, roles and the local password file. No Streamlit here.

Access is off unless configured (`MONITOR_AUTH=local` or `oidc`), so the local demo runs without a
login and says so on screen. With `local`, passwords are checked against bcrypt hashes in a users file
(`MONITOR_USERS`, default data/users.toml); with `oidc`, Streamlit's st.login identifies the person
and the same file gives their role by e-mail (docs/access.md shows a Keycloak set-up).

Roles: viewer sees everything; unit officer also uploads for their own units; admin loads anything
and manages users.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

import bcrypt

Role = Literal["viewer", "unit_officer", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "unit_officer", "admin")
DEFAULT_USERS = Path("data/users.toml")
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further: a longer password is refused, never silently cut
log = logging.getLogger("monitor.auth")


class AuthConfigError(ValueError):
    """The users file or the settings are wrong; the message says where."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: Role
    units: tuple[str, ...] = ()
    password_hash: str = field(default="", repr=False)

    @property
    def can_load(self) -> bool:
        return self.role in ("admin", "unit_officer")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def mode() -> Literal["off", "local", "oidc"]:
    value = os.environ.get("MONITOR_AUTH", "off").strip().lower()
    if value not in ("off", "local", "oidc"):
        raise AuthConfigError(f"MONITOR_AUTH='{value}': expected off, local or oidc")
    return value  # type: ignore[return-value]


def users_path() -> Path:
    return Path(os.environ.get("MONITOR_USERS", str(DEFAULT_USERS)))


def uploads_enabled(auth_mode: str) -> bool:
    """May the dashboard load at all? Without a login only if MONITOR_UPLOADS=1 (the demo is read-only);
    with a login the role decides, unless MONITOR_UPLOADS=0 makes a read-only deployment."""
    setting = os.environ.get("MONITOR_UPLOADS", "").strip()
    return setting == "1" if auth_mode == "off" else setting != "0"


class LoadGate(NamedTuple):
    """The answer of may_load. `reason` is a strings.yaml key ("" when allowed); `foreign` lists the
    units in the files that are not the user's."""

    allowed: bool
    reason: str = ""
    foreign: tuple[str, ...] = ()


def may_load(user: User | None, unit_codes: Iterable[str], uploads: bool) -> LoadGate:
    """May `user` (None: no login configured) load files whose rows name `unit_codes`?

    Off mode keeps the demo's switch (`uploads`, MONITOR_UPLOADS=1); with a login the viewer may not
    load, a unit officer only when every row is for one of their units, an admin anything."""
    if not uploads:
        return LoadGate(False, "load_disabled")
    if user is None or user.is_admin:
        return LoadGate(True)
    if user.role != "unit_officer":
        return LoadGate(False, "load_viewer")
    foreign = tuple(sorted({u for u in unit_codes if u} - set(user.units)))
    return LoadGate(False, "load_not_yours", foreign) if foreign else LoadGate(True)


def tighten(path: Path) -> bool:
    """Make the users file readable by its owner only if others may read or write it (it holds password
    hashes); False, with a warning in the server log, when that is not ours to change."""
    try:
        mode_bits = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return True
    if not mode_bits & 0o077:
        return True
    try:
        path.chmod(mode_bits & 0o700)
    except OSError as exc:
        log.warning("%s: others may read the password hashes (mode %o) and it cannot be changed: %s",
                    path, mode_bits, exc.strerror)
        return False
    log.warning("%s: others could read the password hashes (mode %o); now readable by its owner only",
                path, mode_bits)
    return True


def load_users(path: Path) -> dict[str, User]:
    """Read the users file: [users.<username>] name, role, units = [...], password_hash. A file others
    could read is made private first (tighten)."""
    tighten(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthConfigError(f"{path}: the users file does not exist "
                              "(python -m monitor users add creates it)") from None
    except tomllib.TOMLDecodeError as exc:
        raise AuthConfigError(f"{path}: {exc}") from None
    users: dict[str, User] = {}
    for username, entry in (data.get("users") or {}).items():
        role = entry.get("role", "viewer")
        if role not in ROLES:
            raise AuthConfigError(f"{path}: users.{username}.role: '{role}' is not one of {', '.join(ROLES)}")
        units = entry.get("units", [])
        if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
            raise AuthConfigError(f"{path}: users.{username}.units: expected a list of unit codes")
        users[username.lower()] = User(username=username.lower(), name=entry.get("name", username), role=role,
                                       units=tuple(units), password_hash=entry.get("password_hash", ""))
    return users


def password_too_long(password: str) -> bool:
    return len(password.encode("utf-8")) > MAX_PASSWORD_BYTES


def hash_password(password: str, rounds: int = 12) -> str:
    if password_too_long(password):
        raise AuthConfigError(f"the password is longer than {MAX_PASSWORD_BYTES} bytes (a Vietnamese letter takes 2 "
                              "or 3): bcrypt would ignore the rest; choose a shorter one")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify(users: dict[str, User], username: str, password: str) -> User | None:
    """The user if the password matches. Always runs one bcrypt check so timing does not tell names;
    a password over bcrypt's 72 bytes never matches (none was ever stored)."""
    user = users.get(username.strip().lower())
    candidate = user.password_hash if user and user.password_hash else _DUMMY_HASH
    ok = bcrypt.checkpw(password.encode("utf-8")[:MAX_PASSWORD_BYTES], candidate.encode("ascii"))
    return user if ok and user is not None and user.password_hash and not password_too_long(password) else None


class Throttle:
    """Failed sign-ins per user name, in this server's memory: from the `limit`-th failure within
    `window` seconds, tries for that name are refused unchecked for `delay` seconds, doubling with
    each further failure up to `longest`. A refused try is not a failure (it would lock the owner
    out for longer); a success clears the count. Unknown names are counted alike, so the answer
    tells nothing about which names exist."""

    def __init__(self, limit: int = 5, window: float = 900.0, delay: float = 30.0, longest: float = 900.0,
                 names: int = 10_000) -> None:
        self.limit, self.window, self.delay, self.longest, self.names = limit, window, delay, longest, names
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(username: str) -> str:
        return username.strip().lower()[:200]

    def wait(self, username: str, now: float | None = None) -> float:
        """Seconds before a try for `username` is taken (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._failures.get(self.key(username), []) if now - t < self.window]
        if len(recent) < self.limit:
            return 0.0
        hold = min(self.delay * 2 ** (len(recent) - self.limit), self.longest)
        return max(0.0, recent[-1] + hold - now)

    def failed(self, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= self.names:  # many names tried: forget the ones out of the window,
                kept = {k: v for k, v in self._failures.items() if now - v[-1] < self.window}
                if len(kept) >= self.names:  # and, were they all recent, the half tried longest ago
                    kept = dict(sorted(kept.items(), key=lambda kv: kv[1][-1])[len(kept) // 2:])
                self._failures = kept
            times = [t for t in self._failures.get(self.key(username), []) if now - t < self.window]
            self._failures[self.key(username)] = [*times, now][-64:]

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self.key(username), None)


THROTTLE = Throttle()  # one per server process: every session's sign-in form counts here


class SignIn(NamedTuple):
    """The outcome of a sign-in: the user, or why not ('failed', 'locked') and for how long."""

    user: User | None
    result: Literal["ok", "failed", "locked"]
    wait: float = 0.0


def sign_in(users: dict[str, User], username: str, password: str, throttle: Throttle | None = None,
            now: float | None = None) -> SignIn:
    """verify() behind the throttle (default: the server's): a name with too many recent failures is not
    checked at all."""
    throttle = throttle if throttle is not None else THROTTLE
    wait = throttle.wait(username, now)
    if wait > 0:
        return SignIn(None, "locked", wait)
    user = verify(users, username, password)
    if user is None:
        throttle.failed(username, now)
        return SignIn(None, "failed", throttle.wait(username, now))
    throttle.succeeded(username)
    return SignIn(user, "ok")


# A real hash of a password nobody uses, so an unknown name costs as much as a wrong password.
_DUMMY_HASH = "$2b$12$UpACxFjBagZxj6JJhQ/kceOjcoGDtbm8SZHbVnoTAA14ZSqbqs//W"


def user_for_email(users: dict[str, User], email: str, name: str = "") -> User:
    """An OIDC identity's role; someone the file does not name is a viewer, shown by the name the
    provider gives (else the e-mail)."""
    return users.get(email.strip().lower()) or User(username=email.lower(), name=name or email, role="viewer")


def format_user(username: str, name: str, role: Role, units: list[str], password: str, rounds: int = 12) -> str:
    """A TOML entry for the users file (python -m monitor users add …)."""
    if role not in ROLES:
        raise AuthConfigError(f"role '{role}' is not one of {', '.join(ROLES)}")

    def q(text: str) -> str:  # a TOML basic string: control characters escaped, so no value ends a line
        out = text.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in out) + '"'

    unit_list = ", ".join(q(u) for u in units)
    return (f"\n[users.{q(username.lower())}]\nname = {q(name)}\nrole = {q(role)}\nunits = [{unit_list}]\n"
            f"password_hash = {q(hash_password(password, rounds))}\n")
