"""Operator sub-commands: ``swgw trust``, ``swgw messages`` and ``swgw partners``.

Each works offline on the gateway's database (``--config FILE``) or online against a running gateway's Operator
service (``--gateway HOST:PORT`` with an operator certificate: ``--tls-ca``, ``--tls-cert``, ``--tls-key``).
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys
from datetime import datetime
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

# Only light modules at import time: the parser is built on every start, `--help` included (see cli_choices).
from .cli_choices import CERTIFICATE_ROLES, MESSAGE_STATUSES
from .output import JSON_HELP

if TYPE_CHECKING:
    import grpc

    from ..core.ports import Actor
    from .admin_backends import AdminBackend

__all__ = ["add_admin_commands", "add_backup_commands", "backend_for", "local_actor", "tls_credentials"]

#: (uid_t)-1 in /proc/self/loginuid: the process belongs to no login session (services, most containers).
_NO_LOGINUID = 4294967295


def tls_credentials(args: argparse.Namespace) -> grpc.ChannelCredentials | None:
    """Channel credentials from --tls-ca/--tls-cert/--tls-key, or None for a plain loopback port."""
    if not args.tls_ca:
        return None
    import grpc

    key = args.tls_key.read_bytes() if args.tls_key else None
    cert = args.tls_cert.read_bytes() if args.tls_cert else None
    credentials: grpc.ChannelCredentials = grpc.ssl_channel_credentials(
        root_certificates=args.tls_ca.read_bytes(), private_key=key, certificate_chain=cert)
    return credentials


def _account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"


def _loginuid(path: Path) -> int | None:
    try:
        value = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return None if value == _NO_LOGINUID else value


def local_actor(*, loginuid_file: Path = Path("/proc/self/loginuid")) -> Actor:
    """The audit actor of offline CLI actions: the operating-system account of this process's real uid.

    The account comes from the kernel (``os.getuid()``) and the passwd database, never from the environment:
    ``USER``, ``LOGNAME``, ``SUDO_USER`` and ``SUDO_UID`` are whatever the caller chose to set. Under sudo the
    real uid is the target account (usually root) and that is what is recorded; sudo's ``SUDO_USER``/``SUDO_UID``
    are not, because nothing distinguishes them from the same variables set by hand, and an audit entry must not
    carry an unauthenticated claim. Who ran sudo is in sudo's own log, and the kernel's login uid
    (``/proc/self/loginuid``, kept across sudo and su and not writable by an unprivileged process) is recorded
    when it is set and differs from the uid. An effective uid other than the real one is recorded as well.
    The name falls back to ``uid:<n>`` when the uid has no passwd entry.
    """
    from ..core.ports import Actor, ActorKind

    uid, euid = os.getuid(), os.geteuid()
    facts = [f"uid={uid}"]
    if euid != uid:
        facts.append(f"euid={euid}")
    login = _loginuid(loginuid_file)
    if login is not None and login != uid:
        facts.append(f"loginuid={login} {_account(login)}")
    return Actor(ActorKind.OS_USER, f"{_account(uid)} ({', '.join(facts)})")


def backend_for(args: argparse.Namespace) -> AdminBackend:
    """The offline or online backend the options ask for."""
    from .admin_backends import LocalBackend, RemoteBackend

    if args.gateway:
        from .client import GatewayClient

        return RemoteBackend(GatewayClient(args.gateway, credentials=tls_credentials(args)))
    if not args.config:
        raise SystemExit("swgw: give --config FILE (offline) or --gateway HOST:PORT (online)")
    from ..app import open_operations
    from .cli import load_settings

    return LocalBackend(open_operations(load_settings(args.config)), local_actor())


def _print(args: argparse.Namespace, data: Any, render: Callable[[Any], None]) -> None:
    from .views import emit

    emit(bool(getattr(args, "json", False)), data, render)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _fingerprint(backend: AdminBackend, partner: str, prefix: str) -> str:
    matches = [r["fingerprint"] for r in backend.trust_list(partner) if r["fingerprint"].startswith(prefix.lower())]
    if len(matches) != 1:
        raise SystemExit(f"swgw: {len(matches)} certificates of {partner} match {prefix!r}")
    return str(matches[0])


#: The trust sub-commands that change a certificate's state, and the trust.CertificateState each sets.
_STATES = {"activate": "ACTIVE", "retire": "RETIRING", "revoke": "REVOKED"}


def _trust(args: argparse.Namespace) -> int:
    from trust import CertificateRole, CertificateState, TrustError

    from ..core.errors import GatewayError
    from ..core.trust_export import export_files
    from .client import ClientError

    from . import views

    backend = backend_for(args)
    action = args.trust_command
    if action == "list":
        _print(args, backend.trust_list(args.partner), views.show_certificates)
    elif action == "show":
        fingerprint = _fingerprint(backend, args.partner, args.fingerprint)
        _print(args, next(r for r in backend.trust_list(args.partner) if r["fingerprint"] == fingerprint),
               views.print_fields)
    elif action == "add":
        try:
            added = backend.trust_add(args.partner, args.certificate.read_bytes(), CertificateRole(args.role),
                                      _time(args.valid_from))
        except (TrustError, GatewayError, ClientError) as e:
            # Name the file: with several certificates at hand, "not a CA" alone does not say which was refused.
            code, message = e.code, e.message
            raise SystemExit(f"swgw: {args.certificate}: [{code}] {message}") from e
        _print(args, added, views.print_fields)
    elif action in _STATES:
        fingerprint = _fingerprint(backend, args.partner, args.fingerprint)
        _print(args, backend.trust_change(args.partner, fingerprint, CertificateState[_STATES[action]],
                                          getattr(args, "reason", None), _time(getattr(args, "effective_at", None))),
               views.print_fields)
    elif action == "import-crl":
        _print(args, backend.import_crl(args.partner, args.crl.read_bytes()), views.print_fields)
    elif action == "export":
        bundle = backend.export()
        if args.out:
            try:
                files = export_files(bundle)
            except ValueError as e:  # e.g. a gateway of an older release, whose export carries no labels
                raise SystemExit(f"swgw: cannot split the export into files: {e}") from e
            args.out.mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                (args.out / name).write_bytes(content)
            print(f"wrote {', '.join(sorted(files))} to {args.out}: give partners ca.pem as their trust anchor")
        else:
            sys.stdout.buffer.write(bundle)
    elif action == "expiring":
        _print(args, backend.expiring(args.days), views.show_expiring)
    elif action == "audit":
        if args.verify:
            result = backend.audit_verify()
            _print(args, result, views.show_audit_check)
            return 0 if result["ok"] else 1
        _print(args, backend.audit(args.limit), views.show_audit)
    return 0


def _aware(text: str | None, field: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"swgw: {field}: not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        # A naive time would be compared with stored UTC instants; make the operator say which zone is meant.
        raise SystemExit(f"swgw: {field}: give a time zone (e.g. {text}Z or {text}+08:00)")
    return value


def _replay(args: argparse.Namespace) -> int:
    if args.gateway or not args.config:
        raise SystemExit("swgw: messages replay works offline only: give --config FILE")
    from ..app import open_operations
    from ..core.domain import Direction, MessageStatus
    from ..pipeline.operations import ReplaySelection
    from .admin_backends import message_row
    from .cli import load_settings

    selection = ReplaySelection(
        direction=Direction(args.direction),
        since=_aware(args.since, "--since"), until=_aware(args.until, "--until"), partner=args.partner,
        status=MessageStatus(args.state) if args.state else None)
    from .views import show_messages

    operations = open_operations(load_settings(args.config))
    replayed = operations.replay(selection, actor=local_actor())
    transports = {p.name: p.transport for p in operations.partners()}
    rows = [message_row(m, transports.get(m.partner, "")) for m in replayed]
    def render(data: dict[str, Any]) -> None:
        show_messages(data["messages"])
        print(f"replayed: {data['replayed']}")

    _print(args, {"replayed": len(replayed), "messages": rows}, render)
    return 0


def _messages(args: argparse.Namespace) -> int:
    if args.messages_command == "replay":
        return _replay(args)
    from ..core.domain import MessageStatus

    from . import views

    backend = backend_for(args)
    if args.messages_command == "list":
        _print(args, backend.messages(MessageStatus(args.status) if args.status else None, args.partner, args.limit),
               views.show_messages)
    elif args.messages_command == "show":
        _print(args, backend.message(args.message_id), views.show_message)
    elif args.messages_command == "resend":
        _print(args, backend.resend(args.message_id), views.show_message)
    elif args.messages_command == "export":
        data = backend.export_message(args.message_id)
        if args.out:
            args.out.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
    return 0


def _partners(args: argparse.Namespace) -> int:
    from .views import show_partners

    _print(args, backend_for(args).partners(), show_partners)
    return 0


def _passphrase(args: argparse.Namespace) -> bytes:
    """The backup passphrase: --passphrase-file (its first line) or SWGW_BACKUP_PASSPHRASE; never an argument,
    which other users would see in the process list."""
    if args.passphrase_file:
        lines = args.passphrase_file.read_bytes().splitlines()
        value = lines[0] if lines else b""
    else:
        value = os.environ.get("SWGW_BACKUP_PASSPHRASE", "").encode()
    if not value:
        raise SystemExit("swgw: give the backup passphrase: --passphrase-file FILE or SWGW_BACKUP_PASSPHRASE")
    return value


def _backup(args: argparse.Namespace) -> int:
    from datetime import UTC

    from .backup import BackupError, backup

    try:
        summary = backup(args.config, args.out, _passphrase(args), now=datetime.now(UTC))
    except BackupError as e:
        raise SystemExit(f"swgw: {e}") from e
    from .views import print_fields

    _print(args, {"archive": str(args.out), "party": summary.party, "database": summary.database,
                  "members": list(summary.members), "encrypted": list(summary.encrypted), "blobs": summary.blobs,
                  "blob_bytes": summary.blob_bytes}, print_fields)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from .backup import BackupError, restore

    try:
        summary = restore(args.archive, args.to, _passphrase(args), database_url=args.database_url)
    except BackupError as e:
        raise SystemExit(f"swgw: {e}") from e
    from .views import print_fields

    _print(args, {"config": str(args.to / "config" / "swgw.toml"), "party": summary.party,
                  "database": summary.database, "encrypted": list(summary.encrypted), "blobs": summary.blobs,
                  "blob_bytes": summary.blob_bytes}, print_fields)
    return 0


def add_backup_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``swgw backup`` and ``swgw restore``."""
    p = sub.add_parser("backup", help="a consistent snapshot of a (running) gateway: database, large "
                                      "attachments, configuration, keys encrypted with a passphrase")
    p.add_argument("--config", type=Path, required=True, help="the gateway's configuration file")
    p.add_argument("--out", type=Path, required=True, help="the archive to write (tar)")
    p.add_argument("--passphrase-file", type=Path, help="first line: the passphrase (else SWGW_BACKUP_PASSPHRASE)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=_backup)
    p = sub.add_parser("restore", help="unpack a backup into a new folder and restore its database")
    p.add_argument("archive", type=Path, help="the archive `swgw backup` wrote")
    p.add_argument("--to", type=Path, required=True, help="a new (or empty) folder")
    p.add_argument("--passphrase-file", type=Path, help="first line: the passphrase (else SWGW_BACKUP_PASSPHRASE)")
    p.add_argument("--database-url", help="PostgreSQL: restore into this (empty) database instead of the archived URL")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=_restore)


