"""``swgw console user ...`` on a gateway's database: passwords from stdin (never arguments), every change audited
under the OS user, and the console sees the result."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.app import console_accounts, open_operations
from gateway.core.errors import OperatorUnauthenticated
from gateway.tools.cli import load_settings, main
from gateway.tools.devsetup import write_network

AGREEMENTS = {("CN", "HK"): {"certificate-of-origin": "coo-ubl24-cepa-hk"}}


def _swgw(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str,
          stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_console_accounts_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_network(tmp_path, ("CN", "HK"), AGREEMENTS, at=datetime.now(UTC))["CN"].config)
    assert _swgw(monkeypatch, capsys, "console", "user", "add", "alice", "--role", "viewer", "--config", config,
                 stdin="first password here\n")[:2] == (0, "added console account alice (viewer)\n")
    code, _, err = _swgw(monkeypatch, capsys, "console", "user", "add", "bob", "--role", "viewer", "--config",
                         config, stdin="short\n")
    assert code == 1 and "ENVELOPE_INVALID" in err and "at password" in err
    code, _, err = _swgw(monkeypatch, capsys, "console", "user", "add", "alice", "--role", "viewer", "--config",
                         config, stdin="first password here\n")
    assert code == 1 and "DUPLICATE_CONFLICT" in err
    assert _swgw(monkeypatch, capsys, "console", "user", "role", "alice", "--role", "operator",
                 "--config", config)[:2] == (0, "alice is now operator\n")
    assert _swgw(monkeypatch, capsys, "console", "user", "passwd", "alice", "--config", config,
                 stdin="second password here\n")[0] == 0
    code, out, _ = _swgw(monkeypatch, capsys, "console", "user", "list", "--config", config)
    assert code == 0 and out.splitlines()[1].split() == ["alice", "operator", "-"]

    settings = load_settings(Path(config))
    accounts = console_accounts(settings)
    with pytest.raises(OperatorUnauthenticated):
        accounts.authenticate("alice", "first password here")
    assert accounts.authenticate("alice", "second password here").role == "operator"

    assert _swgw(monkeypatch, capsys, "console", "user", "remove", "alice", "--config", config)[0] == 0
    code, _, err = _swgw(monkeypatch, capsys, "console", "user", "unlock", "alice", "--config", config)
    assert code == 1 and "no console account 'alice'" in err
    entries = open_operations(settings).audit_entries(limit=1000)
    changes = [(e.action, e.actor_kind) for e in entries if e.action.startswith("console.account.")]
    assert changes == [("console.account.add", "os-user"), ("console.account.role", "os-user"),
                       ("console.account.password", "os-user"), ("console.account.remove", "os-user")]
    assert all("password here" not in str(e.details) for e in entries)
    assert open_operations(settings).verify_audit().ok
