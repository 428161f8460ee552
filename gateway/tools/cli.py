"""The ``swgw`` command: serve, init, demo, submit, status, validate, map, profiles, verify, conformance, agreement,
trust, messages, partners, backup, restore."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only light modules at import time: the parser is built on every start, `--help` included (see cli_choices).
from .cli_choices import ACTIONS, DOCUMENT_TYPES
from .serve_command import positive
from .output import JSON_HELP

if TYPE_CHECKING:
    from ..core.domain import BusinessKey
    from ..core.settings import Settings
    from .client import GatewayClient

__all__ = ["EXIT_BROKEN_PIPE", "domestic_client", "load_settings", "main", "read_input"]


def load_settings(path: Path) -> Settings:
    """Read and parse a TOML configuration file (relative paths resolve against its folder)."""
    from ..core.settings import parse_settings_toml

    try:
        data = path.read_bytes()
    except OSError as e:
        raise SystemExit(f"swgw: cannot read {path}: {e.strerror}") from e
    return parse_settings_toml(data, path.resolve().parent)


def _business_key(text: str) -> BusinessKey:
    from ..core.domain import BusinessKey

    parts = text.split("/")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("business key is ISSUER/NUMBER[/VERSION]")
    version = int(parts[2].lstrip("v")) if len(parts) == 3 else 0
    return BusinessKey(parts[0], parts[1], version)


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve_command import run

    return run(args)


def _cmd_init(args: argparse.Namespace) -> int:
    from .init_command import run

    return run(args)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(out=args.out, verbose=args.verbose)


def domestic_client(args: argparse.Namespace) -> GatewayClient:
    """A client of the domestic listener named by --gateway, or by the configuration of --config, with the TLS
    client options."""
    from .client import GatewayClient

    address = args.gateway
    if address is None and args.config is not None:
        address = load_settings(args.config).domestic_listener.address
    if address is None:
        raise SystemExit("swgw: give --gateway HOST:PORT or --config FILE")
    from .cli_admin import tls_credentials

    return GatewayClient(address, credentials=tls_credentials(args))


def _cmd_submit(args: argparse.Namespace) -> int:
    from ..core.domain import Action, DocumentType
    from .views import emit, print_fields, submit_row

    with domestic_client(args) as client:
        response = client.submit(
            args.partner, DocumentType(args.type), read_input(args.file), action=Action(args.action),
            refers_to=args.refers_to, idempotency_key=args.idempotency_key or "",
        )

    def render(row: dict[str, object]) -> None:
        report = row["report"] if isinstance(row["report"], dict) else {}
        print_fields({**row, "findings": len(report.get("findings", []))}, skip=("report",))

    emit(args.json, submit_row(response), render)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from .views import emit, print_fields, proto_row, show_message, show_messages, summary_row

    with domestic_client(args) as client:
        if not args.business_key:
            emit(args.json, summary_row(client.status(args.message_id)), show_message)
            return 0
        # The certificate's state (its latest accepted version, with the ledger) when no version was given, and
        # every message carrying the key, oldest first.
        key = args.business_key
        response = client.status_response_by_key(key.issuer, key.number, key.version)
    out: dict[str, object] = {"messages": [summary_row(m) for m in response.messages]}
    if response.HasField("ledger"):
        out = {"certificate": proto_row(response.ledger), **out}

    def render(data: dict[str, Any]) -> None:
        certificate = data.get("certificate")
        if certificate is not None:
            print_fields({"certificate": certificate["certificate"], "status": certificate["status"],
                          "current": certificate.get("current")})
            print()
        show_messages(data["messages"])

    emit(args.json, out, render)
    return 0


def read_input(path: Path) -> bytes:
    """The bytes of an input file; an unreadable one ends the command with a one-line error (exit status 1)."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise SystemExit(f"swgw: cannot read {path}: {e.strerror or e}") from e


def _cmd_validate(args: argparse.Namespace) -> int:
    import mappings

    from .views import emit, show_report

    try:
        record = mappings.parse_record(read_input(args.file))
        report = mappings.validate_record(args.type, record)
    except mappings.MappingError as e:
        # The same report shape as a validation failure, so scripts read one format.
        emit(args.json, {"ok": False, "findings": [{"severity": "ERROR", "code": e.code, "path": e.path or "$",
                                                    "message": e.message}]}, show_report)
        return 1
    emit(args.json, {"ok": report.ok, **report.to_dict()}, show_report)
    return 0 if report.ok else 1


