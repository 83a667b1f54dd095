"""`alliance-kb requests list|purge`: the public requests kept in ALLIANCE_STATE_DIR.

`requests list [--status pending|accepted|rejected|all]` prints one line per request (id,
kind, received, status, name; never the contact details). `requests purge` applies the
retention period (`ALLIANCE_REQUEST_RETENTION_DAYS`): rejected requests decided before it
are deleted, accepted ones lose their contact details. The server does the same at each
submission and each look at the queue; run this from cron on a quiet server. Exit 0.
"""

from __future__ import annotations

import argparse

from kb.config import get_settings
from kb.curation.request_store import RequestStore

NAME_FIELDS = ("authority_name", "organisation_name")


def run_requests_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    store = RequestStore(
        settings.state_dir, settings.request_retention_days, settings.requests_max_stored
    )
    if args.action == "purge":
        deleted, erased = store.purge()
        print(
            f"{deleted} rejected request(s) deleted, contact details of {erased} accepted "
            f"request(s) erased (older than {settings.request_retention_days} days)"
        )
        return 0
    status = None if args.status == "all" else args.status
    for item in store.of_status(status):
        name = next((str(item.fields[k]) for k in NAME_FIELDS if item.fields.get(k)), "")
        print(f"{item.id}\t{item.kind}\t{item.received_iso}\t{item.status}\t{name}")
    return 0
