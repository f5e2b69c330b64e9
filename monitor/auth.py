"""Who may do what: users, roles and the local password file. No Streamlit here.

Access is off unless configured (`MONITOR_AUTH=local` or `oidc`), so the local demo runs without a
login and says so on screen. With `local`, passwords are checked against bcrypt hashes in a users file
(`MONITOR_USERS`, default data/users.toml); with `oidc`, Streamlit's st.login identifies the person
and the same file gives their role by e-mail (docs/access.md shows a Keycloak set-up).

Roles: viewer sees everything; unit officer also uploads for their own units; admin loads anything
and manages users.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

import bcrypt

Role = Literal["viewer", "unit_officer", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "unit_officer", "admin")
DEFAULT_USERS = Path("data/users.toml")


class AuthConfigError(ValueError):
    """The users file or the settings are wrong; the message says where."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: Role
    units: tuple[str, ...] = ()
    password_hash: str = field(default="", repr=False)

    def can_upload_for(self, unit_code: str) -> bool:
        return self.role == "admin" or (self.role == "unit_officer" and unit_code in self.units)

    @property
    def can_load(self) -> bool:
        return self.role in ("admin", "unit_officer")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# The local demo: no login, and the screen says so. Uploads stay off unless MONITOR_UPLOADS=1.
ANONYMOUS = User(username="", name="", role="viewer")


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


def load_users(path: Path) -> dict[str, User]:
    """Read the users file: [users.<username>] name, role, units = [...], password_hash."""
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


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode("utf-8")[:72], bcrypt.gensalt(rounds)).decode("ascii")


def verify(users: dict[str, User], username: str, password: str) -> User | None:
    """The user if the password matches. Always runs one bcrypt check so timing does not tell names."""
    user = users.get(username.strip().lower())
    candidate = user.password_hash if user and user.password_hash else _DUMMY_HASH
    ok = bcrypt.checkpw(password.encode("utf-8")[:72], candidate.encode("ascii"))
    return user if ok and user is not None and user.password_hash else None


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

    def q(text: str) -> str:  # a TOML basic string
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    unit_list = ", ".join(q(u) for u in units)
    return (f"\n[users.{q(username.lower())}]\nname = {q(name)}\nrole = {q(role)}\nunits = [{unit_list}]\n"
            f"password_hash = {q(hash_password(password, rounds))}\n")
