"""Editing forms benchmark: what a curator waits for, on the shipped data and on 1M triples.

For each knowledge base (a copy of the shipped `data/`, then synthetic data from
`bench.synthetic` with the canonical base, N-Triples in a temporary directory), the app runs
in process
(FastAPI's test client, a curator logged in) and each request is timed `--repeat` times:

- `new page`: `GET /new/award` (the page itself: the form is drawn by the browser);
- `edit page`: `GET /id/award/{one}/edit` (the record's description and its ETag);
- `form shapes`: `GET /forms/award/shapes.ttl` once the kinds are known (cached per store
  state), and `first form shapes`: the first one, which works the kinds out from the store;
- `editions`: `GET /forms/award/choices` for the edition drop-down;
- `laureate search`: `GET /forms/award/search?q=ghe` (typing a laureate's name; at 1M
  triples the cities and regions are too many for a drop-down);
- `laureates list`: `GET /forms/award/choices` for the laureates (what a drop-down of them
  would load: on the shipped data it is one);
- `shapes after a save`: the form shapes again right after a new city is saved through
  `PUT` (the forms are not worked out again for a record of a known kind and class).

Each request is made once untimed first (imports, templates, caches), except the two
`first`/`after` ones, which are what they say.

Timed once the site's search index is built (it is built in the background at start-up).
Reported: median and slowest time, body size, and the ratio to the shipped data.

    python -m bench.forms                       # shipped data and 1M triples
    python -m bench.forms --sizes 100000 --repeat 20
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from bench.synthetic import CANONICAL, generate

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password"
LAUREATE = quote(CANONICAL + "ontology#laureate", safe="")
EDITION = quote(CANONICAL + "ontology#edition", safe="")


def measure(data_dir: Path, repeat: int) -> dict[str, tuple[float, float, int]]:
    """{request: (median s, slowest s, body bytes)} on the app serving `data_dir`."""
    from fastapi.testclient import TestClient

    import server
    from kb.config import Settings
    from kb.curation.accounts import AccountStore

    state = Path(tempfile.mkdtemp(prefix="forms-bench-state-"))
    try:
        AccountStore(state).add("bench", "curator", PASSWORD)
        settings = Settings(data_dir=data_dir, state_dir=state, validate_on_start=False)
        app = server.create_app(settings)
        with TestClient(app) as client:
            index = getattr(app.state, "search", None)
            if index is not None:  # steady state: the search index built
                index.wait_ready(timeout=600)
            login = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
            assert token, "no CSRF token on /login"
            client.post(
                "/login",
                data={"name": "bench", "password": PASSWORD, "csrf_token": token.group(1)},
            )
            award = app.state.kb.store.select(
                f"SELECT ?a WHERE {{ ?a a <{CANONICAL}ontology#Award> }} LIMIT 1"
            )[0]["a"].value
            edit = "/" + award[len(CANONICAL) :] + "/edit"
            out: dict[str, tuple[float, float, int]] = {}

            def run(name: str, url: str, times: int, warm: bool = True) -> None:
                if warm:  # imports, templates, caches: not what a curator waits for
                    client.get(url)
                seconds, size = [], 0
                for _ in range(times):
                    start = time.perf_counter()
                    response = client.get(url)
                    seconds.append(time.perf_counter() - start)
                    assert response.status_code == 200, (url, response.status_code)
                    size = len(response.content)
                out[name] = (statistics.median(seconds), max(seconds), size)

            run("first form shapes", "/forms/award/shapes.ttl?lang=fr", 1, warm=False)
            run("form shapes", "/forms/award/shapes.ttl?lang=fr", repeat)
            run("new page", "/new/award?lang=fr", repeat)
            run("edit page", edit, repeat)
            run("editions", f"/forms/award/choices?path={EDITION}&lang=fr", repeat)
            run("laureate search", f"/forms/award/search?path={LAUREATE}&q=ghe&lang=fr", repeat)
            run("laureates list", f"/forms/award/choices?path={LAUREATE}&lang=fr", 3)
            # a new city saved through the write path: the forms need no working out again
            token = AccountStore(state).create_token("bench")
            town = f"{CANONICAL}id/authority/bench-town"
            saved = client.put(
                "/id/authority/bench-town",
                content=(
                    f"<{town}> a <{CANONICAL}ontology#Municipality> ; "
                    f'<http://www.w3.org/2004/02/skos/core#prefLabel> "Bench Town"@en ; '
                    "<http://purl.org/dc/terms/source> <https://example.org/bench> ."
                ),
                headers={
                    "Authorization": f"Bearer {token}",
                    "If-None-Match": "*",
                    "Content-Type": "text/turtle",
                },
            )
            assert saved.status_code == 201, saved.text
            run("shapes after a save", "/forms/award/shapes.ttl?lang=fr", 1, warm=False)
            return out
    finally:
        shutil.rmtree(state, ignore_errors=True)


def report(
    label: str, figures: dict[str, tuple[float, float, int]], base: Callable[[str], float]
) -> None:
    print(f"\n{label}")
    print(f"{'request':<20} {'median':>10} {'slowest':>10} {'bytes':>10} {'× shipped':>10}")
    for name, (median, slowest, size) in figures.items():
        ratio = median / base(name) if base(name) else float("nan")
        print(
            f"{name:<20} {median * 1000:>8.1f}ms {slowest * 1000:>8.1f}ms {size:>10} {ratio:>10.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    # the benchmark saves a record: on a copy of data/, never on data/ itself
    copy = Path(tempfile.mkdtemp(prefix="forms-bench-data-")) / "data"
    shutil.copytree(ROOT / "data", copy)
    try:
        shipped = measure(copy, args.repeat)
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    report("shipped data/", shipped, lambda name: shipped[name][0])
    for size in args.sizes:
        nt = generate(size, seed=1, violations=0, base=CANONICAL)
        data_dir = nt.parent / "data"
        data_dir.mkdir(exist_ok=True)
        nt.rename(data_dir / "synthetic.nt")
        try:
            figures = measure(data_dir, args.repeat)
        finally:
            shutil.rmtree(nt.parent, ignore_errors=True)
        report(f"{size:,} synthetic triples", figures, lambda name: shipped[name][0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