def aware_time(text: str) -> datetime:
    """An ISO 8601 time with a UTC offset, for options such as ``--at``."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a UTC offset, e.g. {text}+00:00")
    return value


def _cmd_map(args: argparse.Namespace) -> int:
    from .map_command import run

    return run(args)


def _not_text_argument(args: argparse.Namespace, argv: list[str]) -> str | None:
    """Where the first text argument that is not Unicode was given (``--partner``, or a positional's name).

    File names are paths, not text, and may be any bytes; they are not checked.
    """
    from ..core.domain import BusinessKey

    for name, given in vars(args).items():
        # A business key (--refers-to, --business-key) is text too, split into parts.
        parts = [given.issuer, given.number] if isinstance(given, BusinessKey) else [given]
        for value in parts:
            if not isinstance(value, str) or _is_text(value):
                continue
            for i, token in enumerate(argv):
                if token.startswith("--") and "=" in token and value in token:
                    return token.split("=", 1)[0]
                if value in token and i > 0 and argv[i - 1].startswith("-"):
                    return argv[i - 1]
            return name
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cmd_verify(args: argparse.Namespace) -> int:
    from .verify_command import run

    return run(args)


def _cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    # Generated from the very parser swgw runs with, so every command, option and choice is completed.
    print(shtab.complete(build_parser(), shell=args.shell, root_prefix="swgw"))
    return 0


def _cmd_conformance(args: argparse.Namespace) -> int:
    from .conformance.command import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``swgw`` command."""
    from .agreement_command import add_agreement_commands
    from .cli_admin import add_admin_commands, add_backup_commands
    from .console_command import add_console_command
    from .keys_command import add_keys_commands
    from .profiles_command import add_profiles_command

    parser = argparse.ArgumentParser(prog="swgw", description="Single Window interconnection gateway")
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING (default) or ERROR")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run a gateway")
    p.add_argument("--config", type=Path, required=True, help="the gateway's TOML configuration")
    p.add_argument("--workers", type=positive, default=1,
                   help="worker processes sharing the database and the listening ports (default 1; see README "
                        "\"Reliability and scale-out\")")
    p.add_argument("--worker-of", metavar="FOLDER:INDEX:COUNT:PID",
                   help="internal: run as one worker of a `--workers N` supervisor (set by the supervisor)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("init", help="write a starter configuration and development keys for a new window")
    p.add_argument("dir", type=Path, help="folder to write into (a sub-folder per window is made)")
    p.add_argument("--party", required=True, help="this window's party id, e.g. CN")
    p.add_argument("--partner-port", type=int, default=0,
                   help="port of the partner listener (mTLS; default: a free port)")
    p.add_argument("--domestic-port", type=int, default=0,
                   help="port of the domestic listener (default: a free port)")
    p.add_argument("--force", action="store_true", help="overwrite an existing configuration")
    p.add_argument("--domestic-tls", action="store_true",
                   help="TLS on the domestic listener, with a hub and an operator client certificate")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("demo", help="four gateways on loopback (one reached over AS4) exchanging signed documents")
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
    p.add_argument("file", type=Path, help="the catalog record (JSON)")
    p.add_argument("--partner", required=True, help="the partner's party id, e.g. HK")
    p.add_argument("--type", required=True, choices=DOCUMENT_TYPES, help="document type: %(choices)s")
    p.add_argument("--action", default="issue", choices=ACTIONS,
                   help="%(choices)s (default %(default)s); replace and withdraw need --refers-to")
    p.add_argument("--refers-to", type=_business_key, help="ISSUER/NUMBER/VERSION of the document replaced")
    p.add_argument("--idempotency-key", help="a submit repeated with the same key returns the first result")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    client_options(p)
    p.set_defaults(func=_cmd_submit)

    p = sub.add_parser("status", help="where a message stands")
    p.add_argument("message_id", nargs="?", help="the message id submit returned")
    p.add_argument("--business-key", type=_business_key, help="ISSUER/NUMBER[/VERSION] instead of a message id")
    p.add_argument("--json", action="store_true",
                   help=JSON_HELP + "; an object for a message id, a list for --business-key")
    client_options(p)
    p.set_defaults(func=_cmd_status)

    from .inbound_command import add_inbound_command

    add_inbound_command(sub, client_options)

    p = sub.add_parser("validate", help="validate a catalog record against the domestic catalog (offline)")
    p.add_argument("file", type=Path, help="the catalog record (JSON)")
    p.add_argument("--type", required=True, choices=DOCUMENT_TYPES, help="document type: %(choices)s")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("map", help="map a record to a partner format, or a partner document back (offline)")
    p.add_argument("file", type=Path, help="a catalog record (JSON), or with --reverse a partner document")
    p.add_argument("--type", required=True, choices=DOCUMENT_TYPES, help="document type: %(choices)s")
    p.add_argument("--profile", help="mapping profile id (list them with `swgw profiles`)")
    p.add_argument("--partner", help="take the profile from this partner's agreement (with --config)")
    p.add_argument("--config", type=Path, help="the gateway's configuration, for --partner")
    p.add_argument("--reverse", action="store_true", help="partner document -> catalog record")
    p.add_argument("--at", type=aware_time, metavar="TIME",
                   help="ISO 8601 time with offset of the exchange, for the agreement's validity period (default: now)")
    p.add_argument("--sender", help="EDIFACT: UNB sender id (without --partner)")
    p.add_argument("--recipient", help="EDIFACT: UNB recipient id (without --partner)")
    p.add_argument("--syntax", default="UNOC", help="EDIFACT: syntax identifier (character set), default UNOC")
    p.add_argument("--syntax-version", type=int, default=4, choices=[3, 4],
                   help="EDIFACT: syntax version, %(choices)s (default %(default)s)")
    p.set_defaults(func=_cmd_map)

    p = sub.add_parser("verify", help="verify a signed XML, a signed PDF or an exported message, offline")
    p.add_argument("file", type=Path, help="signed XML, signed PDF, or a `swgw messages export` file")
    p.add_argument("--trust", type=Path, help="folder of partner CA certificates (<partner>.pem) and CRLs")
    p.add_argument("--config", type=Path, help="or a gateway's configuration (its trust store)")
    p.add_argument("--at", help="verify at this ISO time instead of now")
    p.add_argument("--tsa-trust", type=Path,
                   help="PEM CA certificates of the time-stamping authorities whose time-stamps count (default with "
                        "--config: its [timestamping] anchors; without either, time-stamps prove nothing)")
    p.add_argument("--signature", type=Path,
                   help="the detached signature of the XML file (document-signature.xml: eFTI, ePhyto)")
    p.add_argument("--placement", choices=("enveloped", "ubl-extension"),
                   help="where the XML file's own signature must be: %(choices)s (default: ubl-extension for UBL, "
                        "else enveloped)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("conformance", help="test a partner's implementation of the exchange, in either role")
    from .conformance.command import add_arguments

    add_arguments(p)
    p.set_defaults(func=_cmd_conformance)

    p = sub.add_parser("completion", help="print a shell completion script (bash or zsh)",
                       description="Load it in your shell: bash: `source <(swgw completion bash)` or save it as "
                                   "/etc/bash_completion.d/swgw; zsh: `swgw completion zsh > \"${fpath[1]}/_swgw\"`.")
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell: %(choices)s")
    p.set_defaults(func=_cmd_completion)

    add_profiles_command(sub)
    add_agreement_commands(sub)
    add_keys_commands(sub)
    add_admin_commands(sub)
    add_backup_commands(sub)
    add_console_command(sub)
    return parser


#: The exit status when the reader of our output went away (``swgw trust list | head -1``): 128 + SIGPIPE, what a
#: shell reports for a program SIGPIPE ended, so ``set -o pipefail`` scripts do not take cut output for complete.
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``swgw`` console script: 0 done, 1 refused or failed check, 2 usage, 141 closed pipe."""
    try:
        try:
            return _main(argv)
        finally:
            # Flush here, not at exit, so a reader that went away is seen by the handler below, after `--help`
            # (argparse's SystemExit) too.
            sys.stdout.flush()
    except BrokenPipeError:
        # As the Python documentation on SIGPIPE advises: point stdout at devnull so the interpreter's own flush at
        # exit does not raise again, and end quietly: the reader chose to stop reading.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    if argv is None:
        argv = sys.argv[1:]
    args = parser.parse_args(argv)
    not_text = _not_text_argument(args, argv)
    if not_text is not None:
        from ..core.errors import RequestMalformed

        # Undecodable bytes on the command line arrive as lone surrogates, which no request can encode.
        print(f"swgw: {RequestMalformed('the argument is not valid UTF-8 text', field_path=not_text)}",
              file=sys.stderr)
        return 2
    # The workers of `swgw serve --workers N` share one log: each line names its process.
    worker = "[%(process)d] " if getattr(args, "worker_of", None) else ""
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format=f"%(asctime)s %(levelname)s {worker}%(name)s: %(message)s")
    import grpc

    from ..core.errors import GatewayError
    from ..transports.status_map import error_from_status
    from .client import ClientError

    import trust

    try:
        return int(args.func(args))
    except (GatewayError, ClientError, trust.TrustError) as e:
        print(f"swgw: {e}", file=sys.stderr)
        return 1
    except grpc.RpcError as e:
        # A call the client did not translate; any status (no details, UNAVAILABLE, ...) is one line.
        print(f"swgw: {ClientError(*error_from_status(e))}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise  # not a file of the command line: the reader of stdout went away (see main)
    except OSError as e:
        # A file named on the command line (certificate, key, CRL) that cannot be read.
        where = f"cannot read {e.filename}: " if e.filename else ""
        print(f"swgw: {where}{e.strerror or e}", file=sys.stderr)
        return 1
    except grpc.FutureTimeoutError:
        print("swgw: UNAVAILABLE: the gateway did not answer in time", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
