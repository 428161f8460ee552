"""``swgw trust export``: every certificate labelled by what it is, CA material never mixed up with leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from gateway.core.trust_export import classify, export_files, render_export, split_export
from trust.devpki import create_ca, issue_certificate, issue_intermediate

AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_keyring_chains_and_tls_are_labelled_and_split() -> None:
    root = create_ca("CN Root", at=AT - timedelta(days=1))
    sub = issue_intermediate(root, "CN Signing Sub-CA", at=AT - timedelta(days=1))
    old = issue_certificate(root, "CN signing 1", at=AT - timedelta(days=1), usage="signing")
    new = issue_certificate(sub, "CN signing 2", at=AT, usage="signing")
    tls = issue_certificate(root, "cn.gateway.test", at=AT - timedelta(days=1), usage="tls")
    # Chains as configured: the root listed with each key (swgw's [signing] chain), the sub-CA with the new one.
    entries = classify([(new.certificate, (sub.certificate, root.certificate)), (old.certificate, (root.certificate,))],
                       [tls.certificate, root.certificate])
    assert [(e.role, e.certificate) for e in entries] == [
        ("ca", root.certificate), ("intermediate", sub.certificate),
        ("signing", new.certificate), ("signing", old.certificate), ("tls", tls.certificate)]
    bundle = render_export(entries, party="CN")
    assert bundle.startswith(b"# swgw trust export: the certificates of party CN")
    assert len(x509.load_pem_x509_certificates(bundle)) == 5  # any PEM reader takes it as it is
    assert split_export(bundle) == entries
    files = export_files(bundle)
    assert sorted(files) == ["ca.pem", "intermediates.pem", "manifest.json", "signing.pem", "tls.pem"]
    assert x509.load_pem_x509_certificates(files["ca.pem"]) == [root.certificate]
    assert x509.load_pem_x509_certificates(files["signing.pem"]) == [new.certificate, old.certificate]


def test_an_unlabelled_bundle_is_refused() -> None:
    root = create_ca("CN Root", at=AT)
    with pytest.raises(ValueError, match="no 'role:' label"):
        split_export(root.cert_pem())
