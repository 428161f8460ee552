"""``swgw partners add``, and the one way a partner enters the configuration (``swgw agreement import`` uses it
too): its CA certificates go to ``trust/<party>-ca.pem``, its ``[[partners]]`` table is appended to the file as
TOML text (the rest of the file, comments included, stays as it was), the whole new configuration must parse
before anything is written, the file is replaced atomically, and the anchors are recorded in the trust store and
the audit log as the operating-system account that ran the command.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_choices import DOCUMENT_TYPES

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["add_partner_to_config", "add_partners_add_command", "record_anchors"]


def add_partner_to_config(config: Path, party: str, anchors: Sequence[x509.Certificate], table: dict[str, Any], *,
                          header: str) -> str:
    """Write ``anchors`` to ``trust/<party>-ca.pem`` and append ``table`` (without its trust_anchors, which name
    that file) to the configuration; returns the CA file's name relative to the configuration.

    Raises, having written nothing, ``AGREEMENT_PARTNER_CONFIGURED`` when the partner is configured already (or
    is us) or the CA file exists with other certificates, and ``CONFIG_INVALID`` when the new configuration would
    not parse.
    """
    import tomli_w
    from cryptography.hazmat.primitives.serialization import Encoding

    from ..core.errors import ConfigInvalid
    from ..core.settings import parse_settings
    from .agreement_offer import append_partner, offer_error

    folder = config.resolve().parent
    ca_file = f"trust/{party.lower()}-ca.pem"
    ca_pem = b"".join(a.public_bytes(Encoding.PEM) for a in anchors)
    ca_path = folder / ca_file
    if ca_path.exists() and ca_path.read_bytes() != ca_pem:
        raise offer_error("AGREEMENT_PARTNER_CONFIGURED", f"{ca_path} exists with other certificates: move it away "
                          "first; nothing was written", "trust_anchors")
    text = append_partner(config.read_text(encoding="utf-8"),
                          header + tomli_w.dumps({"partners": [{**table, "trust_anchors": [ca_file]}]}))
    try:
        settings = parse_settings(tomllib.loads(text), folder)
    except ConfigInvalid as e:
        if e.field_path == "partners":  # configured twice, or ourselves
            raise offer_error("AGREEMENT_PARTNER_CONFIGURED", f"{party} is already a partner in {config} (or is this "
                              "gateway); nothing was written", "party") from e
        raise ConfigInvalid(f"the partner would make {config} invalid, nothing was written: {e.message}",
                            field_path=e.field_path) from e
    if sum(p.name == party for p in settings.partners) != 1:
        raise offer_error("AGREEMENT_PARTNER_CONFIGURED", f"{party} cannot be added to {config}; nothing was "
                          "written", "party")
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca_path.write_bytes(ca_pem)
    temporary = config.with_name(f".{config.name}.partner-add")
    temporary.write_text(text, encoding="utf-8")
    os.chmod(temporary, config.stat().st_mode & 0o7777)
    os.replace(temporary, config)  # atomic: a crash leaves the old or the new file, never half of one
    return ca_file


def record_anchors(config: Path, party: str, anchors: Sequence[x509.Certificate]) -> None:
    """Record the anchors in the trust store now, audited as this operating-system account (the start-up import
    of trust_anchors then finds them known). If the database cannot be reached, the start-up import adds them
    instead, audited as the configuration."""
    from sqlalchemy.exc import SQLAlchemyError

    import trust
    from trust import CertificateRole

    from ..app import open_operations
    from ..core.errors import GatewayError
    from .cli import load_settings
    from .cli_admin import local_actor

    try:
        operations = open_operations(load_settings(config))
        for anchor in anchors:
            operations.trustbook.ensure(party, anchor, role=CertificateRole.ANCHOR, actor=local_actor())
    except (GatewayError, trust.TrustError, SQLAlchemyError, OSError) as e:
        print(f"warning: the trust store was not updated now ({e}); the gateway imports the anchor at its next "
              "start (audited as configuration)", file=sys.stderr)
        return
    print(f"trust anchor of {party} recorded in the trust store and the audit log (trust.add)")


def _document(text: str) -> tuple[str, str]:
    kind, _, profile = text.partition("=")
    if not profile or kind not in DOCUMENT_TYPES:
        raise argparse.ArgumentTypeError(f"give TYPE=PROFILE with TYPE one of {', '.join(DOCUMENT_TYPES)}")
    return kind, profile


def _run(args: argparse.Namespace) -> int:
    import mappings
    from cryptography import x509

    import trust

    from .agreement_offer import colons

    anchors = []
    for path in args.ca:
        certificates = x509.load_pem_x509_certificates(path.read_bytes())
        for certificate in certificates:
            # The same check as `swgw trust add`: an anchor is a CA certificate (pin a leaf with trust add --role
            # pinned instead).
            problem = trust.ca_problem(certificate)
            if problem is not None:
                raise SystemExit(f"swgw: {path}: [TRUST_ANCHOR_NOT_CA] {certificate.subject.rfc4514_string()} is "
                                 f"not a CA ({problem}): pin it with `swgw trust add --role pinned` instead")
        anchors.extend(certificates)
    for kind, profile in args.document:
        try:
            found = mappings.get_profile(profile)
        except mappings.MappingError as e:
            raise SystemExit(f"swgw: --document {kind}={profile}: [{e.code}] {e.message} (see `swgw profiles`)") from e
        if found.document_type != kind:
            raise SystemExit(f"swgw: --document {kind}={profile}: the profile maps {found.document_type}")
    table: dict[str, Any] = {"party": args.party, "endpoint": args.endpoint,
                             "tls_server_name": args.tls_server_name or args.endpoint.rpartition(":")[0],
                             "documents": dict(args.document)}
    if args.max_payload_bytes:
        table["max_payload_bytes"] = args.max_payload_bytes
    now = datetime.now(UTC)
    header = f"# {args.party}: added by `swgw partners add` at {now.isoformat()}\n"
    ca_file = add_partner_to_config(args.config, args.party, anchors, table, header=header)
    print(f"added partner {args.party} to {args.config} (trust anchors {ca_file}):")
    for anchor in anchors:
        print(f"  {anchor.subject.rfc4514_string()}  SHA-256 {colons(trust.fingerprint(anchor))}")
    print("compare these fingerprints with the ones the partner gave you by another channel")
    record_anchors(args.config, args.party, anchors)
    print(f"restart the gateway (swgw serve --config {args.config}) to exchange with {args.party}")
    return 0


def add_partners_add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``swgw partners add``."""
    p = sub.add_parser("add", help="add a partner: its [[partners]] table and trust anchors (without an offer "
                                   "file; see also `swgw agreement import`)")
    p.add_argument("party", help="the partner's party id, e.g. HK")
    p.add_argument("--config", type=Path, required=True, help="our gateway's configuration (appended to)")
    p.add_argument("--endpoint", required=True, metavar="HOST:PORT", help="the partner gateway's partner listener")
    p.add_argument("--tls-server-name", help="the name to check in the partner's TLS certificate (default: the "
                                             "endpoint's host)")
    p.add_argument("--ca", type=Path, action="append", required=True, metavar="FILE",
                   help="the partner's CA certificate(s), PEM; repeat for several; each must be a CA certificate")
    p.add_argument("--document", type=_document, action="append", required=True, metavar="TYPE=PROFILE",
                   help=f"a document type ({', '.join(DOCUMENT_TYPES)}) and its mapping profile (`swgw profiles`); "
                        "repeat for several")
    p.add_argument("--max-payload-bytes", type=int, help="largest document accepted from it (default 8388608)")
    p.set_defaults(func=_run)
