"""`alliance-kb user add|list|password|role|remove`: curators' accounts in the state directory.

`user add NAME --role curator|admin` reads the password from standard input (one line) or,
on a terminal, prompts for it twice. Exit codes: 0 done, 1 the account exists (add) or does
not (the others), 2 bad arguments (name, role, a password too short).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from kb.config import get_settings
from kb.curation.accounts import AccountError, AccountExists, AccountStore, NoSuchAccount


def read_password(prompt: str = "Password: ") -> str:
    """The password: prompted twice on a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise AccountError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


def run_user_command(args: argparse.Namespace) -> int:
    store = AccountStore(get_settings().state_dir)
    try:
        if args.action == "add":
            store.add(args.name, args.role, read_password())
            print(f"account {args.name!r} created ({args.role})", file=sys.stderr)
        elif args.action == "list":
            for account, created in store.all_accounts():
                print(f"{account.name}\t{account.role}\t{created}")
        elif args.action == "password":
            if store.get(args.name) is None:
                raise NoSuchAccount(f"no account {args.name!r}")
            store.set_password(args.name, read_password("New password: "))
            print(f"password of {args.name!r} changed; its sessions ended", file=sys.stderr)
        elif args.action == "role":
            store.set_role(args.name, args.role)
            print(f"{args.name!r} is now {args.role}", file=sys.stderr)
        elif args.action == "remove":
            store.remove(args.name)
            print(
                f"account {args.name!r} removed (its changes stay in the history)", file=sys.stderr
            )
    except AccountError as exc:
        print(f"alliance-kb user: {exc}", file=sys.stderr)
        return 2
    except (AccountExists, NoSuchAccount) as exc:
        print(f"alliance-kb user: {exc}", file=sys.stderr)
        return 1
    return 0
