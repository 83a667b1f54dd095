"""A curator's decision on a request: accept it (its records through the write path) or reject it.

`accept_request(kb, requests, account, request_id, draft=None)`:

1. claims the request (`RequestStore.claim`: one acceptance at a time; a decided request is
   refused with `RequestDecided`);
2. builds the proposal from the draft given (else the one saved, else the request's own:
   `kb.curation.request_proposals`), refuses a draft with errors (`DraftInvalid`), records
   that exist with another description (`RecordsExist`) and a proposal with SHACL violations
   (`ProposalInvalid`, with the report), all before anything is written;
3. creates each record with `kb.curation.record_changes.apply_record_change` (validated
   again, journaled in the history under the curator's account with the reason
   "request {id} accepted", written to its data file, committed to the store), in order:
   the source first, then what cites it;
4. marks the request accepted, with its records and the history's change ids.

Each record is its own change in the history (the write path changes one record at a
time). If a write is refused midway (another curator created the same record meanwhile),
the request stays pending with a note naming what was created; accepting it again skips the
records that exist exactly as proposed, so it finishes the work.

`reject_request(requests, account, request_id, reason)` needs a reason; it stays in the
state directory (the public never sees requests, accepted or not).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kb.curation.accounts import Account
from kb.curation.record_changes import ChangeRefused, apply_record_change
from kb.curation.request_fields import FieldError
from kb.curation.request_proposals import (
    Proposal,
    ProposalCheck,
    build_proposal,
    check_proposal,
    default_draft,
)
from kb.curation.request_store import PublicRequest, RequestStore

if TYPE_CHECKING:  # kb.validation (rdflib) is imported on the first write
    from kb.validation.report import ValidationReport

MAX_REASON = 2000


class DecisionRefused(Exception):
    """A decision that was not taken; `status` is its HTTP status."""

    status = 409

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class DraftInvalid(DecisionRefused):
    """The curator's draft cannot become records (a slug, a date, a number, a choice)."""

    status = 422

    def __init__(self, detail: str, errors: list[FieldError]) -> None:
        super().__init__(detail)
        self.errors = errors


class RecordsExist(DecisionRefused):
    """Records of the proposal exist with another description."""

    status = 409

    def __init__(self, detail: str, records: list[str]) -> None:
        super().__init__(detail)
        self.records = records


class ProposalInvalid(DecisionRefused):
    """The knowledge base with the proposed records would have violations."""

    status = 422

    def __init__(self, detail: str, report: ValidationReport) -> None:
        super().__init__(detail)
        self.report = report


class NoWritePath(DecisionRefused):
    status = 503


class ReasonMissing(DecisionRefused):
    status = 400


@dataclass(frozen=True)
class Acceptance:
    """An accepted request: the records it created and the history's change ids."""

    request_id: str
    records: list[str]
    changes: list[int]


def current_draft(kb: Any, request: PublicRequest) -> dict[str, Any]:
    """The draft a request is shown and accepted with: the saved one, else its defaults."""
    return dict(request.draft) if request.draft else default_draft(kb, request)


def review(
    kb: Any, request: PublicRequest, draft: Mapping[str, Any] | None = None
) -> tuple[Proposal, ProposalCheck | None]:
    """The proposal of a request and what the store says of it (None while the draft has
    errors)."""
    proposal = build_proposal(
        kb, request, draft if draft is not None else current_draft(kb, request)
    )
    if proposal.errors:
        return proposal, None
    return proposal, check_proposal(kb, proposal)


def accept_request(
    kb: Any,
    requests: RequestStore,
    account: Account,
    request_id: str,
    draft: Mapping[str, Any] | None = None,
) -> Acceptance:
    """Turn a pending request into records (see the module's docstring)."""
    request = requests.claim(request_id)
    created: list[str] = []
    changes: list[int] = []
    try:
        if draft is not None:
            requests.save_draft(request_id, dict(draft))
        proposal, check = review(kb, request, draft)
        if proposal.errors:
            raise DraftInvalid(
                "the draft cannot become records: "
                + "; ".join(f"{e.name}: {e.code}" for e in proposal.errors),
                proposal.errors,
            )
        assert check is not None
        if not check.writable:
            raise NoWritePath(
                "this server has no write path (an external or read-only store): accept "
                "requests on the server that holds data/ in memory"
            )
        if check.error:
            raise NoWritePath(f"the proposal could not be checked: {check.error}")
        if check.conflicts:
            raise RecordsExist(
                "these records exist already with another description: "
                + ", ".join(check.conflicts)
                + "; change the slug, or choose the existing record",
                check.conflicts,
            )
        if check.refused:
            assert check.report is not None
            raise ProposalInvalid(
                "the knowledge base with these records would have violations: "
                + check.report.summary("en"),
                check.report,
            )
        reason = f"request {request.id} ({request.kind}) accepted"
        for record in proposal.records:
            if record.iri in check.done:
                created.append(record.iri)
                continue
            outcome = apply_record_change(
                kb, account, record.iri, list(record.triples), reason, if_none_match="*"
            )
            created.append(record.iri)
            if outcome.change_id is not None:
                changes.append(outcome.change_id)
    except (DecisionRefused, ChangeRefused) as exc:
        detail = exc.detail
        note = detail if not created else f"created {', '.join(created)}; then: {detail}"
        requests.release(request_id, created, note)
        raise
    except BaseException:
        requests.release(request_id, created, "the acceptance stopped on an error (logged)")
        raise
    requests.accepted(request_id, account.name, created, changes)
    return Acceptance(request_id, created, changes)


def reject_request(requests: RequestStore, account: Account, request_id: str, reason: str) -> None:
    """Reject a pending request; `ReasonMissing` without a reason."""
    reason = reason.strip()
    if not reason:
        raise ReasonMissing("say why the request is rejected (the reason is kept for curators)")
    requests.reject(request_id, account.name, reason[:MAX_REASON])
