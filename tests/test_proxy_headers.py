"""Behind a reverse proxy, the login brake (and the requests' rate limit) count by the
visitor's address from X-Forwarded-For, but only when the proxy is trusted
(`ALLIANCE_FORWARDED_ALLOW_IPS`): a real server, uvicorn and granian."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sparql_helpers import live_server


def failed_logins(base: str, visitor: str, account: str, times: int) -> list[int]:
    """`times` logins with a wrong password from `visitor` (as the proxy says), one account."""
    headers = {"x-forwarded-for": visitor}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        form = {"name": account, "password": "wrong password", "csrf_token": token.group(1)}
        return [client.post("/login", data=form).status_code for _ in range(times)]


@pytest.mark.parametrize("http_server", ["uvicorn", "granian"])
@pytest.mark.parametrize(
    ("trusted", "second_visitor_braked"),
    [("127.0.0.1,::1", False), ("", True)],
    ids=["proxy trusted", "no proxy trusted"],
)
def test_the_login_brake_counts_by_the_visitor_behind_a_trusted_proxy(
    tmp_path: Path, http_server: str, trusted: str, second_visitor_braked: bool
) -> None:
    env = {
        "ALLIANCE_STATE_DIR": str(tmp_path / "state"),
        "ALLIANCE_LOGIN_MAX_FAILURES": "2",
        "ALLIANCE_FORWARDED_ALLOW_IPS": trusted,
        "ALLIANCE_HTTP_SERVER": http_server,
        "ALLIANCE_QUERY_WORKERS": "1",
    }
    with live_server(env) as server:
        first = failed_logins(server.base, "203.0.113.7", "nobody-first", 3)
        assert first[-1] == 429  # braked after two failures
        # another visitor, another account, through the same proxy (127.0.0.1)
        second = failed_logins(server.base, "198.51.100.9", "nobody-second", 1)
        assert second == ([429] if second_visitor_braked else [401])
