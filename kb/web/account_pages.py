"""Logging in and out: `GET|POST /login`, `POST /logout` (pages in English and French).

A successful login opens a session (`kb.curation.accounts`) and sets its cookie, then
sends the browser back where it came from (`next`, a path of this site only). Failed
logins are braked per account and per client address: a 429 page says how long to wait.
Scripts do not log in: they send `Authorization: Bearer TOKEN` (`alliance-kb token
create NAME`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kb.curation.accounts import LoginThrottled
from kb.web.auth import (
    ANONYMOUS_COOKIE,
    SESSION_COOKIE,
    CsrfChecked,
    account_store,
    current_session,
    set_cookie_later,
)
from kb.web.pages import KB, Page

router = APIRouter()


def safe_next(target: str | None) -> str:
    """A local path to go back to after logging in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", include_in_schema=False)
def login_page(request: Request, kb: KB, next: str = "/") -> Response:
    page = Page(request, kb.settings)
    return page.render("login.html", title=page.t("login_title"), next=safe_next(next))


@router.post("/login", include_in_schema=False)
async def login(request: Request, kb: KB, _csrf: CsrfChecked) -> Response:
    page = Page(request, kb.settings)
    form = await request.form()
    name = str(form.get("name") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/"))
    client = request.client.host if request.client else "unknown"
    store = account_store(request)
    try:
        # Argon2 is deliberately slow: off the event loop
        account = await run_in_threadpool(store.login, name, password, client)
    except LoginThrottled as exc:
        message = page.t("login_throttled").format(seconds=exc.retry_after)
        return page.render(
            "login.html",
            status=429,
            title=page.t("login_title"),
            next=target,
            name=name,
            error=message,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if account is None:
        return page.render(
            "login.html",
            status=401,
            title=page.t("login_title"),
            next=target,
            name=name,
            error=page.t("login_failed"),
        )
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        store.close_session(old)
    session_id, session = store.open_session(account, kb.settings.session_hours)
    set_cookie_later(request, SESSION_COOKIE, session_id, max_age=int(session.expires_in()))
    set_cookie_later(request, ANONYMOUS_COOKIE, "", max_age=0)
    return RedirectResponse(target, status_code=303)


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, kb: KB, _csrf: CsrfChecked) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and current_session(request) is not None:
        account_store(request).close_session(cookie)
    set_cookie_later(request, SESSION_COOKIE, "", max_age=0)
    return RedirectResponse("/", status_code=303)
