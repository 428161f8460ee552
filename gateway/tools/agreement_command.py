"""``swgw agreement export`` and ``swgw agreement import``: the commands around :mod:`gateway.agreement_offer`.

Export signs our offer with the configured signing key; import verifies a partner's offer, shows what it adds with
the CA fingerprint to compare out of band, and on confirmation writes the CA to ``trust/<party>-ca.pem``, appends
the ``[[partners]]`` table to the configuration (the file's text is kept, never re-serialized) and records the
anchor in the trust store and audit log as the operating-system account that ran it.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["add_agreement_commands", "run_export", "run_import"]


def _read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise SystemExit(f"swgw: cannot read {what} {path}: {e.strerror or e}") from e


def run_export(args: argparse.Namespace) -> int:
    """``swgw agreement export``: write our signed offer (see the README, 'Adding a partner')."""
    import mappings
    from cryptography import x509

    import trust

    from gateway.tools.agreement_offer import (
        AgreementOffer,
        OfferedDocument,
        check_document,
        colons,
        dns_names,
        offer_error,
        render_offer,
    )
    from trust.keys import SigningIdentity

    from gateway.tools.cli import load_settings
    from gateway.core.trust_export import classify

    settings = load_settings(args.config)
    now = datetime.now(UTC)
    signing = settings.signing
    identity = SigningIdentity.from_pem(
        _read_file(Path(signing.key), "signing.key"), _read_file(Path(signing.certificate), "signing.certificate"),
        _read_file(Path(signing.chain), "signing.chain") if signing.chain else b"")
    tls_file = settings.partner_listener.tls_certificate or ""
    tls_chain = x509.load_pem_x509_certificates(_read_file(Path(tls_file), "partner_listener.tls_certificate"))
    certificates = tuple(classify([(identity.certificate, identity.chain)], tls_chain))
    if sum(c.role == "ca" for c in certificates) != 1:
        raise offer_error("AGREEMENT_OFFER_MALFORMED", "the signing chain (signing.chain) must end in our "
                          "self-signed CA: it is what the partner trusts as anchor", "signing.chain")
    endpoint = args.endpoint or settings.partner_listener.address
    host = endpoint.rpartition(":")[0].strip("[]")
    if not host or host in ("0.0.0.0", "::"):
        raise offer_error("AGREEMENT_OFFER_MALFORMED", f"the partner listener binds {endpoint}: give --endpoint "
                          "HOST:PORT as partners reach it", "endpoint")
    names = dns_names(tls_chain[0])
    server_name = args.tls_server_name or (names[0] if names else "")
    if server_name not in names:
        raise offer_error("AGREEMENT_OFFER_MALFORMED", f"our TLS certificate names {names or 'no DNS name'}, not "
                          f"{server_name!r}: partners would refuse it", "tls_server_name")
    documents = []
    for i, item in enumerate(args.document):
        document_type, _, profile_id = item.partition("=")
        try:
            profile = mappings.get_profile(profile_id)
        except mappings.MappingError:
            profile = None
        document = OfferedDocument(document_type, profile_id, profile.format if profile else "")
        check_document(document, f"--document[{i}]")
        documents.append(document)
    offer = AgreementOffer(
        offer_id=str(uuid.uuid4()), party=str(settings.party), endpoint=endpoint, tls_server_name=server_name,
        documents=tuple(documents),
        max_payload_bytes=args.max_payload_bytes or settings.max_payload_bytes,
        max_message_age_seconds=args.max_message_age_seconds,
        certificates=certificates, created=now, valid_until=now + timedelta(days=args.valid_days),
    )
    data = render_offer(offer, identity)
    args.out.write_bytes(data)
    print(f"wrote agreement offer {offer.offer_id} for party {offer.party} to {args.out}, valid until "
          f"{offer.valid_until.isoformat()}")
    print(f"Tell the partner our CA fingerprint by another channel than the file (phone call, letter):\n"
          f"  SHA-256 {colons(trust.fingerprint(offer.ca))}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """``swgw agreement import``: verify a partner's offer, show it, and on confirmation add the partner."""
    import trust

    from gateway.tools.agreement_offer import normalize_fingerprint, offer_error, partner_table, read_offer, summary
    from gateway.tools.cli import load_settings

    config: Path = args.config
    settings = load_settings(config)
    now = datetime.now(UTC)
    verified = read_offer(_read_file(args.offer, "offer"), at=now)
    offer = verified.offer
    if offer.party == str(settings.party):
        raise offer_error("AGREEMENT_PARTNER_CONFIGURED", f"the offer is from {offer.party}, this gateway itself",
                          "offer.party")
    if any(p.name == offer.party for p in settings.partners):
        raise offer_error("AGREEMENT_PARTNER_CONFIGURED", f"{offer.party} is already a partner in {config}: change its "
                          "[[partners]] table by hand, or remove it before importing a new offer", "offer.party")
    print(summary(verified), flush=True)
    if args.fingerprint:
        if normalize_fingerprint(args.fingerprint) != verified.ca_fingerprint:
            raise offer_error("AGREEMENT_OFFER_FINGERPRINT_MISMATCH",
                              f"the offered CA is not the one {offer.party} announced (--fingerprint): do not import; "
                              "ask the partner by another channel", "offer.certificates[role=ca]")
        print("CA fingerprint matches --fingerprint.")
    elif args.yes:
        print("warning: --yes without --fingerprint: the CA fingerprint was not compared", file=sys.stderr)
    elif sys.stdin.isatty():
        print(f"Add {offer.party} with this CA as trust anchor to {config}? [y/N] ", end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise offer_error("AGREEMENT_IMPORT_NOT_CONFIRMED", "not confirmed: nothing was written")
    else:
        raise offer_error("AGREEMENT_IMPORT_NOT_CONFIRMED", "no terminal to confirm on: pass --fingerprint SHA256 "
                          "as the partner gave it out of band (or --yes); nothing was written")

    from gateway.tools.partners_command import add_partner_to_config, record_anchors

    table = partner_table(offer)
    header = (f"# {offer.party}: added by `swgw agreement import` at {now.isoformat()} from offer {offer.offer_id},\n"
              f"# CA SHA-256 {trust.fingerprint(offer.ca)}\n")
    ca_file = add_partner_to_config(config, offer.party, [offer.ca], table, header=header)
    print(f"added partner {offer.party} to {config} (trust anchor {ca_file})")
    record_anchors(config, offer.party, [offer.ca])
    print(f"restart the gateway (swgw serve --config {config}) to exchange with {offer.party}")
    return 0


def _command(args: argparse.Namespace) -> int:
    return run_export(args) if args.agreement_command == "export" else run_import(args)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _document_profile(text: str) -> str:
    if text.count("=") != 1 or not all(text.partition("=")[::2]):
        raise argparse.ArgumentTypeError("give TYPE=PROFILE, e.g. certificate-of-origin=coo-ubl24-cepa-hk")
    return text


def add_agreement_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``swgw agreement export`` and ``swgw agreement import``."""
    agreement = sub.add_parser("agreement", help="signed agreement offers: add a partner in one step")
    asub = agreement.add_subparsers(dest="agreement_command", required=True)
    p = asub.add_parser("export", help="write our signed agreement offer for a partner")
    p.add_argument("--config", type=Path, required=True, help="our gateway's configuration")
    p.add_argument("--out", type=Path, required=True, help="the offer file to write (JSON)")
    p.add_argument("--document", action="append", required=True, type=_document_profile, metavar="TYPE=PROFILE",
                   help="an offered document type and its mapping profile (repeat for several)")
    p.add_argument("--endpoint", help="HOST:PORT where partners reach our partner listener (default: its address)")
    p.add_argument("--tls-server-name", help="the name partners check in our TLS certificate (default: its first "
                                             "DNS name)")
    p.add_argument("--max-payload-bytes", type=_positive_int, help="default: [gateway] max_payload_bytes")
    p.add_argument("--max-message-age-seconds", type=_positive_int, default=7 * 86400,
                   help="freshness window for envelopes (default 604800: 7 days)")
    p.add_argument("--valid-days", type=_positive_int, default=30, help="the offer expires after (default 30)")
    p = asub.add_parser("import", help="verify a partner's offer, show it, and add the partner with its trust")
    p.add_argument("offer", type=Path, help="the partner's offer file")
    p.add_argument("--config", type=Path, required=True, help="our gateway's configuration (appended to)")
    p.add_argument("--fingerprint", metavar="SHA256",
                   help="the partner's CA fingerprint as received out of band; import only if it matches")
    p.add_argument("--yes", action="store_true", help="do not ask (the fingerprint is then NOT compared)")
    agreement.set_defaults(func=_command)
