"""``swgw console user add|list|role|passwd|unlock|remove``: the web console's accounts, managed on the gateway host."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

__all__ = ["add_console_command", "run"]

_ROLES = ("viewer", "operator", "administrator")


def add_console_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``swgw console``."""
    console = sub.add_parser("console", help="web console accounts (add, list, role, passwd, unlock, remove)")
    csub = console.add_subparsers(dest="console_command", required=True)
    users = csub.add_parser("user", help="console accounts")
    usub = users.add_subparsers(dest="user_command", required=True)
    p = usub.add_parser("add", help="add an account; asks for its password twice (never an argument)")
    p.add_argument("name", help="login name: letters, digits, '.', '_', '@', '-' (at most 64)")
    p.add_argument("--role", choices=_ROLES, required=True,
                   help="viewer reads; operator also resends, revokes and imports CRLs; administrator also adds, "
                        "activates and retires trust certificates")
    p = usub.add_parser("list", help="list accounts with role and lock")
    p = usub.add_parser("unlock", help="lift a lockout after repeated failed logins")
    p.add_argument("name", help="the account")
    p = usub.add_parser("role", help="give an account another role (its sessions follow at their next request)")
    p.add_argument("name", help="the account")
    p.add_argument("--role", choices=_ROLES, required=True, help="the new role: %(choices)s")
    p = usub.add_parser("passwd", help="set a new password (asked twice); lifts a lockout")
    p.add_argument("name", help="the account")
    p = usub.add_parser("remove", help="delete an account (its sessions end at their next request)")
    p.add_argument("name", help="the account")
    for parser in usub.choices.values():
        parser.add_argument("--config", type=Path, required=True, help="the gateway's TOML configuration")
    console.set_defaults(func=run)


def _password() -> str:
    # The password comes from the terminal (or one line of stdin when not a terminal, for provisioning scripts),
    # never from an argument, which other users could read in the process list.
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("swgw: the passwords differ; nothing was added")
    return first


def run(args: argparse.Namespace) -> int:
    """Add, list or unlock console accounts in the gateway's database (audited under the OS user)."""
    from ..app import console_accounts
    from ..core.ports import Role
    from .cli import load_settings
    from .cli_admin import local_actor

    accounts = console_accounts(load_settings(args.config))
    if args.user_command == "add":
        account = accounts.add(args.name, Role(args.role), _password(), actor=local_actor())
        print(f"added console account {account.name} ({account.role})")
    elif args.user_command == "unlock":
        accounts.unlock(args.name, actor=local_actor())
        print(f"unlocked {args.name}")
    elif args.user_command == "role":
        print(f"{args.name} is now {accounts.set_role(args.name, Role(args.role), actor=local_actor()).role}")
    elif args.user_command == "passwd":
        accounts.set_password(args.name, _password(), actor=local_actor())
        print(f"new password set for {args.name}")
    elif args.user_command == "remove":
        accounts.remove(args.name, actor=local_actor())
        print(f"removed console account {args.name}")
    else:
        rows = [("NAME", "ROLE", "LOCKED UNTIL")]
        rows += [(a.name, a.role.value, f"{a.locked_until:%Y-%m-%d %H:%M} UTC" if a.locked_until else "-")
                 for a in accounts.accounts()]
        widths = [max(len(r[i]) for r in rows) for i in range(2)]
        for name, role, locked in rows:
            print(f"{name.ljust(widths[0])}  {role.ljust(widths[1])}  {locked}")
    return 0
