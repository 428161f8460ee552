"""deploy/swgw.service passes `systemd-analyze verify` and keeps its hardening."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "swgw.service"
INSTALLED = "/opt/swgw/venv/bin/swgw"


def _settings(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_unit_is_hardened() -> None:
    settings = _settings(UNIT.read_text())
    expected = {
        "User": ["swgw"], "NoNewPrivileges": ["true"], "ProtectSystem": ["strict"], "PrivateTmp": ["true"],
        "CapabilityBoundingSet": [""], "ReadWritePaths": ["/var/lib/swgw"], "ProtectHome": ["true"],
        "RestrictAddressFamilies": ["AF_INET AF_INET6 AF_UNIX"], "ExecStart": [f"{INSTALLED} serve --config "
                                                                              "/etc/swgw/swgw.toml"],
    }
    assert {key: settings.get(key) for key in expected} == expected
    assert settings["SystemCallFilter"][0] == "@system-service"


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze")  # skips with the reason, or fails under SWGW_REQUIRE_TOOLS
    # verify checks that ExecStart's program exists: point it at this environment's swgw, nothing else changes.
    swgw = Path(sys.executable).parent / "swgw"
    if not swgw.exists():
        pytest.skip(f"{swgw} is not installed (pip install -e .)")
    unit = tmp_path / "swgw.service"
    text = UNIT.read_text()
    assert text.count(INSTALLED) == 1
    unit.write_text(text.replace(INSTALLED, str(swgw)))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    # Warnings count as failures: an unknown or misspelt directive is only a warning to systemd.
    assert "Unknown" not in result.stderr and "Ignoring" not in result.stderr, result.stderr
