"""Public requests benchmark: what a requester and a curator wait for, on the shipped data
and on synthetic data.

For each knowledge base (the shipped `data/`, then synthetic data from `bench.synthetic`
with the canonical base, N-Triples in a temporary directory), the app runs in process
(FastAPI's test client; a curator's API token) and each step is timed:

- `form page`: `GET /join` (the member states and themes, read from the store once per
  store generation, then kept);
- `submission`: `POST /join` of a correct request (checked, stored in SQLite, redirected);
- `review, first`: `GET /requests/{id}` as JSON the first time: the proposal built, its
  duplicates looked for among every city and region of the store, and its SHACL check in
  a trial (a fork of the store, the write path's incremental validation);
- `review, again`: the same, the check remembered (same draft, same store generation);
- `queue page, first` / `again`: `GET /requests` as JSON with `--pending` requests waiting
  (a page shows 20: each checked, with its duplicates), after a commit (every check new)
  and again;
- `accept`: `POST /requests/{id}/accept` (4 records through the write path: 4 trials, 4
  journal entries and file rewrites, 4 commits), on the shipped data only (the synthetic
  knowledge base is one N-Triples file the write path would rewrite whole).

Reported: median and slowest of `--repeat` runs, and the ratio to the shipped data.

    python -m bench.requests                    # shipped data and 1M triples
    python -m bench.requests --sizes 100000 --repeat 5 --pending 20
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.synthetic import CANONICAL, generate

ROOT = Path(__file__).resolve().parent.parent
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
FORM = {
    "authority_name": "Hódmezővásárhely",
    "authority_type": "municipality",
    "country": "HUN",
    "contact_name": "Bench Contact",
    "contact_role": "Officer",
    "contact_email": "bench@example.org",
    "motivation": "A benchmark request.",
    "practice_title": "Roma school mediators",
    "practice_themes": "education",
    "practice_start_year": "2019",
    "consent": "yes",
}


def timed(step: Any, times: int) -> tuple[float, float]:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), max(seconds)


def measure(
    data_dir: Path, repeat: int, pending: int, accept: bool
) -> dict[str, tuple[float, float]]:
    """{step: (median s, slowest s)} on the app serving `data_dir`."""
    from fastapi.testclient import TestClient

    import server
    from kb.config import Settings
    from kb.curation.accounts import AccountStore
    from kb.curation.request_store import RequestStore

    state = Path(tempfile.mkdtemp(prefix="requests-bench-state-"))
    try:
        accounts = AccountStore(state)
        accounts.add("bench", "curator", "benchmark password")
        auth = {**JSON, "Authorization": f"Bearer {accounts.create_token('bench')}"}
        settings = Settings(
            data_dir=data_dir, state_dir=state, validate_on_start=False, request_rate_limit=0
        )
        app = server.create_app(settings)
        out: dict[str, tuple[float, float]] = {}
        with TestClient(app, follow_redirects=False) as client:
            page = client.get("/join", headers=HTML)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token, "no CSRF token on /join"
            form = {**FORM, "csrf_token": token.group(1)}
            store = RequestStore(state)

            def submit() -> None:
                answer = client.post("/join", data=form, headers=HTML)
                assert answer.status_code == 303, answer.text[:500]

            def get(url: str, headers: dict[str, str]) -> Any:
                def step() -> None:
                    answer = client.get(url, headers=headers)
                    assert answer.status_code == 200, (url, answer.status_code)

                return step

            out["form page"] = timed(get("/join", HTML), repeat)
            out["submission"] = timed(submit, repeat)
            ids = [r.id for r in store.of_status("pending")]
            first = iter(ids)
            out["review, first"] = timed(
                lambda: get(f"/requests/{next(first)}", auth)(), min(repeat, len(ids))
            )
            out["review, again"] = timed(get(f"/requests/{ids[0]}", auth), repeat)
            for _ in range(max(0, pending - len(ids))):
                submit()
            # a new store generation makes every check new: a record created meanwhile
            created = client.put(
                "/id/source/bench-generation",
                content="<> a <http://purl.org/dc/terms/BibliographicResource> ; "
                '<http://purl.org/dc/terms/title> "bench"@en .',
                headers={**auth, "Content-Type": "text/turtle", "If-None-Match": "*"},
            )
            assert created.status_code == 201, created.text[:500]
            waiting = max(pending, len(ids))
            label = f"queue page, {min(waiting, 20)} of {waiting}"
            out[f"{label}, first"] = timed(get("/requests", auth), 1)
            out[f"{label}, again"] = timed(get("/requests", auth), repeat)
            if accept:
                queue = iter(r.id for r in store.of_status("pending"))

                def accept_one() -> None:
                    rid = next(queue)
                    # each request names another city (the slugs of the records differ)
                    draft = {
                        "authority_slug": f"bench-{rid}",
                        "practice_slug": f"bench-{rid}",
                        "practice_in_database": "yes",
                    }
                    answer = client.post(
                        f"/requests/{rid}/accept", json={"draft": draft}, headers=auth
                    )
                    assert answer.status_code == 200, answer.text[:1000]

                out["accept (4 records)"] = timed(accept_one, min(repeat, 5))
        return out
    finally:
        shutil.rmtree(state, ignore_errors=True)


def report(label: str, figures: dict[str, tuple[float, float]], shipped: dict[str, Any]) -> None:
    print(f"\n{label}")
    print(f"{'step':<30} {'median':>10} {'slowest':>10} {'× shipped':>10}")
    for name, (median, slowest) in figures.items():
        base = shipped.get(name, (0.0, 0.0))[0]
        ratio = f"{median / base:.1f}" if base else "-"
        print(f"{name:<30} {median * 1000:>8.1f}ms {slowest * 1000:>8.1f}ms {ratio:>10}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pending", type=int, default=50)
    args = parser.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="requests-bench-data-")) / "data"
    shutil.copytree(ROOT / "data", data)  # accepting writes to the files: a copy
    try:
        shipped = measure(data, args.repeat, args.pending, accept=True)
    finally:
        shutil.rmtree(data.parent, ignore_errors=True)
    report("shipped data/ (a copy)", shipped, shipped)
    for size in args.sizes:
        nt = generate(size, seed=1, violations=0, base=CANONICAL)
        data_dir = nt.parent / "data"
        data_dir.mkdir(exist_ok=True)
        nt.rename(data_dir / "synthetic.nt")
        try:
            figures = measure(data_dir, args.repeat, args.pending, accept=False)
        finally:
            shutil.rmtree(nt.parent, ignore_errors=True)
        report(f"{size:,} synthetic triples", figures, shipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
