"""Third-party XML-DSig vectors (shared/reference/xmldsig) against tests/vectors/xmldsig/interop-expectations.toml."""

from __future__ import annotations

import base64
import tomllib
from datetime import datetime, timezone
from typing import Any

import pytest
from cryptography import x509
from lxml import etree
from trust_testkit import REFERENCE, VECTORS, require_reference

from trust import PartnerTrust, TrustError, verify_xml
from trust.keys import load_der_certificate

EXPECTATIONS: list[dict[str, Any]] = tomllib.loads(
    (VECTORS / "xmldsig" / "interop-expectations.toml").read_text("utf-8")
)["vector"]


def _pinned(entry: dict[str, Any], data: bytes) -> tuple[x509.Certificate, ...]:
    anchor: str = entry["anchor"]
    if anchor.startswith("file:"):
        return (x509.load_pem_x509_certificate(require_reference(*anchor[5:].split("/")).read_bytes()),)
    if anchor == "none":
        return ()
    pinned = []
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    for element in root.iter("{http://www.w3.org/2000/09/xmldsig#}X509Certificate"):
        try:
            pinned.append(load_der_certificate(base64.b64decode("".join((element.text or "").split()))))
        except ValueError:
            continue  # an unreadable certificate cannot be pinned; the vector's expectation accounts for it
    return tuple(pinned)


@pytest.mark.parametrize("entry", EXPECTATIONS, ids=[e["path"] for e in EXPECTATIONS])
def test_interop_vector(entry: dict[str, Any]) -> None:
    path = require_reference(*entry["path"].split("/"))
    data = path.read_bytes()
    at = datetime.fromisoformat(entry["at"]).replace(tzinfo=timezone.utc)
    # Hostile vectors must be refused before anything else reads them, including this test's pin extraction.
    pinned = () if entry.get("error") == "XML_HOSTILE" else _pinned(entry, data)
    trust = PartnerTrust(partner="REF", pinned=pinned)
    if entry["outcome"] == "valid":
        verify_xml(data, trust=trust, at=at)
        return
    with pytest.raises(TrustError) as caught:
        verify_xml(data, trust=trust, at=at)
    assert caught.value.code == entry["error"], caught.value.message


def test_every_reference_vector_is_listed() -> None:
    root = require_reference("xmldsig")
    on_disk = {str(p.relative_to(REFERENCE)) for p in root.rglob("*.xml")}
    listed = {e["path"] for e in EXPECTATIONS}
    assert on_disk <= listed, sorted(on_disk - listed)[:10]
