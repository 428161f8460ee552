"""Fixtures shared by every test family."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.reference_root import HINT, REFERENCE

REPO = Path(__file__).resolve().parent.parent


def tools_required() -> bool:
    """True in CI: a missing checking tool or database is a failure, not a skip."""
    return os.environ.get("SWGW_REQUIRE_TOOLS") == "1"


def require_tool(name: str) -> str:
    """The path of an external tool; skip (locally) or fail (CI) when it is missing."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian package; .ci/run installs it)"
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The third-party standard material (``tests/reference_root.py``); skipped with a reason where absent."""
    if not REFERENCE.is_dir():
        pytest.skip(f"reference material not found at {REFERENCE} ({HINT})")
    return REFERENCE


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SWGW_TEST_DATABASE_URL; skipped (locally) or failed (CI) when unset."""
    url = os.environ.get("SWGW_TEST_DATABASE_URL")
    if not url:
        if tools_required():
            pytest.fail("SWGW_TEST_DATABASE_URL is not set")
        pytest.skip("SWGW_TEST_DATABASE_URL is not set")
    return url
