"""The ``swgw`` command: serve, init, demo, submit, status, validate, map, verify, trust, messages, partners."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .domain import Action, BusinessKey, DocumentType
from .errors import GatewayError
from .settings import Settings, parse_settings_toml

if TYPE_CHECKING:
    from cryptography import x509

    from .client import GatewayClient

    from trust import PartnerTrust

__all__ = ["load_settings", "main"]


def load_settings(path: Path) -> Settings:
    """Read and parse a TOML configuration file (relative paths resolve against its folder)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SystemExit(f"swgw: cannot read {path}: {e.strerror}") from e
    return parse_settings_toml(data, path.resolve().parent)


def _business_key(text: str) -> BusinessKey:
    parts = text.split("/")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("business key is ISSUER/NUMBER[/VERSION]")
    version = int(parts[2].lstrip("v")) if len(parts) == 3 else 0
    return BusinessKey(parts[0], parts[1], version)


def _cmd_serve(args: argparse.Namespace) -> int:
    from .app import build_app

    settings = load_settings(args.config)
    app = build_app(settings)
    partner_port, domestic_port = app.start()
    print(f"swgw {settings.party}: partner port {partner_port} (mTLS), domestic port {domestic_port}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    app.stop()
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from .devsetup import domestic_tls_config, free_port, gateway_config, write_domestic_tls, write_window

    import tomli_w

    root: Path = args.dir
    party: str = args.party
    partner_port = args.partner_port or free_port()
    domestic_port = args.domestic_port or free_port()
    folder, _ = write_window(root, party, at=datetime.now(UTC), partner_port=partner_port,
                             domestic_port=domestic_port)
    config = gateway_config(party, partner_port=partner_port, domestic_port=domestic_port, partners=[])
    if args.domestic_tls:
        write_domestic_tls(folder, party, at=datetime.now(UTC))
        domestic_tls_config(config)
    path = folder / "swgw.toml"
    if path.exists() and not args.force:
        print(f"swgw: {path} exists (use --force)", file=sys.stderr)
        return 2
    path.write_text(tomli_w.dumps(config))
    print(f"wrote {path} and development keys under {folder / 'keys'}")
    print("add partners as [[partners]] tables (see README, 'Adding a partner'), then: swgw serve --config", path)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(out=args.out, verbose=args.verbose)


def _client(args: argparse.Namespace) -> GatewayClient:
    from .client import GatewayClient

    address = args.gateway
    if address is None and args.config is not None:
        address = load_settings(args.config).domestic_listener.address
    if address is None:
        raise SystemExit("swgw: give --gateway HOST:PORT or --config FILE")
    from .cli_admin import tls_credentials

    return GatewayClient(address, credentials=tls_credentials(args))


def _cmd_submit(args: argparse.Namespace) -> int:
    from google.protobuf.json_format import MessageToDict

    with _client(args) as client:
        response = client.submit(
            args.partner, DocumentType(args.type), args.file.read_bytes(), action=Action(args.action),
            refers_to=args.refers_to, idempotency_key=args.idempotency_key or "",
        )
        print(json.dumps(MessageToDict(response), indent=2, ensure_ascii=False))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from google.protobuf.json_format import MessageToDict

    with _client(args) as client:
        if args.business_key:
            key = args.business_key
            found = client.status_by_key(key.issuer, key.number, key.version)
        else:
            found = [client.status(args.message_id)]
        for summary in found:
            print(json.dumps(MessageToDict(summary), indent=2, ensure_ascii=False))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    import mappings

    from .pipeline.steps import parse_record

    try:
        record = parse_record(args.file.read_bytes())
    except GatewayError as e:
        print(json.dumps({"ok": False, "findings": [{"severity": "ERROR", "code": e.code, "path": "$",
                                                     "message": e.message}]}, indent=2))
        return 1
    report = mappings.validate_record(args.type, record)
    print(json.dumps({"ok": report.ok, **report.to_dict()}, indent=2, ensure_ascii=False))
    return 0 if report.ok else 1


def _cmd_map(args: argparse.Namespace) -> int:
    import mappings

    profile = args.profile
    if profile is None:
        settings = load_settings(args.config) if args.config else None
        if settings is None or args.partner is None:
            raise SystemExit("swgw: give --profile, or --partner with --config")
        profile = settings.partner(args.partner).mapping_profile(DocumentType(args.type))
    data = args.file.read_bytes()
    try:
        if args.reverse:
            result = mappings.map_reverse(data, profile)
            print(json.dumps(result.record, indent=2, ensure_ascii=False))
        else:
            from .pipeline.steps import parse_record

            forward = mappings.map_forward(parse_record(data), profile)
            sys.stdout.buffer.write(forward.document)
            report = forward.report
            print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), file=sys.stderr)
            return 0
    except mappings.MappingError as e:
        body: dict[str, object] = {"code": e.code, "message": e.message, "path": e.path}
        if e.report is not None:
            body["report"] = e.report.to_dict()
        print(json.dumps(body, indent=2, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps(result.report.to_dict(), indent=2, ensure_ascii=False), file=sys.stderr)
    return 0


def _trust_from_dir(folder: Path) -> dict[str, PartnerTrust]:
    """Partner trust from a folder: each certificate file is a partner (named by the file), CRLs attach to the
    partner whose certificates issued them."""
    import trust

    from .trustbook import load_certificates

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
        stores[partner] = trust.PartnerTrust(partner=partner, anchors=tuple(certificates), crls=tuple(crls))
    return stores


def _cmd_verify(args: argparse.Namespace) -> int:
    from .verify_offline import verify_bytes

    at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    if args.trust:
        stores = _trust_from_dir(args.trust)
    elif args.config:
        from .app import open_operations

        store = open_operations(load_settings(args.config)).trustbook.store()
        stores = {p: store.for_partner(p, at=at) for p in store.partners}
    else:
        raise SystemExit("swgw: give --trust DIR or --config FILE")
    report = verify_bytes(args.file.read_bytes(), stores, at=at)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(f"{args.file}: {report.kind}, {'VALID' if report.valid else 'INVALID'}")
        for check in report.checks:
            print(f"  {check}")
        for label, value in (("partner", report.partner), ("signer", report.signer),
                             ("fingerprint", report.fingerprint), ("validity", report.validity),
                             ("revocation", report.revocation)):
            if value:
                print(f"  {label}: {value}")
        for depth, subject in enumerate(report.chain):
            print(f"  chain[{depth}]: {subject}")
        if report.error_code:
            print(f"  error: {report.error_code}: {report.error}")
    return 0 if report.valid else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``swgw`` command."""
    from .cli_admin import add_admin_commands

    parser = argparse.ArgumentParser(prog="swgw", description="Single Window interconnection gateway")
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING (default) or ERROR")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run a gateway")
    p.add_argument("--config", type=Path, required=True, help="the gateway's TOML configuration")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("init", help="write a starter configuration and development keys for a new window")
    p.add_argument("dir", type=Path, help="folder to write into (a sub-folder per window is made)")
    p.add_argument("--party", required=True, help="this window's party id, e.g. CN")
    p.add_argument("--partner-port", type=int, default=0)
    p.add_argument("--domestic-port", type=int, default=0)
    p.add_argument("--force", action="store_true", help="overwrite an existing configuration")
    p.add_argument("--domestic-tls", action="store_true",
                   help="TLS on the domestic listener, with a hub and an operator client certificate")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("demo", help="three gateways on loopback exchanging signed documents")
    p.add_argument("--out", type=Path, default=None, help="leave the exchanged artifacts in this folder")
    p.add_argument("--verbose", action="store_true", help="show the gateways' logs")
    p.set_defaults(func=_cmd_demo)

    def client_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--gateway", help="domestic listener HOST:PORT of a running gateway")
        p.add_argument("--config", type=Path, help="or the gateway's configuration file")
        p.add_argument("--tls-ca", type=Path, help="CA of the gateway's TLS certificate (TLS domestic port)")
        p.add_argument("--tls-cert", type=Path, help="this domestic client's certificate")
        p.add_argument("--tls-key", type=Path, help="this domestic client's key")

    p = sub.add_parser("submit", help="submit a catalog record (JSON) for a partner")
    p.add_argument("file", type=Path)
    p.add_argument("--partner", required=True)
    p.add_argument("--type", required=True, choices=[t.value for t in DocumentType])
    p.add_argument("--action", default="issue", choices=[a.value for a in Action])
    p.add_argument("--refers-to", type=_business_key, help="ISSUER/NUMBER/VERSION of the document replaced")
    p.add_argument("--idempotency-key")
    client_options(p)
    p.set_defaults(func=_cmd_submit)

    p = sub.add_parser("status", help="where a message stands")
    p.add_argument("message_id", nargs="?")
    p.add_argument("--business-key", type=_business_key, help="ISSUER/NUMBER[/VERSION] instead of a message id")
    client_options(p)
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("validate", help="validate a catalog record against the domestic catalog (offline)")
    p.add_argument("file", type=Path)
    p.add_argument("--type", required=True, choices=[t.value for t in DocumentType])
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("map", help="map a record to a partner format, or a partner document back (offline)")
    p.add_argument("file", type=Path)
    p.add_argument("--type", required=True, choices=[t.value for t in DocumentType])
    p.add_argument("--profile", help="mapping profile id")
    p.add_argument("--partner", help="take the profile from this partner's agreement (with --config)")
    p.add_argument("--config", type=Path)
    p.add_argument("--reverse", action="store_true", help="partner document -> catalog record")
    p.set_defaults(func=_cmd_map)

    p = sub.add_parser("verify", help="verify a signed XML, a signed PDF or an exported message, offline")
    p.add_argument("file", type=Path)
    p.add_argument("--trust", type=Path, help="folder of partner CA certificates (<partner>.pem) and CRLs")
    p.add_argument("--config", type=Path, help="or a gateway's configuration (its trust store)")
    p.add_argument("--at", help="verify at this ISO time instead of now")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_verify)

    add_admin_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``swgw`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .client import ClientError

    try:
        return int(args.func(args))
    except (GatewayError, ClientError) as e:
        print(f"swgw: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
