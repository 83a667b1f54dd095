"""`alliance-kb`: the command line (see ../shared/CONTRACT.md for the promises).

This module only parses arguments and hands each command to the module that
does the work; exit codes follow the contract: 0 ok, 1 the data (or rows) do
not conform, 2 input that cannot be read or arguments that make no sense.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alliance-kb",
        description="Knowledge base of the European Alliance of Cities and Regions "
        "for Roma Inclusion",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # -- validate ---------------------------------------------------------------
    validate = commands.add_parser(
        "validate",
        help="parse and SHACL-validate data/ (or the given paths)",
        description="Parse and validate records against shapes/, the ontology and vocabularies. "
        "Exit 0: conforms (warnings allowed); 1: violations; 2: unreadable input.",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders of records to validate instead of data/; the other files of "
        "data/ are their context (links to records there resolve), unless --standalone",
    )
    validate.add_argument(
        "--standalone",
        action="store_true",
        help="validate the given paths with the ontology and vocabularies only, without data/",
    )
    validate.add_argument(
        "--format",
        choices=["text", "turtle", "json"],
        default="text",
        help="report format (default: text)",
    )
    validate.add_argument(
        "--lang", choices=["en", "fr"], default="en", help="language of the messages (default: en)"
    )
    validate.add_argument(
        "--engine",
        choices=["auto", "fast", "pyshacl"],
        default="auto",
        help="validation engine: 'fast' (compiled to SPARQL on Oxigraph), "
        "'pyshacl' (the reference), 'auto' (default)",
    )
    validate.add_argument("--color", choices=["auto", "always", "never"], default="auto")

    # -- export -----------------------------------------------------------------
    export = commands.add_parser(
        "export",
        help="write every open-data distribution to a directory",
        description="Write the dumps, CSV tables, DCAT-AP catalog, VoID and SHA256SUMS. "
        "Exit 1 (nothing written) if the data does not conform.",
    )
    export.add_argument("--out", type=Path, required=True, metavar="DIR")
    export.add_argument("--quiet", action="store_true", help="no progress output")

    # -- serve ------------------------------------------------------------------
    serve = commands.add_parser("serve", help="run the web server and SPARQL endpoint")
    serve.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="serve the records of this directory instead of data/",
    )
    serve.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="use an external SPARQL 1.1 endpoint instead of the embedded store",
    )
    serve.add_argument(
        "--strict", action="store_true", help="refuse to start when the data has SHACL violations"
    )

    # -- query ------------------------------------------------------------------
    query = commands.add_parser("query", help="run a SPARQL query on the knowledge base")
    query.add_argument("query", metavar="QUERY|@FILE", help="the query, or @file.rq")
    query.add_argument(
        "--format",
        default="table",
        help="table (default), json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml",
    )
    query.add_argument("--data", type=Path, default=None, metavar="DIR")
    query.add_argument("--store", default=None, metavar="URL")

    # -- import -----------------------------------------------------------------
    imp = commands.add_parser(
        "import",
        help="turn a curator's CSV into Turtle records, or regenerate data/ from data/sources/",
        description="KIND FILE.csv: one spreadsheet to Turtle. 'sources DIR': every generated "
        "file of data/ from the tables of DIR (data/sources/). Exit 0: written (or unchanged); "
        "1: rows rejected, nothing written (sources: also files edited since their import, "
        "refused without --force, or --check found differences); 2: unreadable input.",
    )
    imp.add_argument(
        "kind",
        metavar="KIND",
        help="member-states, authorities, memberships, people, awards, signatures, practices, "
        "events, figures, pages, claims; or 'sources' (then FILE is the tables' directory)",
    )
    imp.add_argument("csv", type=Path, metavar="FILE.csv|DIR")
    imp.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the Turtle here (default: standard output); for 'sources', the data "
        "directory (default: the parent of DIR)",
    )
    imp.add_argument(
        "--force",
        action="store_true",
        help="sources: overwrite generated files edited since their import (their edits are lost)",
    )
    imp.add_argument(
        "--check", action="store_true", help="sources: compare with data/ without writing"
    )

    # -- format -----------------------------------------------------------------
    fmt = commands.add_parser(
        "format",
        help="rewrite Turtle data files in the canonical form",
        description="Rewrite each file in the canonical Turtle form every file of data/ is in "
        "(kb/sources/canonical_turtle.py), keeping its header comment. Exit 0: done (or, with "
        "--check, already canonical); 1: --check found files to rewrite; 2: unreadable file.",
    )
    fmt.add_argument("paths", nargs="+", type=Path, metavar="FILE.ttl")
    fmt.add_argument("--check", action="store_true", help="only report files not in canonical form")

    # -- push -------------------------------------------------------------------
    push = commands.add_parser(
        "push", help="load the knowledge base into an external store (Graph Store Protocol)"
    )
    push.add_argument("url", metavar="URL", help="the store's Graph Store Protocol endpoint")
    push.add_argument("--data", type=Path, default=None, metavar="DIR")

    # -- user, token (curation accounts, in ALLIANCE_STATE_DIR) -----------------------------
    user = commands.add_parser("user", help="curators' accounts (in ALLIANCE_STATE_DIR)")
    user_actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    user_add = user_actions.add_parser(
        "add",
        help="create an account; the password is read from standard input (one line) "
        "or prompted on a terminal",
    )
    user_add.add_argument("name", metavar="NAME")
    user_add.add_argument("--role", choices=["curator", "admin"], required=True)
    user_actions.add_parser("list", help="the accounts: name, role, created")
    user_password = user_actions.add_parser("password", help="set a new password (stdin/prompt)")
    user_password.add_argument("name", metavar="NAME")
    user_role = user_actions.add_parser("role", help="change an account's role")
    user_role.add_argument("name", metavar="NAME")
    user_role.add_argument("role", choices=["curator", "admin"])
    user_remove = user_actions.add_parser("remove", help="delete an account and its tokens")
    user_remove.add_argument("name", metavar="NAME")

    token = commands.add_parser("token", help="API tokens for scripts (Authorization: Bearer)")
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    token_create = token_actions.add_parser("create", help="print a new token (shown once)")
    token_create.add_argument("name", metavar="NAME")
    token_create.add_argument("--label", default="", help="what the token is for")
    token_list = token_actions.add_parser("list", help="an account's tokens (ids, never secrets)")
    token_list.add_argument("name", metavar="NAME")
    token_revoke = token_actions.add_parser("revoke", help="delete a token by its id")
    token_revoke.add_argument("name", metavar="NAME")
    token_revoke.add_argument("token_id", metavar="ID")

    # -- requests (public /join and /cooperate requests, in ALLIANCE_STATE_DIR) ---------------
    requests = commands.add_parser("requests", help="public requests (in ALLIANCE_STATE_DIR)")
    request_actions = requests.add_subparsers(dest="action", required=True, metavar="ACTION")
    request_list = request_actions.add_parser("list", help="id, kind, received, status, name")
    request_list.add_argument(
        "--status", choices=["pending", "accepted", "rejected", "all"], default="pending"
    )
    request_actions.add_parser(
        "purge", help="apply the retention period (ALLIANCE_REQUEST_RETENTION_DAYS)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        from kb.cli.validate_command import run_validate_command

        return run_validate_command(args)
    if args.command == "export":
        from kb.cli.export_command import run_export_command

        return run_export_command(args)
    if args.command == "serve":
        from kb.cli.serve_command import run_serve_command

        return run_serve_command(args)
    if args.command == "query":
        from kb.cli.query_command import run_query_command

        return run_query_command(args)
    if args.command == "import":
        from kb.cli.import_command import run_import_command

        return run_import_command(args)
    if args.command == "format":
        from kb.cli.format_command import run_format_command

        return run_format_command(args)
    if args.command == "push":
        from kb.cli.push_command import run_push_command

        return run_push_command(args)
    if args.command == "user":
        from kb.cli.user_command import run_user_command

        return run_user_command(args)
    if args.command == "requests":
        from kb.cli.requests_command import run_requests_command

        return run_requests_command(args)
    if args.command == "token":
        from kb.cli.token_command import run_token_command

        return run_token_command(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
