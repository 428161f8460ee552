"""The ``swgw`` parser: light to build (``--help`` imports none of the stack), every option explained."""

from __future__ import annotations

import enum
import json
import subprocess
import sys
from pathlib import Path

import pytest

import trust
from gateway.core.domain import Action, DocumentType, MessageStatus
from gateway.tools import cli_choices
from gateway.tools.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]

#: Top-level packages and gateway floors whose import makes `swgw --help` slow (lxml, cryptography, grpc...).
HEAVY = ("grpc", "google", "sqlalchemy", "cryptography", "lxml", "mappings", "trust", "reportlab", "jsonschema",
         "gateway.core", "gateway.app", "gateway.adapters", "gateway.transports", "gateway.pipeline")


def _heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def _fresh(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args, "-c", code] if code else [sys.executable, *args],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_building_the_parser_imports_none_of_the_stack() -> None:
    done = _fresh("import json, sys\nfrom gateway.tools.cli import build_parser\nbuild_parser()\n"
                  "print(json.dumps(sorted(sys.modules)))")
    assert done.returncode == 0, done.stderr
    assert _heavy(json.loads(done.stdout)) == []


@pytest.mark.parametrize("argv", [["--help"], ["map", "--help"], ["trust", "list", "--help"],
                                  ["messages", "list", "--help"], ["conformance", "sender", "--help"]])
def test_help_imports_none_of_the_stack(argv: list[str]) -> None:
    # -X importtime names every module the interpreter imported, on stderr, one per line ending in its name.
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "gateway", *argv], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "usage: swgw" in done.stdout
    imported = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "gateway.tools.cli" in imported
    assert _heavy(imported) == []


@pytest.mark.parametrize(("literal", "enum_type"), [(cli_choices.DOCUMENT_TYPES, DocumentType),
                                                (cli_choices.ACTIONS, Action),
                                                (cli_choices.MESSAGE_STATUSES, MessageStatus),
                                                (cli_choices.CERTIFICATE_ROLES, trust.CertificateRole)])
def test_literal_choices_match_their_enums(literal: tuple[str, ...], enum_type: type[enum.Enum]) -> None:
    assert literal == tuple(member.value for member in enum_type)
