"""Roles and the local password file."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.auth import AuthConfigError, format_user, load_users, mode, user_for_email, verify


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
    assert (officer.can_upload_for("BD-TAYSON"), officer.can_upload_for("HD")) == (True, False)
    assert users["admin"].can_upload_for("HD") and users["admin"].is_admin
    assert not users["xem"].can_upload_for("BD-TAYSON") and not users["xem"].can_load


def test_oidc_identity_not_in_the_file_is_a_viewer(users_file: Path) -> None:
    users = load_users(users_file)
    assert user_for_email(users, "Someone@Example.org").role == "viewer"
    assert user_for_email(users, "ADMIN").role == "admin"


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
