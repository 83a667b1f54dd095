"""`alliance-kb token create|list|revoke NAME`: API tokens for scripts.

`token create NAME` prints a new token once (only its SHA-256 is kept): scripts send it as
`Authorization: Bearer TOKEN`. Exit codes: 0 done, 1 no such account (or token), 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import sys

from kb.config import get_settings
from kb.curation.accounts import AccountStore, NoSuchAccount


def run_token_command(args: argparse.Namespace) -> int:
    store = AccountStore(get_settings().state_dir)
    try:
        if args.action == "create":
            print(store.create_token(args.name, args.label or ""))
            print(
                f"token for {args.name!r}: shown once, keep it secret "
                "(send it as Authorization: Bearer TOKEN)",
                file=sys.stderr,
            )
        elif args.action == "list":
            for info in store.tokens(args.name):
                print(f"{info.id}\t{info.created}\t{info.last_used or '-'}\t{info.label}")
        elif args.action == "revoke":
            if store.get(args.name) is None:
                raise NoSuchAccount(f"no account {args.name!r}")
            if not store.revoke_token(args.name, args.token_id):
                print(
                    f"alliance-kb token: {args.name!r} has no token {args.token_id!r}",
                    file=sys.stderr,
                )
                return 1
            print(f"token {args.token_id} of {args.name!r} revoked", file=sys.stderr)
    except NoSuchAccount as exc:
        print(f"alliance-kb token: {exc}", file=sys.stderr)
        return 1
    return 0
