"""Who is asking, and may they write: sessions, bearer tokens, roles and CSRF, for routes.

FastAPI dependencies every writing route uses (curation's own, the editing forms', the
requests'):

* `CurrentAccount` (`current_account`): the account of the request, or None. A request
  with `Authorization: Bearer TOKEN` is that token's account (a wrong token is a 401, never
  a silent anonymous request); otherwise the session cookie's account.
* `require_role("curator")` / `require_role("admin")`: 401 without credentials, 403
  when the account's role is not enough (an admin is also a curator).
* `CsrfChecked` (`check_csrf`): unsafe requests from browsers must carry the CSRF token,
  as the form field `csrf_token` or the `X-CSRF-Token` header (fetch-based writes);
  requests authenticated by a bearer token need none (a browser never sends one by
  itself). Logged in, the token is the session's; anonymous forms (the login form, the
  public request forms) carry a token bound to a random cookie, signed with the state
  directory's secret (double submit). A missing or wrong token is a 403.

Templates get a form's token from `csrf_token(request)` (`Page.csrf_token()`). Cookies
the dependencies decide to set are added to the response by `CookieMiddleware`, so routes
that return their own `Response` need not know about them.

The session cookie is HttpOnly, SameSite=Lax, and Secure when the request came over
https or `ALLIANCE_PUBLIC_URL` is https.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.config import Settings, get_settings
from kb.curation.accounts import Account, AccountStore, Session

SESSION_COOKIE = "alliance_session"
ANONYMOUS_COOKIE = "alliance_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_UNSET = object()


def settings_of(request: Request) -> Settings:
    kb = getattr(request.app.state, "kb", None)
    if kb is not None:
        settings: Settings = kb.settings
        return settings
    return get_settings()


def account_store(request: Request) -> AccountStore:
    """The accounts of this app's state directory (opened on first use)."""
    store = getattr(request.app.state, "accounts", None)
    if store is None:
        settings = settings_of(request)
        store = AccountStore(settings.state_dir, settings.login_max_failures)
        request.app.state.accounts = store
    return store


def is_secure(request: Request) -> bool:
    """Whether cookies must be Secure: https here, or behind an https public address."""
    return request.url.scheme == "https" or settings_of(request).public_url.startswith("https:")


def request_state(request: Request) -> dict[str, Any]:
    """The request's own state (Starlette's `request.state`, as the dict in its scope)."""
    state: dict[str, Any] = request.scope.setdefault("state", {})
    return state


def set_cookie_later(
    request: Request, name: str, value: str, max_age: int | None, http_only: bool = True
) -> None:
    """Ask `CookieMiddleware` to set (or, with max_age 0, delete) a cookie on the response."""
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if is_secure(request):
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    pending: list[str] = request_state(request).setdefault("set_cookies", [])
    pending.append("; ".join(parts))


# -- who is asking -------------------------------------------------------------------------


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="alliance-kb"'})


def current_session(request: Request) -> Session | None:
    """The session of the request's cookie, or None (looked up once per request)."""
    cached = request_state(request).get("kb_session", _UNSET)
    if cached is not _UNSET:
        return cached
    cookie = request.cookies.get(SESSION_COOKIE, "")
    session = account_store(request).session(cookie) if cookie else None
    request_state(request)["kb_session"] = session
    return session


def current_account(request: Request) -> Account | None:
    """The account of the request (bearer token, else session cookie), or None.

    A bearer token that names no account is a 401.
    """
    token = bearer_token(request)
    if token is not None:
        cached = request_state(request).get("kb_token_account", _UNSET)
        if cached is _UNSET:
            cached = account_store(request).token_account(token)
            request_state(request)["kb_token_account"] = cached
        if cached is None:
            raise unauthorized("the bearer token is unknown or revoked")
        return cached
    session = current_session(request)
    return session.account if session else None


def visitor_account(request: Request) -> Account | None:
    """Like `current_account`, but a bad bearer token is just anonymous (for page headers)."""
    try:
        return current_account(request)
    except HTTPException:
        return None


CurrentAccount = Annotated[Account | None, Depends(current_account)]


def require_role(role: str) -> Callable[[Request], Account]:
    """A dependency: the account, which must have `role` (401 without one, 403 if short)."""

    def dependency(request: Request) -> Account:
        account = current_account(request)
        if account is None:
            raise unauthorized("log in (/login) or send an API token: Authorization: Bearer TOKEN")
        if not account.has_role(role):
            raise HTTPException(403, f"account {account.name!r} is not a {role}")
        return account

    return dependency


Curator = Annotated[Account, Depends(require_role("curator"))]
Admin = Annotated[Account, Depends(require_role("admin"))]


# -- CSRF ------------------------------------------------------------------------------------


def _signed(request: Request, nonce: str) -> str:
    key = account_store(request).secret()
    return hmac.new(key, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token a form of this page must carry (the session's, or an anonymous one)."""
    session = current_session(request)
    if session is not None:
        return session.csrf_token
    state = request_state(request)
    nonce = state.get("kb_anonymous_nonce") or request.cookies.get(ANONYMOUS_COOKIE, "")
    if not nonce or len(nonce) > 100:
        nonce = secrets.token_urlsafe(24)
        set_cookie_later(request, ANONYMOUS_COOKIE, nonce, max_age=None)
    state["kb_anonymous_nonce"] = nonce
    return _signed(request, nonce)


def _expected_csrf(request: Request) -> str | None:
    session = current_session(request)
    if session is not None:
        return session.csrf_token
    nonce = request.cookies.get(ANONYMOUS_COOKIE, "")
    return _signed(request, nonce) if nonce else None


async def check_csrf(request: Request) -> None:
    """403 unless an unsafe browser request carries its CSRF token (bearer requests pass)."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if mime in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()  # Starlette keeps it: the route reads it again
            field = form.get(CSRF_FIELD)
            given = field if isinstance(field, str) else None
    expected = _expected_csrf(request)
    if expected is None:
        raise HTTPException(
            403,
            "this form needs its cookie: allow cookies for this site, reload the page "
            "and send the form again",
        )
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            403,
            "the form's security token (CSRF) is missing or out of date: reload the page and "
            "send the form again (scripts: send the X-CSRF-Token header, or use a bearer token)",
        )


CsrfChecked = Annotated[None, Depends(check_csrf)]


# -- setting cookies from anywhere ---------------------------------------------------------------


class CookieMiddleware:
    """Adds the cookies `set_cookie_later` queued during the request to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookies = state.get("set_cookies")
                if cookies:
                    headers = MutableHeaders(scope=message)
                    for cookie in cookies:
                        headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookies)
