"""Roles, the local password file, who may load, and `python -m monitor users`."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from monitor.__main__ import main
from monitor.auth import (
    AuthConfigError,
    LoadGate,
    Throttle,
    User,
    format_user,
    hash_password,
    load_users,
    may_load,
    mode,
    sign_in,
    uploads_enabled,
    user_for_email,
    verify,
)


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    path.write_text(
        format_user("admin", "Quản trị", "admin", [], "mật-khẩu-1", rounds=4)
        + format_user("TaySon", 'Cán bộ "Tây Sơn"', "unit_officer", ["BD-TAYSON"], "pw2", rounds=4)
        + format_user("xem", "Người xem", "viewer", [], "pw3", rounds=4),
        encoding="utf-8",
    )
    return path


def test_passwords_are_checked_against_bcrypt_hashes(users_file: Path) -> None:
    users = load_users(users_file)
    assert "mật-khẩu-1" not in users_file.read_text(encoding="utf-8")
    assert verify(users, "admin", "mật-khẩu-1").role == "admin"
    assert verify(users, "ADMIN ", "mật-khẩu-1").username == "admin"
    assert verify(users, "admin", "wrong") is None
    assert verify(users, "nobody", "mật-khẩu-1") is None


def test_roles_decide_uploads(users_file: Path) -> None:
    users = load_users(users_file)
    officer = users["tayson"]
    assert officer.name == 'Cán bộ "Tây Sơn"'
    assert (may_load(officer, ["BD-TAYSON"], True).allowed, may_load(officer, ["HD"], True).allowed) == (True, False)
    assert may_load(users["admin"], ["HD"], True).allowed and users["admin"].is_admin
    assert not may_load(users["xem"], ["BD-TAYSON"], True).allowed and not users["xem"].can_load


def test_oidc_identity_not_in_the_file_is_a_viewer(users_file: Path) -> None:
    users = load_users(users_file)
    assert user_for_email(users, "Someone@Example.org").role == "viewer"
    assert user_for_email(users, "ADMIN").role == "admin"
    # shown by the provider's name when it gives one; a known user keeps the file's name and role
    stranger = user_for_email(users, "Someone@Example.org", name="Nguyễn Văn A")
    assert (stranger.username, stranger.name, stranger.role) == ("someone@example.org", "Nguyễn Văn A", "viewer")
    assert user_for_email(users, "Someone@Example.org").name == "Someone@Example.org"
    assert user_for_email(users, "tayson", name="Khác").name == 'Cán bộ "Tây Sơn"'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[users.a]\nrole = "boss"\n', "users.a.role: 'boss' is not one of viewer, unit_officer, admin"),
        ('[users.a]\nunits = "HD"\n', "users.a.units: expected a list of unit codes"),
        ("[users.a\n", "users.toml"),
    ],
)
def test_bad_users_file_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "users.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuthConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_users(path)


def test_mode_is_off_by_default_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_AUTH", raising=False)
    assert mode() == "off"
    monkeypatch.setenv("MONITOR_AUTH", "LOCAL")
    assert mode() == "local"
    monkeypatch.setenv("MONITOR_AUTH", "ldap")
    with pytest.raises(AuthConfigError, match="expected off, local or oidc"):
        mode()


# -- who may load ---------------------------------------------------------------------------------

ADMIN = User("root", "Quản trị", "admin")
OFFICER = User("tayson", "Cán bộ Tây Sơn", "unit_officer", ("BD-TAYSON", "BD-TAYSON-X"))
VIEWER = User("xem", "Người xem", "viewer")


@pytest.mark.parametrize(
    ("user", "units", "uploads", "gate"),
    [
        (None, ["HD"], False, ("load_disabled", ())),  # the demo without MONITOR_UPLOADS=1: read-only
        (None, ["HD"], True, None),  # the demo with MONITOR_UPLOADS=1: anyone at the screen
        (ADMIN, ["HD", "BD-TAYSON"], False, ("load_disabled", ())),  # MONITOR_UPLOADS=0 stops even admins
        (ADMIN, ["HD", "BD-TAYSON"], True, None),
        (VIEWER, ["BD-TAYSON"], True, ("load_viewer", ())),
        (OFFICER, ["BD-TAYSON", "BD-TAYSON-X"], True, None),
        (OFFICER, ["BD-TAYSON", "HD", "BD", "HD"], True, ("load_not_yours", ("BD", "HD"))),
        (OFFICER, ["BD-TAYSON", ""], True, None),  # a row without a unit is the checks' business
        (OFFICER, [], True, None),
    ],
)
def test_may_load(user: User | None, units: list[str], uploads: bool, gate: tuple | None) -> None:
    expected = LoadGate(True) if gate is None else LoadGate(False, *gate)
    assert may_load(user, units, uploads) == expected


@pytest.mark.parametrize(
    ("auth_mode", "setting", "enabled"),
    [("off", None, False), ("off", "1", True), ("off", "0", False), ("off", "yes", False),
     ("local", None, True), ("local", "1", True), ("local", "0", False), ("oidc", None, True), ("oidc", "0", False)],
)
def test_uploads_enabled(monkeypatch: pytest.MonkeyPatch, auth_mode: str, setting: str | None,
                         enabled: bool) -> None:
    if setting is None:
        monkeypatch.delenv("MONITOR_UPLOADS", raising=False)
    else:
        monkeypatch.setenv("MONITOR_UPLOADS", setting)
    assert uploads_enabled(auth_mode) is enabled


# -- python -m monitor users ------------------------------------------------------------------------

def _users(argv: list[str], password: str | None, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    if password is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    try:
        code = main(["users", *argv])
    except SystemExit as exc:  # argparse: wrong usage
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_users_add_and_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sub" / "users.toml"
    code, out, _ = _users(["add", "Admin", "--name", "Quản trị viên", "--role", "admin", "--users", str(path),
                           "--password-stdin"], "mật khẩu dài", monkeypatch, capsys)
    assert (code, out) == (0, f"Added admin (admin) to {path}\n")
    assert path.stat().st_mode & 0o777 == 0o600
    code, out, _ = _users(["add", "canbo@tayson.vn", "--role", "unit_officer", "--unit", "BD-TAYSON",
                           "--unit", "BD-TAYSON-X", "--users", str(path), "--password-stdin"],
                          "password2", monkeypatch, capsys)
    assert code == 0
    users = load_users(path)
    assert verify(users, "admin", "mật khẩu dài").name == "Quản trị viên"
    assert verify(users, "canbo@tayson.vn", "password2").units == ("BD-TAYSON", "BD-TAYSON-X")
    assert "mật khẩu dài" not in path.read_text(encoding="utf-8")
    code, out, _ = _users(["list", "--users", str(path)], None, monkeypatch, capsys)
    assert (code, out) == (0, f"admin\tadmin\tQuản trị viên\ncanbo@tayson.vn\tunit_officer\tcanbo@tayson.vn  "
                              f"[BD-TAYSON, BD-TAYSON-X]\n2 user(s) in {path}\n")
    assert "$2b$" not in out


@pytest.mark.parametrize(
    ("argv", "password", "code", "message"),
    [
        (["add", "ADMIN", "--role", "viewer"], "password9", 1, "user 'admin' already exists; nothing was written"),
        (["add", "x", "--role", "boss"], "password9", 2, "invalid choice: 'boss'"),
        (["add", "x", "--role", "unit_officer"], "password9", 1, "a unit_officer needs at least one --unit CODE"),
        (["add", "x", "--role", "viewer", "--unit", "HD"], "password9", 1, "--unit is only for the unit_officer"),
        (["add", "x", "--role", "viewer"], "short", 1, "at least 8 characters"),
        (["add", "two words", "--role", "viewer"], "password9", 1, "without spaces"),
        # was: a line break in --name ended the TOML string, and the file no longer read: everyone locked out
        (["add", "x", "--role", "viewer", "--name", 'Tên\n[users.y]\nrole = "admin"'], "password9", 1,
         "one line of visible characters"),
        (["add", "x\x01", "--role", "viewer"], "password9", 1, "without spaces"),
        # was: bcrypt silently ignored every byte past the 72nd (24 Vietnamese letters of 3 bytes)
        (["add", "x", "--role", "viewer"], "ữ" * 25, 1, "longer than 72 bytes"),
    ],
)
def test_users_add_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                           argv: list[str], password: str, code: int, message: str) -> None:
    path = tmp_path / "users.toml"
    path.write_text(format_user("admin", "A", "admin", [], "password1", rounds=4), encoding="utf-8")
    before = path.read_bytes()
    got, _, err = _users([*argv, "--users", str(path), "--password-stdin"], password, monkeypatch, capsys)
    assert got == code and message in err, err
    assert path.read_bytes() == before


def test_users_add_asks_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["password1", "password2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = _users(["add", "x", "--role", "viewer", "--users", str(tmp_path / "u.toml")], None,
                          monkeypatch, capsys)
    assert (code, err) == (1, "Rejected: the two passwords differ; nothing was written\n")
    assert not (tmp_path / "u.toml").exists()


def test_users_add_refuses_a_broken_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "users.toml"
    path.write_text('[users.a]\nrole = "boss"\n', encoding="utf-8")
    code, _, err = _users(["add", "x", "--role", "viewer", "--users", str(path), "--password-stdin"],
                          "password9", monkeypatch, capsys)
    assert code == 1 and "users.a.role: 'boss'" in err and "fix the users file first" in err


def test_cli_options_in_docs_exist(capsys: pytest.CaptureFixture[str]) -> None:
    """Every option docs/access.md shows for `python -m monitor users …` is one the command knows."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "access.md").read_text(encoding="utf-8")
    commands = re.findall(r"python -m monitor users (\w+)([^`\n]*)", docs)
    assert {c for c, _ in commands} == {"add", "list"}
    for command, rest in commands:
        with pytest.raises(SystemExit):
            main(["users", command, "--help"])
        known = set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
        named = set(re.findall(r"--[a-z][a-z-]*", rest))
        assert named <= known, (command, named - known)


