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


# -- a parser error in plain words -----------------------------------------------------

_POSITION = re.compile(r"error at (\d+):(\d+)(?::\s*(.*))?", re.DOTALL)


@dataclass(frozen=True)
class UndeclaredPrefix:
    """A prefixed name whose prefix has no PREFIX line: where, and its namespace if known."""

    prefix: str
    line: int
    namespace: str | None


def undeclared_prefixes(query: str, known: dict[str, str]) -> list[UndeclaredPrefix]:
    """Prefixes used in `query` without a PREFIX line (first use of each), with the
    namespace `known` gives them (None when the knowledge base does not know them)."""
    declared: set[str] = set()
    found: dict[str, UndeclaredPrefix] = {}
    previous = ""
    for m in _TOKEN.finditer(query):
        kind, text = m.lastgroup or "other", m.group()
        if kind in ("ws", "comment"):
            continue
        if kind == "word" and ":" in text:
            prefix = text.split(":", 1)[0]
            if previous == "PREFIX":
                declared.add(prefix)
            elif prefix not in declared and prefix not in found and not prefix.startswith("_"):
                line = query.count("\n", 0, m.start()) + 1
                found[prefix] = UndeclaredPrefix(prefix, line, known.get(prefix))
        previous = text.upper() if kind == "word" else ""
    return [p for p in found.values() if p.prefix not in declared]


def explain_syntax_error(query: str, message: str, known: dict[str, str]) -> str:
    """A parser's message about `query` in plain words.

    An undeclared prefix the knowledge base knows (`known`: prefix → namespace) is
    named with the exact PREFIX line to add; other errors give the line and column and
    what was found there, without the parser's lists of Unicode ranges.
    """
    missing = undeclared_prefixes(query, known)
    if missing:
        parts = []
        for p in missing:
            if p.namespace is not None:
                parts.append(
                    f'The prefix "{p.prefix}:" (line {p.line}) is not declared. '
                    f"Add this line at the top of the query:\n"
                    f"PREFIX {p.prefix}: <{p.namespace}>"
                )
            else:
                parts.append(
                    f'The prefix "{p.prefix}:" (line {p.line}) is not declared and this '
                    f"knowledge base does not know it: add a line "
                    f"PREFIX {p.prefix}: <namespace> at the top of the query."
                )
        return "\n".join(parts)
    info = inspect_query(query)
    if info.form is None and not info.is_update and info.keyword is not None:
        return (
            "The query must begin with SELECT, ASK, CONSTRUCT or DESCRIBE (after its PREFIX "
            f'and BASE lines), not "{info.keyword}".'
        )
    m = _POSITION.search(message)
    if m is None:
        return f"The query is not valid SPARQL: {message}"
    line, column = int(m.group(1)), int(m.group(2))
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    near = text[max(0, column - 1) :].strip()[:30]
    where = f"Syntax error on line {line}, column {column}"
    where += f', at "{near}"' if near else ", at the end of the line"
    expected = _plain_expected(m.group(3) or "")
    if expected:
        where += f": expected {expected}"
    else:
        where += ": the query cannot be read as SPARQL past this point"
    if text:
        where += f".\n{line:>4} | {text}\n     | {' ' * max(0, column - 1)}^"
    return where


def _plain_expected(expected: str) -> str:
    """The punctuation Oxigraph expected ("}", "."), "" if none: its character classes and
    keywords (often "LATERAL, SERVICE" for any unfinished pattern) would mislead."""
    expected = expected.strip()
    if expected.startswith("expected one of "):
        items = expected[len("expected one of ") :]
    elif expected.startswith("expected "):
        items = expected[len("expected ") :]
    else:
        return ""
    kept = []
    for item in re.findall(r"\[[^\]]*\]|\"[^\"]*\"|'[^']*'|[^,\s][^,]*", items):
        item = item.strip()
        if item.startswith(('"', "'")) and "\\u{" not in item:  # keywords mislead: "LATERAL"
            kept.append(item)
    if not kept or len(kept) > 12:
        return ""
    return kept[0] if len(kept) == 1 else "one of " + ", ".join(kept)
