"""``swgw conformance sender|receiver``: reads the options, prepares the kit identity, runs, writes the report."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

# Only light modules at import time: the parser is built on every ``swgw`` start.
from gateway.tools.conformance.checks import DEFAULT_PROFILE

if TYPE_CHECKING:
    from .identity import KitIdentity
    from .report import Report

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``conformance`` sub-commands and their options."""
    roles = parser.add_subparsers(dest="role", required=True)
    for role, help_text in (("sender", "deliver good and bad envelopes to the partner and check its answers"),
                            ("receiver", "run a test window the partner delivers to and check what it sends")):
        p = roles.add_parser(role, help=help_text)
        if role == "sender":
            p.add_argument("--endpoint", required=True, help="HOST:PORT of the partner's PartnerExchangeService")
            p.add_argument("--server-name", required=True, help="the name the partner's TLS certificate holds")
            p.add_argument("--example", help="shipped sample record to map (default: the profile's)")
        else:
            p.add_argument("--listen", required=True, help="HOST:PORT for the kit's test window (port 0: any)")
            p.add_argument("--duration", type=float, default=300.0, metavar="S",
                           help="stop after S seconds (default 300)")
            p.add_argument("--expect", type=int, metavar="N",
                           help="stop once N messages went through (with every fault the kit played recovered)")
        p.add_argument("--party", required=True, help="the partner's party id")
        p.add_argument("--partner-ca", type=Path, required=True,
                       help="the partner's CA certificate (PEM): its TLS and signing certificates chain to it")
        p.add_argument("--kit-dir", type=Path, required=True,
                       help="the kit's identity (created there when absent; give its ca.pem to the partner)")
        p.add_argument("--kit-party", default="ZZ", help="the party id the kit plays (default ZZ)")
        p.add_argument("--profile", default=DEFAULT_PROFILE, help=f"agreed mapping profile (default {DEFAULT_PROFILE})")
        p.add_argument("--max-payload-bytes", type=int, default=8 * 1024 * 1024,
                       help="the agreed size limit of payload and attachments (default 8 MiB)")
        p.add_argument("--max-age", type=float, default=7 * 86400.0, metavar="S",
                       help="the agreed maximum age of an envelope in seconds (default 7 days)")
        p.add_argument("--out", type=Path, default=Path("conformance-report"),
                       help="report path without extension: writes OUT.json and OUT.html")


def _announce(kit: KitIdentity, created: bool) -> None:
    from .identity import KIT_SERVER_NAME

    state = "created" if created else "reused"
    print(f"kit identity {state} in {kit.folder}; the partner must trust the kit's CA {kit.ca_path} "
          f"(SHA-256 {kit.ca_fingerprint}); kit TLS server name {KIT_SERVER_NAME}", flush=True)


def run(args: argparse.Namespace) -> int:
    """Run the chosen role; exit status 0 when no check failed, 1 otherwise."""
    import mappings

    from .identity import load_or_create
    from .report import write_report
    from .sender import EXAMPLES

    from cryptography import x509

    partner_ca = args.partner_ca.read_bytes()
    try:
        x509.load_pem_x509_certificates(partner_ca)
    except ValueError:
        print(f"swgw: {args.partner_ca} holds no PEM certificate (--partner-ca)", file=sys.stderr)
        return 1
    try:
        # Refuse an unknown profile or example before anything is created or sent.
        mappings.get_profile(args.profile)
        if args.role == "sender":
            example = args.example or EXAMPLES.get(args.profile)
            if example is None:
                print(f"swgw: no shipped example for profile {args.profile!r}: name one with --example",
                      file=sys.stderr)
                return 1
            mappings.load_example(example)
        kit, created = load_or_create(args.kit_dir, at=datetime.now(UTC))
    except mappings.MappingError as e:
        print(f"swgw: {e}", file=sys.stderr)
        return 1
    except ValueError as e:  # an incomplete kit folder
        print(f"swgw: {e}", file=sys.stderr)
        return 1
    _announce(kit, created)
    max_age = timedelta(seconds=args.max_age)
    report: Report
    if args.role == "sender":
        from .sender import SenderOptions, run_sender

        report = run_sender(SenderOptions(
            endpoint=args.endpoint, server_name=args.server_name, partner_ca_pem=partner_ca, party=args.party,
            kit_party=args.kit_party, profile=args.profile, example=args.example,
            max_payload_bytes=args.max_payload_bytes, max_message_age=max_age,
        ), kit)
    else:
        from .receiver import ReceiverOptions, run_receiver

        def listening(port: int) -> None:
            print(f"kit test window (party {args.kit_party}) listening on port {port}", flush=True)

        report = run_receiver(ReceiverOptions(
            listen=args.listen, party=args.party, partner_ca_pem=partner_ca, kit_party=args.kit_party,
            profile=args.profile, expect=args.expect, duration_seconds=args.duration,
            max_payload_bytes=args.max_payload_bytes, max_message_age=max_age,
        ), kit, on_listening=listening)
    json_path, html_path = write_report(report, args.out)
    for result in report.results:
        print(f"{result.status.upper():8} {result.check.id}: {result.evidence[:160]}")
    summary = report.to_dict()["summary"]
    print(f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped; "
          f"report {json_path} and {html_path}", file=sys.stdout)
    return 0 if report.passed else 1