# -- issue 21: what an attacker at the sign-in form or the users file could do ------------------------

def test_a_name_with_control_characters_keeps_the_file_readable(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(format_user("a", 'Tên\n[users.b]\nrole = "admin"\x01', "viewer", [], "password1", rounds=4)
                    + format_user("c", "C", "admin", [], "password2", rounds=4), encoding="utf-8")
    users = load_users(path)
    assert sorted(users) == ["a", "c"]
    assert (users["a"].name, users["a"].role) == ('Tên\n[users.b]\nrole = "admin"\x01', "viewer")


def test_passwords_past_bcrypts_72_bytes_are_refused_not_cut(users_file: Path) -> None:
    with pytest.raises(AuthConfigError, match="longer than 72 bytes"):
        hash_password("a" * 73, rounds=4)
    assert hash_password("ữ" * 24, rounds=4).startswith("$2b$04$")  # 72 bytes exactly
    path = users_file.with_name("long.toml")
    path.write_text(format_user("u", "U", "viewer", [], "b" * 72, rounds=4), encoding="utf-8")
    users = load_users(path)
    assert verify(users, "u", "b" * 72) is not None
    assert verify(users, "u", "b" * 72 + "anything") is None  # bcrypt alone would have let this in


def test_a_loose_users_file_is_made_private(users_file: Path) -> None:
    users_file.chmod(0o644)
    load_users(users_file)
    assert users_file.stat().st_mode & 0o777 == 0o600


def test_users_add_tightens_an_existing_loose_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "users.toml"
    path.write_text(format_user("a", "A", "admin", [], "password1", rounds=4), encoding="utf-8")
    path.chmod(0o666)
    code, _, _ = _users(["add", "b", "--role", "viewer", "--users", str(path), "--password-stdin"], "password2",
                        monkeypatch, capsys)
    assert code == 0 and path.stat().st_mode & 0o777 == 0o600


def test_ten_wrong_passwords_in_a_minute_are_held_back(users_file: Path) -> None:
    users, throttle = load_users(users_file), Throttle()
    outcomes = [sign_in(users, "admin", "sai", throttle, now=float(t)) for t in range(0, 60, 6)]  # 10 tries
    # the fifth failure holds tries back 30 s; the one after that is checked, fails, and holds them 60 s
    assert [o.result for o in outcomes] == ["failed"] * 5 + ["locked"] * 4 + ["failed"]
    assert (outcomes[4].wait, outcomes[9].wait) == (30.0, 60.0)
    # held back, even the right password is not checked; once the wait is over it is
    assert sign_in(users, "admin", "mật-khẩu-1", throttle, now=113.0).result == "locked"
    assert sign_in(users, "admin", "mật-khẩu-1", throttle, now=114.0).user is not None
    assert throttle.wait("admin", now=115.0) == 0.0  # a success clears the count


def test_the_hold_doubles_and_an_unknown_name_is_held_alike(users_file: Path) -> None:
    users, throttle = load_users(users_file), Throttle()
    for name in ("admin", "nobody"):
        for t in range(5):
            sign_in(users, name, "sai", throttle, now=float(t))
        assert throttle.wait(name, now=4.0) == 30.0
        assert sign_in(users, name, "sai", throttle, now=34.0).wait == 60.0  # sixth failure: held 60 s
    assert sign_in(users, "xem", "pw3", throttle, now=34.0).result == "ok"  # other users are not held
    assert throttle.wait("ADMIN ", now=35.0) == 59.0  # the name as verify compares it


def test_the_throttle_holds_a_bounded_number_of_names() -> None:
    throttle = Throttle(names=100)
    for i in range(1000):  # a thousand made-up names within the window
        throttle.failed(f"name{i}", now=float(i) / 100)
    assert len(throttle._failures) <= 100
    assert throttle.wait("name999", now=10.0) == 0.0 and "name999" in throttle._failures  # the latest are kept