def add_admin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the operator sub-commands."""

    def target(p: argparse.ArgumentParser, *, json_output: bool = True) -> None:
        if json_output:
            p.add_argument("--json", action="store_true", help=JSON_HELP)
        p.add_argument("--config", type=Path, help="offline: the gateway's configuration file")
        p.add_argument("--gateway", help="online: a running gateway's domestic listener HOST:PORT")
        p.add_argument("--tls-ca", type=Path, help="online: CA certificate of the gateway's TLS certificate")
        p.add_argument("--tls-cert", type=Path, help="online: operator client certificate")
        p.add_argument("--tls-key", type=Path, help="online: operator client key")

    trust_parser = sub.add_parser("trust", help="partner trust certificates and the audit log")
    tsub = trust_parser.add_subparsers(dest="trust_command", required=True)
    p = tsub.add_parser("list", help="list trust certificates")
    p.add_argument("--partner", help="only this partner's certificates")
    target(p)
    p = tsub.add_parser("show", help="show one certificate")
    p.add_argument("partner", help="the partner's party id")
    p.add_argument("fingerprint", help="SHA-256 fingerprint or a unique prefix")
    target(p)
    p = tsub.add_parser("add", help="add a certificate to a partner's trust")
    p.add_argument("partner", help="the partner's party id")
    p.add_argument("certificate", type=Path, help="PEM or DER file")
    p.add_argument("--role", default="anchor", choices=CERTIFICATE_ROLES,
                   help="%(choices)s (default %(default)s); anchor or intermediate: a CA certificate (refused otherwise: TRUST_ANCHOR_NOT_CA); "
                        "pinned: an end-entity certificate trusted as such, e.g. of a partner without a CA")
    p.add_argument("--valid-from", help="ISO time from which it is accepted (pending until then)")
    target(p)
    for name, helptext in (("activate", "make a pending certificate active"),
                           ("retire", "stop using a certificate for sending, keep accepting it")):
        p = tsub.add_parser(name, help=helptext)
        p.add_argument("partner", help="the partner's party id")
        p.add_argument("fingerprint", help="SHA-256 fingerprint or a unique prefix")
        target(p)
    p = tsub.add_parser("revoke", help="revoke a certificate")
    p.add_argument("partner", help="the partner's party id")
    p.add_argument("fingerprint", help="SHA-256 fingerprint or a unique prefix")
    p.add_argument("--reason", required=True, help="why, for the audit log")
    p.add_argument("--effective-at", help="ISO time from which it is refused (default now)")
    target(p)
    p = tsub.add_parser("import-crl", help="import a CRL issued by a partner's CA")
    p.add_argument("partner", help="the partner's party id")
    p.add_argument("crl", type=Path, help="the CRL file (PEM or DER)")
    target(p)
    p = tsub.add_parser("export", help="our own certificates for partners, labelled (CA, signing, TLS)")
    p.add_argument("--out", type=Path, help="write ca.pem, intermediates.pem, signing.pem, tls.pem and "
                                            "manifest.json into this folder instead of one PEM bundle to stdout")
    target(p, json_output=False)
    p = tsub.add_parser("expiring", help="certificates expiring soon and partners without valid trust")
    p.add_argument("--days", type=int, default=90, help="expiring within this many days (default %(default)s)")
    target(p)
    p = tsub.add_parser("audit", help="show the audit log, or verify its hash chain")
    p.add_argument("--verify", action="store_true", help="check the hash chain instead (exit status 1 if broken)")
    p.add_argument("--limit", type=int, default=100, help="newest entries shown (default %(default)s)")
    target(p)
    trust_parser.set_defaults(func=_trust)

    messages_parser = sub.add_parser("messages", help="the message book")
    msub = messages_parser.add_subparsers(dest="messages_command", required=True)
    p = msub.add_parser("list", help="list messages, newest first")
    p.add_argument("--status", choices=MESSAGE_STATUSES, metavar="STATUS",
                   help="only messages in this state: %(choices)s")
    p.add_argument("--partner", help="only messages with this partner")
    p.add_argument("--limit", type=int, default=50, help="newest messages shown (default %(default)s)")
    target(p)
    p = msub.add_parser("show", help="one message with its history")
    p.add_argument("message_id", help="the message id (see `swgw messages list`)")
    target(p)
    p = msub.add_parser("resend", help="queue a FAILED message again (keeps its id)")
    p.add_argument("message_id", help="the message id (see `swgw messages list`)")
    target(p)
    p = msub.add_parser("export", help="the signed envelope, payload, attachments and receipt, for `swgw verify`")
    p.add_argument("message_id", help="the message id (see `swgw messages list`)")
    p.add_argument("--out", type=Path, help="write to this file instead of stdout")
    target(p, json_output=False)
    p = msub.add_parser("replay", help="send again (outbound) or hand over again (inbound) a chosen set, same ids "
                                       "(offline; after a restore)")
    p.add_argument("--direction", choices=["outbound", "inbound"], default="outbound",
                   help="outbound: back to QUEUED, the partner answers from its stored receipts; inbound: back to "
                        "RECEIVED, handed over again")
    p.add_argument("--since", help="created at or after this ISO time (with time zone)")
    p.add_argument("--until", help="created before this ISO time (with time zone)")
    p.add_argument("--partner", help="only messages exchanged with this partner (party id)")
    p.add_argument("--state", choices=["DELIVERED", "FAILED", "HANDED_OVER"],
                   help="only messages in this state (default: every replayable state of the direction)")
    target(p)
    messages_parser.set_defaults(func=_messages)

    from .documents_command import add_documents_commands
    from .retention_command import add_retention_commands

    add_documents_commands(sub, target)
    add_retention_commands(sub)

    p = sub.add_parser("partners", help="list partner agreements (`swgw partners add` adds one)")
    target(p)
    p.set_defaults(func=_partners)
    from .partners_command import add_partners_add_command

    add_partners_add_command(p.add_subparsers(dest="partners_command", metavar="{add}"))

    from .ops_commands import add_ops_commands

    add_ops_commands(sub, target)
