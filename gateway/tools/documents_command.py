"""``swgw documents show KEY`` (the certificate ledger) and ``swgw documents inquire`` (ask the issuing partner).

``show`` works offline (``--config``) or online through the Operator service (``--gateway`` with an operator
certificate); both print the ledger's wire form, so the two read alike. ``inquire`` needs the running gateway:
it is the gateway that asks the partner over mutual TLS and verifies the signed answer against the partner's
trust.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["add_documents_commands"]

Row = dict[str, Any]


def _key(text: str) -> tuple[str, str, int]:
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts[:2]):
        raise argparse.ArgumentTypeError("expected ISSUER/NUMBER or ISSUER/NUMBER/VERSION")
    version = parts[2].removeprefix("v") if len(parts) == 3 else "0"
    if not version.isdigit():
        raise argparse.ArgumentTypeError(f"version {parts[2]!r} is not a number")
    return parts[0], parts[1], int(version)


def _to_dict(message: Any) -> Row:
    from .views import proto_row

    return proto_row(message)


def _ledger(args: argparse.Namespace) -> Row:
    from .._generated.swgw.v1 import certificate_ledger_pb2 as lpb
    from .._generated.swgw.v1 import envelope_pb2 as pb

    issuer, number, _ = args.key
    if args.gateway:
        from .cli_admin import tls_credentials
        from .client import GatewayClient

        with GatewayClient(args.gateway, credentials=tls_credentials(args)) as client:
            request = lpb.GetCertificateLedgerRequest(certificate=pb.BusinessKey(issuer=issuer, number=number))
            return _to_dict(client.call(client.operator.GetCertificateLedger, request).ledger)  # type: ignore[attr-defined]
    if not args.config:
        raise SystemExit("swgw: give --config FILE (offline) or --gateway HOST:PORT (online)")
    from ..app import open_operations
    from ..core.errors import MessageNotFound
    from ..transports import ledger_codec
    from .cli import load_settings

    ledgers = open_operations(load_settings(args.config)).ledgers
    assert ledgers is not None  # open_operations always builds them
    ledger = ledgers.ledger(issuer, number)
    if not ledger.entries:
        raise MessageNotFound(f"no message carried certificate {issuer}/{number}", field_path="certificate")
    return _to_dict(ledger_codec.ledger_to_proto(ledger))


def _table(ledger: Row) -> str:
    current = ledger.get("current")
    lines = [f"certificate {ledger['certificate']}: {ledger['status']}"
             + (f", current version {current.rsplit('/v', 1)[-1]}" if current else ", no accepted version")]
    header = ("version", "action", "direction", "partner", "status", "accepted", "by", "at", "accepted_at",
              "sha256", "message_id")
    rows = [header]
    for e in ledger.get("entries", []):
        digest = e.get("payload_sha256", "")
        rows.append((str(e.get("version", 0)), e["action"], e["direction"], e["partner"],
                     e["status"], "yes" if e.get("accepted") else "no", e.get("by", ""), e.get("at", ""),
                     e.get("accepted_at", "-"), digest[:16], e["message_id"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> int:
    ledger = _ledger(args)
    from .views import emit

    emit(args.json, ledger, lambda data: print(_table(data)))
    return 0


def _inquire(args: argparse.Namespace) -> int:
    from .._generated.swgw.v1 import certificate_ledger_pb2 as lpb
    from .._generated.swgw.v1 import envelope_pb2 as pb

    if not args.gateway:
        raise SystemExit("swgw: documents inquire asks through the running gateway: give --gateway HOST:PORT")
    if (args.key is None) == (args.digest is None):
        raise SystemExit("swgw: give a certificate ISSUER/NUMBER[/VERSION] or --digest HEX, not both")
    inquiry = lpb.CertificateInquiry()
    if args.key is not None:
        issuer, number, version = args.key
        inquiry.business_key.CopyFrom(pb.BusinessKey(issuer=issuer, number=number, version=version))
    else:
        try:
            digest = bytes.fromhex(args.digest)
        except ValueError:
            raise SystemExit("swgw: INQUIRY_INVALID: --digest is not hexadecimal") from None
        inquiry.document_sha256 = digest
    from .cli_admin import tls_credentials
    from .client import GatewayClient

    with GatewayClient(args.gateway, credentials=tls_credentials(args)) as client:
        request = lpb.InquirePartnerCertificateRequest(partner=args.partner, inquiry=inquiry)
        response = client.call(client.operator.InquirePartnerCertificate, request)
    from .views import emit, print_fields

    emit(args.json, _to_dict(response), print_fields)
    return 0


def add_documents_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                           target: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``swgw documents``; ``target`` adds the --config/--gateway/TLS options."""
    parser = sub.add_parser("documents", help="the certificate ledger, and verification inquiries to partners")
    dsub = parser.add_subparsers(dest="documents_command", required=True)
    p = dsub.add_parser("show", help="the life of a certificate: every version sent or received, who and when")
    p.add_argument("key", type=_key, help="ISSUER/NUMBER (a version given is ignored)")
    target(p)
    p.set_defaults(func=_show)
    p = dsub.add_parser("inquire", help="ask the issuing partner whether a certificate is valid, replaced or "
                                        "withdrawn (signed answer, verified against the partner's trust)")
    p.add_argument("key", nargs="?", type=_key, help="ISSUER/NUMBER[/VERSION] of the certificate")
    p.add_argument("--digest", help="instead of the number: SHA-256 (hex) of the document in hand")
    p.add_argument("--partner", required=True, help="the partner that issued it, e.g. HK")
    target(p)
    p.set_defaults(func=_inquire)
