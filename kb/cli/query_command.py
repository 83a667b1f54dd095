"""`alliance-kb query QUERY|@FILE [--format F]`: run a query, print its results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kb.config import Settings, get_settings
from kb.namespaces import STANDARD_PREFIXES, kb_prefixes
from kb.sources.rdf_files import InputError, dataset_files
from kb.store.embedded import EmbeddedStore
from kb.store.query_text import explain_syntax_error
from kb.store.query_workers import QueryFailed, QueryTimeout
from kb.store.result_formats import (
    FORMATS_BY_NAME,
    RowCap,
    negotiate,
    serialize_boolean,
    serialize_solutions,
    serialize_triples,
)


def _cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def _table(variables: list[str], rows: list[tuple[Any, ...]]) -> str:
    cells = [[_cell(t).replace("\n", " ") for t in row] for row in rows]
    widths = [max([len(v) + 1] + [len(r[i]) for r in cells]) for i, v in enumerate(variables)]
    line = "  ".join(("?" + v).ljust(w) for v, w in zip(variables, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def _explained(settings: Settings, query: str, message: str) -> str:
    """The parser's message in plain words (an undeclared prefix: the line to add)."""
    known = {**STANDARD_PREFIXES, **kb_prefixes(settings.base_iri)}
    return explain_syntax_error(query, message, known)


def run_query_command(args: argparse.Namespace) -> int:
    text: str = args.query
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            print(f"alliance-kb query: cannot read {text[1:]}: {exc.strerror}", file=sys.stderr)
            return 2
    settings = get_settings()
    if getattr(args, "store", None):
        settings = settings.model_copy(update={"store_url": args.store})
    try:
        dataset = dataset_files(settings, [args.data] if getattr(args, "data", None) else None)
        store = None if settings.store_url else EmbeddedStore.from_files(dataset, settings.base_iri)
    except InputError as exc:
        print(f"alliance-kb query: {exc}", file=sys.stderr)
        return 2
    fmt = args.format
    if fmt != "table" and fmt not in FORMATS_BY_NAME:
        chosen = negotiate(None, fmt)
        if not any(chosen.values()):
            print(f"alliance-kb query: unknown format {fmt!r}", file=sys.stderr)
            return 2
    out = sys.stdout.buffer
    try:
        if settings.store_url:
            from kb.store.external import ExternalStore

            kind, payload = ExternalStore(
                settings.store_url, dataset.graphs(), settings.query_timeout_s
            ).run(text)
        else:
            assert store is not None
            result = store.run(text)
            if isinstance(result, ox.QuerySolutions):
                kind = "solutions"
                payload = ([v.value for v in result.variables], [tuple(s) for s in result])
            elif isinstance(result, ox.QueryBoolean):
                kind, payload = "boolean", bool(result)
            else:
                kind, payload = "graph", list(result)
    except SyntaxError as exc:
        print(f"alliance-kb query: {_explained(settings, text, str(exc))}", file=sys.stderr)
        return 2
    except QueryFailed as exc:
        detail = _explained(settings, text, exc.detail) if exc.status == 400 else exc.detail
        print(f"alliance-kb query: {detail}", file=sys.stderr)
        return 2 if exc.status == 400 else 1
    except QueryTimeout:
        print("alliance-kb query: the store did not answer in time", file=sys.stderr)
        return 1
    if fmt == "table":
        if kind == "solutions":
            out.write(_table(*payload).encode())
        elif kind == "boolean":
            out.write(b"true\n" if payload else b"false\n")
        else:
            serialize_triples(payload, "turtle", out.write, RowCap(None))
    else:
        name = negotiate(None, fmt)[kind]
        if name is None:
            print(f"alliance-kb query: {fmt} cannot show a {kind} result", file=sys.stderr)
            return 2
        cap = RowCap(None)
        if kind == "solutions":
            serialize_solutions(payload[0], payload[1], name, out.write, cap)
        elif kind == "boolean":
            serialize_boolean(payload, name, out.write)
        else:
            serialize_triples(payload, name, out.write, cap)
    out.flush()
    return 0
