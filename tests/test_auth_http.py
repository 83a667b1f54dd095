"""Logging in and out, session cookies, CSRF, roles and bearer tokens over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from kb.config import Settings
from kb.curation.accounts import AccountStore
from kb.web.auth import Admin, CsrfChecked, Curator

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("state")
    store = AccountStore(path)
    store.add("maria", "curator", PASSWORD)
    store.add("ada", "admin", PASSWORD)
    return path


@pytest.fixture(scope="module")
def app_and_state(state: Path) -> Iterator[tuple[object, Path]]:
    import server

    app = server.create_app(
        Settings(state_dir=state, login_max_failures=3, validate_on_start=False)
    )

    # routes that only prove the dependencies (the write routes use the same ones)
    @app.post("/test-only/curator")
    def curator_only(request: Request, account: Curator, _csrf: CsrfChecked) -> dict[str, str]:
        return {"name": account.name}

    @app.post("/test-only/admin")
    def admin_only(account: Admin) -> dict[str, str]:
        return {"name": account.name}

    with TestClient(app):
        yield app, state


@pytest.fixture
def client(app_and_state: tuple[object, Path]) -> Iterator[TestClient]:
    with TestClient(app_and_state[0], follow_redirects=False) as c:  # type: ignore[arg-type]
        yield c


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def log_in(client: TestClient, name: str = "maria", password: str = PASSWORD) -> str:
    """Log in through the form; the CSRF token of the session."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/login").text)


def test_login_page_is_in_english_and_french_with_a_csrf_field(client: TestClient) -> None:
    en = client.get("/login")
    assert en.status_code == 200 and "Account name" in en.text
    assert csrf_of(en.text)
    fr = client.get("/login?lang=fr")
    assert "Mot de passe" in fr.text and 'lang="fr"' in fr.text


def test_login_without_the_forms_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"name": "maria", "password": PASSWORD})
    assert response.status_code == 403
    assert "alliance_session" not in response.headers.get("set-cookie", "")


def test_login_sets_an_httponly_samesite_session_cookie(client: TestClient) -> None:
    page = client.get("/login?next=/ontology")
    response = client.post(
        "/login",
        data={
            "name": "maria",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/ontology",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ontology"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "alliance_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = client.get("/")
    assert "maria" in home.text and "/logout" in home.text


def test_the_session_cookie_is_secure_over_https(app_and_state: tuple[object, Path]) -> None:
    with TestClient(
        app_and_state[0],
        base_url="https://testserver",
        follow_redirects=False,  # type: ignore[arg-type]
    ) as client:
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"name": "maria", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 303
        cookie = next(c for c in response.headers.get_list("set-cookie") if "alliance_session" in c)
        assert "Secure" in cookie


def test_login_never_redirects_to_another_site(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "name": "maria",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/"


def test_a_wrong_password_is_a_401_page_that_says_so(client: TestClient) -> None:
    page = client.get("/login?lang=fr")
    response = client.post(
        "/login?lang=fr",
        data={"name": "ada", "password": "not the password", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "incorrect" in response.text


def test_repeated_failures_are_braked_with_429_and_retry_after(
    app_and_state: tuple[object, Path],
) -> None:
    with TestClient(app_and_state[0], follow_redirects=False) as client:  # type: ignore[arg-type]
        token = csrf_of(client.get("/login").text)
        form = {"name": "nobody-here", "password": "wrong password", "csrf_token": token}
        statuses = [client.post("/login", data=form).status_code for _ in range(4)]
        assert statuses[:2] == [401, 401]
        assert statuses[3] == 429
        braked = client.post("/login", data=form)
        assert braked.status_code == 429 and int(braked.headers["retry-after"]) >= 1
        # the brake is per client: testclient is one client, so even maria must wait now
        good = {"name": "maria", "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=good).status_code == 429
    AccountStore(app_and_state[1]).clear_failures(["client:testclient", "account:nobody-here"])


def test_logout_needs_the_csrf_token_and_ends_the_session(client: TestClient) -> None:
    token = log_in(client)
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert "maria" not in client.get("/").text


def test_browser_writes_need_the_session_and_the_csrf_header(client: TestClient) -> None:
    assert client.post("/test-only/curator").status_code == 401
    token = log_in(client)
    assert client.post("/test-only/curator").status_code == 403  # no CSRF token
    assert client.post("/test-only/curator", headers={"X-CSRF-Token": "x"}).status_code == 403
    ok = client.post("/test-only/curator", headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json() == {"name": "maria"}


def test_bearer_tokens_need_no_csrf_and_bad_ones_are_401(client: TestClient, state: Path) -> None:
    token = AccountStore(state).create_token("maria")
    ok = client.post("/test-only/curator", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json() == {"name": "maria"}
    bad = client.post("/test-only/curator", headers={"Authorization": "Bearer akb_0_nope"})
    assert bad.status_code == 401 and "Bearer" in bad.headers["www-authenticate"]
    assert bad.json()["error"]


def test_roles_are_checked_403_for_a_curator_on_admin_routes(
    client: TestClient, state: Path
) -> None:
    curator = AccountStore(state).create_token("maria")
    admin = AccountStore(state).create_token("ada")
    refused = client.post("/test-only/admin", headers={"Authorization": f"Bearer {curator}"})
    assert refused.status_code == 403
    assert client.post("/test-only/admin", headers={"Authorization": f"Bearer {admin}"}).json() == {
        "name": "ada"
    }
    # an admin is a curator too
    assert (
        client.post("/test-only/curator", headers={"Authorization": f"Bearer {admin}"}).status_code
        == 200
    )
