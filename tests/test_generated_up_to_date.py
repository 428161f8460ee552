"""The committed gRPC code matches the protos, and the protos pass buf lint (STANDARD)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parent.parent


def _differences(left: Path, right: Path) -> list[str]:
    diff = filecmp.dircmp(left, right, ignore=["__pycache__"])
    out = [str(left / n) for n in diff.left_only + diff.right_only + diff.diff_files]
    for name in diff.subdirs:
        out.extend(_differences(left / name, right / name))
    return out


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    subprocess.run([sys.executable, str(ROOT / "tools" / "genproto.py"), "--out", str(out)], check=True)
    assert _differences(ROOT / "gateway" / "_generated", out) == [], "run `make proto` and commit the result"


def test_protos_pass_buf_lint() -> None:
    npx = require_tool("npx")
    result = subprocess.run([npx, "-y", "@bufbuild/buf", "lint"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
