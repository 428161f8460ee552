"""The ``swgw`` parser: light to build (``--help`` imports none of the stack), every option explained."""

from __future__ import annotations

import argparse
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


def _parsers(parser: argparse.ArgumentParser, path: str = "swgw") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _parsers(sub, f"{path} {name}")
    return found


def test_every_option_and_argument_has_help_text() -> None:
    missing = [f"{path} {action.option_strings[0] if action.option_strings else action.dest}"
               for path, parser in _parsers(build_parser()) for action in parser._actions
               if not isinstance(action, (argparse._SubParsersAction, argparse._HelpAction))
               and (not action.help or action.help == argparse.SUPPRESS)]
    assert missing == []


def test_every_sub_command_has_help_text() -> None:
    missing = [f"{path} {choice.dest}" for path, parser in _parsers(build_parser()) for action in parser._actions
               if isinstance(action, argparse._SubParsersAction) for choice in action._choices_actions
               if not choice.help]
    assert missing == []


def test_options_with_choices_show_them() -> None:
    hidden = [f"{path} {action.dest}: {choice}" for path, parser in _parsers(build_parser())
              for action in parser._actions if action.choices is not None
              and not isinstance(action, argparse._SubParsersAction)
              for choice in action.choices if str(choice) not in parser.format_help()]
    assert hidden == []
