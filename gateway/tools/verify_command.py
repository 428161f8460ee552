"""``swgw verify``: verify a signed XML, a signed PDF or an exported message offline, against a folder of partner
certificates (``--trust``) or a gateway's trust store (``--config``)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

    from trust import PartnerTrust

__all__ = ["run", "trust_from_dir"]


def trust_from_dir(folder: Path) -> dict[str, PartnerTrust]:
    """Partner trust from a folder: each certificate file is a partner (named by the file), CRLs attach to the
    partner whose certificates issued them."""
    import trust

    from ..core.trust_export import load_certificates

    anchors: dict[str, list[x509.Certificate]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".pem", ".crt", ".cer") and not path.name.endswith(".crl.pem"):
            anchors[path.stem] = list(load_certificates(path.read_bytes()))
    stores: dict[str, PartnerTrust] = {}
    for partner, certificates in anchors.items():
        crls = []
        for path in sorted(folder.glob("*.crl*")):
            try:
                crls.append(trust.load_crl(path.read_bytes(), issuers=certificates))
            except trust.TrustError:
                continue  # issued by another partner's CA
        # Only CA certificates can be anchors; an end-entity certificate in the file (a partner's whole export,
        # say) is pinned, so its CA's CRL in the folder still applies to it.
        stores[partner] = trust.PartnerTrust(
            partner=partner, anchors=tuple(c for c in certificates if trust.ca_problem(c) is None),
            pinned=tuple(c for c in certificates if trust.ca_problem(c) is not None), crls=tuple(crls))
    return stores


def run(args: argparse.Namespace) -> int:
    """``swgw verify``: the verdict on one file, as text or JSON (``--json``); exit status 1 when invalid."""
    from ..core.trust_export import load_certificates
    from ..pipeline.signatures import timestamping_trust
    from .cli import load_settings, read_input
    from .verify_offline import summary, verify_bytes

    at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    tsa_anchors = list(load_certificates(read_input(args.tsa_trust))) if args.tsa_trust else []
    if args.trust:
        stores = trust_from_dir(args.trust)
    elif args.config:
        from ..app import open_operations

        settings = load_settings(args.config)
        store = open_operations(settings).trustbook.store()
        stores = {p: store.for_partner(p, at=at) for p in store.partners}
        if settings.timestamping is not None and not args.tsa_trust:
            tsa_anchors = list(load_certificates(Path(settings.timestamping.anchors).read_bytes()))
    else:
        raise SystemExit("swgw: give --trust DIR or --config FILE")
    signature = read_input(args.signature) if args.signature else None
    report = verify_bytes(read_input(args.file), stores, at=at, placement=args.placement, signature=signature,
                          tsa_trust=timestamping_trust(tsa_anchors))
    if args.json:
        print(json.dumps({**report.to_dict(), "summary": summary(report)}, indent=2, ensure_ascii=False))
    else:
        print(f"{args.file}: {report.kind}, {'VALID' if report.valid else 'INVALID'}")
        print(f"  {summary(report)}")
        for check in report.checks:
            print(f"  {check}")
        for label, value in (("partner", report.partner), ("signer", report.signer),
                             ("fingerprint", report.fingerprint), ("validity", report.validity),
                             ("revocation", report.revocation), ("level", report.level),
                             ("signed at", report.signed_at), ("time-stamped by", report.timestamp_authority)):
            if value:
                print(f"  {label}: {value}")
        for depth, subject in enumerate(report.chain):
            print(f"  chain[{depth}]: {subject}")
        if report.error_code:
            print(f"  error: {report.error_code}: {report.error}")
    return 0 if report.valid else 1
