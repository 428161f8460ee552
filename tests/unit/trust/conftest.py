"""Fixtures for the trust tests."""

from __future__ import annotations

import pytest
from trust_testkit import Pki, build_pki


@pytest.fixture(scope="session")
def pki() -> Pki:
    """The test PKI, generated once per session."""
    return build_pki()
