"""`alliance-kb push URL`: load the knowledge base into an external store."""

from __future__ import annotations

import argparse
import sys

import httpx

from kb.config import Settings, get_settings
from kb.publish.graph_store_push import push_store
from kb.sources.rdf_files import InputError, dataset_files
from kb.store.embedded import EmbeddedStore


def run_push_command(args: argparse.Namespace, settings: Settings | None = None) -> int:
    settings = settings or get_settings()
    try:
        files = dataset_files(settings, [args.data] if getattr(args, "data", None) else None)
        store = EmbeddedStore.from_files(files, settings.base_iri).oxigraph
    except InputError as exc:
        print(f"alliance-kb push: {exc}", file=sys.stderr)
        return 2
    try:
        results = push_store(store, files.graphs(), args.url)
    except httpx.HTTPError as exc:
        print(f"alliance-kb push: {args.url}: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for graph, count, status in results:
        ok = 200 <= status < 300
        failed += not ok
        print(f"{'ok ' if ok else 'ERR'} {status} {graph} ({count} triples)")
    return 1 if failed else 0
