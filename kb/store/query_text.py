"""A look at a SPARQL query's text without running it.

`inspect_query` is a small SPARQL lexer that finds the query form, the dataset
clauses and SERVICE calls (so that updates and federation are refused before a
query reaches the engine); `service_refusal` says why a query's SERVICE calls
are not allowed. Oxigraph's parser stays the judge of syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

# -- a lexer, to look at a query without running it ------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7-\uffff]+)
  | (?P<word>(?:[A-Za-z_\u00c0-\uffff][\w.\-\u00b7-\uffff]*)?:(?:[\w.\-:%\\\u00b7-\uffff])*
              |[A-Za-z_\u00c0-\uffff][\w\-\u00b7-\uffff]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
QUERY_FORMS = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


@dataclass
class QueryInfo:
    """What the lexer saw: the form, the first keyword, dataset clauses, SERVICE targets.

    Shared by a cache (`inspect_query`): never modify one.
    """

    form: str | None = None  # "solutions", "boolean", "graph"; None if not a query
    keyword: str | None = None  # the first keyword after the prologue (SELECT, INSERT, ...)
    has_dataset_clause: bool = False  # FROM or FROM NAMED
    services: list[str | None] = field(default_factory=list)  # IRIs; None for SERVICE ?var

    @property
    def is_update(self) -> bool:
        return self.keyword in UPDATE_KEYWORDS


def query_tokens(query: str) -> Iterator[tuple[str, str]]:
    """The (kind, text) tokens of a query, whitespace and comments left out."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield kind, m.group()


@lru_cache(maxsize=1024)
def inspect_query(query: str) -> QueryInfo:
    """Look at a query's tokens: its form, dataset clauses and SERVICE endpoints.

    This never runs or fully parses the query; Oxigraph's parser stays the judge
    of syntax. Tokens inside strings, IRIs and comments are never mistaken for
    keywords.
    """
    info = QueryInfo()
    tokens = list(query_tokens(query))
    prefixes: dict[str, str] = {}
    base = ""
    i = 0
    # prologue
    while i < len(tokens):
        kind, text = tokens[i]
        upper = text.upper()
        if kind == "word" and upper == "PREFIX" and i + 2 < len(tokens):
            prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
            i += 3
        elif kind == "word" and upper == "BASE" and i + 1 < len(tokens):
            base = tokens[i + 1][1][1:-1]
            i += 2
        else:
            break
    if i < len(tokens) and tokens[i][0] == "word":
        info.keyword = tokens[i][1].upper()
        info.form = QUERY_FORMS.get(info.keyword)
    for j in range(i, len(tokens)):
        kind, text = tokens[j]
        if kind != "word" or ":" in text:
            continue
        upper = text.upper()
        if upper == "FROM":
            info.has_dataset_clause = True
        elif upper == "SERVICE":
            k = j + 1
            if k < len(tokens) and tokens[k][1].upper() == "SILENT":
                k += 1
            target = tokens[k] if k < len(tokens) else ("other", "")
            if target[0] == "iri":
                iri = target[1][1:-1]
                if base and "://" not in iri:
                    iri = base + iri
                info.services.append(iri)
            elif target[0] == "word" and ":" in target[1]:
                prefix, _, local = target[1].partition(":")
                ns = prefixes.get(prefix)
                info.services.append(ns + local if ns is not None else None)
            else:
                info.services.append(None)
    return info


def service_refusal(
    info: QueryInfo, federation_enabled: bool, allowlist: Sequence[str]
) -> str | None:
    """Why the query's SERVICE calls are refused, or None if they are allowed."""
    if not info.services:
        return None
    if not federation_enabled:
        return "SERVICE (federated query) is disabled on this endpoint"
    for target in info.services:
        if target is None:
            return "SERVICE with a variable or an unknown prefix is not allowed"
        if target not in allowlist:
            return f"SERVICE <{target}> is not on this endpoint's allowlist"
    return None
