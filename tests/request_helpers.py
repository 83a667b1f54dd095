"""What the tests of the public requests share: a site on a copy of data/, filled-in forms."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from kb.config import Settings
from kb.curation.accounts import AccountStore

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}

#: Contact details no public output may ever show.
SECRET_EMAIL = "ilona.titkos@contact-never-public.example"
SECRET_PHONE = "+36 62 555 0199"
SECRET_NAME = "Ilona Titkos-Kapcsolat"

JOIN = {
    "authority_name": "Hódmezővásárhely",
    "authority_type": "municipality",
    "country": "HUN",
    "contact_name": SECRET_NAME,
    "contact_role": "Officer for Roma inclusion",
    "contact_email": SECRET_EMAIL,
    "contact_phone": SECRET_PHONE,
    "motivation": "We run a programme of Roma school mediators and want to share it.",
    "practice_title": "Roma school mediators",
    "practice_description": "Mediators between families and schools.",
    "practice_themes": "education",
    "practice_start_year": "2019",
    "consent": "yes",
}
COOPERATE = {
    "organisation_name": "Romani Kafava Egyesület",
    "organisation_name_en": "Romani Kafava Association",
    "organisation_country": "HUN",
    "field_of_work": "Education and youth work with Roma communities.",
    "proposal": "Summer schools with the Alliance's cities.",
    "contact_name": SECRET_NAME,
    "contact_role": "Director",
    "contact_email": SECRET_EMAIL,
    "contact_phone": SECRET_PHONE,
    "consent": "yes",
}


@contextmanager
def request_site(tmp_path: Path, **settings: Any) -> Iterator[tuple[TestClient, Path, str]]:
    """The app on a copy of data/ with its own state directory and the curator `maria`:
    (client, data directory, maria's API token)."""
    import server

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    state = tmp_path / "state"
    accounts = AccountStore(state)
    accounts.add("maria", "curator", PASSWORD)
    token = accounts.create_token("maria")
    options = {"request_rate_limit": 1000, "validate_on_start": False, **settings}
    config = Settings(state_dir=state, data_dir=data, **options)
    with TestClient(server.create_app(config), follow_redirects=False) as client:
        yield client, data, token


def form_token(client: TestClient, path: str) -> str:
    """The CSRF token of the form at `path` (the page also sets its cookie)."""
    page = client.get(path, headers=HTML)
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has no CSRF token"
    return found.group(1)


def send(
    client: TestClient, kind: str, fields: dict[str, str], lang: str = "en", token: str = ""
) -> Any:
    """Post the form of `kind` as a browser does."""
    token = token or form_token(client, f"/{kind}?lang={lang}")
    return client.post(f"/{kind}?lang={lang}", data={**fields, "csrf_token": token}, headers=HTML)


def login(client: TestClient) -> None:
    """Log `maria` in with the browser's form (session cookie)."""
    token = form_token(client, "/login")
    answer = client.post(
        "/login",
        data={"csrf_token": token, "name": "maria", "password": PASSWORD, "next": "/requests"},
        headers=HTML,
    )
    assert answer.status_code == 303, answer.text[:300]


def field_value(html: str, name: str) -> str:
    """The value a text input of the form shows."""
    found = re.search(rf'<input id="f-{name}" name="{name}"[^>]* value="([^"]*)"', html)
    assert found, f"no input {name}"
    return found.group(1)
