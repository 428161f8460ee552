"""The offline CLI's audit actor: the account of the process's uid (kernel and passwd), never the environment."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from gateway.core.ports import ActorKind
from gateway.tools import cli_admin
from gateway.tools.cli_admin import local_actor


@pytest.fixture
def no_login(tmp_path: Path) -> Path:
    """A loginuid file saying "no login session" ((uid_t)-1), as for services and most containers."""
    path = tmp_path / "loginuid"
    path.write_text("4294967295")
    return path


def _fake_uids(monkeypatch: pytest.MonkeyPatch, uid: int, euid: int | None = None) -> None:
    monkeypatch.setattr(cli_admin.os, "getuid", lambda: uid)
    monkeypatch.setattr(cli_admin.os, "geteuid", lambda: uid if euid is None else euid)


def test_the_environment_is_not_consulted(monkeypatch: pytest.MonkeyPatch, no_login: Path) -> None:
    for variable in ("USER", "LOGNAME", "SUDO_USER"):
        monkeypatch.setenv(variable, "mallory")
    monkeypatch.setenv("SUDO_UID", "4242")
    actor = local_actor(loginuid_file=no_login)
    uid = os.getuid()
    assert actor.kind is ActorKind.OS_USER
    expected_euid = "" if os.geteuid() == uid else f", euid={os.geteuid()}"
    assert actor.name == f"{pwd.getpwuid(uid).pw_name} (uid={uid}{expected_euid})"


def test_a_uid_without_passwd_entry_is_named_by_number(monkeypatch: pytest.MonkeyPatch, no_login: Path) -> None:
    unknown = next(n for n in range(54_321, 60_000) if not _has_entry(n))
    _fake_uids(monkeypatch, unknown)
    assert local_actor(loginuid_file=no_login).name == f"uid:{unknown} (uid={unknown})"


def test_sudo_records_the_target_account_and_the_kernel_login_uid(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    # Under sudo: real uid 0; SUDO_USER claims one user, the kernel's login uid says who logged in.
    _fake_uids(monkeypatch, 0)
    monkeypatch.setenv("SUDO_USER", "mallory")
    loginuid = tmp_path / "loginuid"
    login = next(n for n in range(54_321, 60_000) if not _has_entry(n))
    loginuid.write_text(f"{login}\n")
    root = pwd.getpwuid(0).pw_name
    assert local_actor(loginuid_file=loginuid).name == f"{root} (uid=0, loginuid={login} uid:{login})"
    # The login uid is left out when it is the uid itself, or unreadable.
    loginuid.write_text("0")
    assert local_actor(loginuid_file=loginuid).name == f"{root} (uid=0)"
    assert local_actor(loginuid_file=tmp_path / "absent").name == f"{root} (uid=0)"


def test_an_effective_uid_other_than_the_real_one_is_recorded(monkeypatch: pytest.MonkeyPatch,
                                                              no_login: Path) -> None:
    _fake_uids(monkeypatch, 0, euid=1)
    assert local_actor(loginuid_file=no_login).name == f"{pwd.getpwuid(0).pw_name} (uid=0, euid=1)"


def _has_entry(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True
