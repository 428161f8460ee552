"""The trust package's public surface, error codes and purity rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from trust_testkit import REPO

import trust
from trust import errors

PACKAGE = REPO / "trust"

CODES = {
    "XmlMalformed": "XML_MALFORMED",
    "XmlHostile": "XML_HOSTILE",
    "SignatureMissing": "SIGNATURE_MISSING",
    "SignatureInvalid": "SIGNATURE_INVALID",
    "AlgorithmForbidden": "SIGNATURE_ALGORITHM_FORBIDDEN",
    "ReferenceInvalid": "SIGNATURE_REFERENCE_INVALID",
    "CertificateUntrusted": "CERTIFICATE_UNTRUSTED",
    "CertificateExpired": "CERTIFICATE_EXPIRED",
    "CertificateRevoked": "CERTIFICATE_REVOKED",
    "RevocationUnknown": "REVOCATION_UNKNOWN",
    "PdfSignatureInvalid": "PDF_SIGNATURE_INVALID",
    "CrlInvalid": "CRL_INVALID",
    "DecryptionFailed": "DECRYPTION_FAILED",
    "TrustStoreError": "TRUST_STORE_CONFLICT",
    "TrustAnchorNotCa": "TRUST_ANCHOR_NOT_CA",
}

# Modules trust/ must never import: the gateway side, other packages, I/O libraries.
FORBIDDEN_IMPORTS = (
    "gateway", "mappings", "grpc", "sqlalchemy", "apscheduler", "socket", "http", "urllib", "requests", "httpx",
    "os", "subprocess", "pathlib", "certifi", "time",
)
# Calls that read the clock or the environment.
FORBIDDEN_CALLS = ("now", "utcnow", "today", "getenv", "monotonic")


def test_all_is_sorted_and_complete() -> None:
    assert trust.__all__ == sorted(trust.__all__)
    for name in trust.__all__:
        assert hasattr(trust, name), name


@pytest.mark.parametrize(("name", "code"), sorted(CODES.items()))
def test_error_codes_are_stable(name: str, code: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, errors.TrustError) and cls.code == code
    error = cls("boom", partner="HK", path="/a/b")
    assert (error.code, error.message, error.partner, error.path) == (code, "boom", "HK", "/a/b")
    assert code in str(error)


def test_every_error_class_is_listed() -> None:
    defined = {n for n in errors.__all__ if n != "TrustError"}
    assert defined == set(CODES)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda p: p.name)
def test_module_is_pure(module: Path) -> None:
    tree = ast.parse(module.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_IMPORTS, f"{module.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in FORBIDDEN_CALLS, f"{module.name}:{node.lineno} calls .{node.func.attr}()"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "open", f"{module.name}:{node.lineno} opens a file"


@pytest.mark.parametrize("module", _modules(), ids=lambda p: p.name)
def test_module_conventions(module: Path) -> None:
    text = module.read_text("utf-8")
    assert "from __future__ import annotations" in text
    assert len(text.splitlines()) <= 420, f"{module.name} is too long"
    assert "sha1" not in text.lower().replace("sha-1", ""), f"{module.name} mentions a SHA-1 identifier"


def test_an_error_is_located_by_a_new_error_never_by_changing_the_raised_one() -> None:
    raised = trust.TrustAnchorNotCa("not a CA", partner="HK")
    located = raised.at("envelope.attachments[1]")
    assert type(located) is trust.TrustAnchorNotCa and located is not raised
    assert (located.code, located.message, located.partner, located.path) == (
        "TRUST_ANCHOR_NOT_CA", "not a CA", "HK", "envelope.attachments[1]")
    assert raised.path is None
