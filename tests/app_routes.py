"""The app's route table, as tests that must cover every route (today's and later ones) read it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.routing import Mount, Route

PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


@dataclass(frozen=True)
class RouteMethod:
    """One method of one route: `/id/{kind}/{name}` GET."""

    path: str
    method: str

    def concrete(self, value: str = "x") -> str:
        """The path with every parameter replaced by `value`."""
        return PARAMETER.sub(value, self.path)

    @property
    def has_parameters(self) -> bool:
        return bool(PARAMETER.search(self.path))

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _walk(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    for route in routes:
        original = getattr(route, "original_router", None)  # FastAPI's included routers
        if original is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(original.routes, prefix + getattr(context, "prefix", ""))
        elif isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
        elif isinstance(route, Route) or hasattr(route, "methods"):
            yield prefix + route.path, set(getattr(route, "methods", None) or {"GET"})


def route_methods(app: Any) -> list[RouteMethod]:
    """Every (path, method) the app answers, HEAD and the API docs left out."""
    found = {
        RouteMethod(path, method)
        for path, methods in _walk(app.routes)
        for method in methods
        if method != "HEAD" and not path.startswith(("/api/", "/docs/"))
    }
    return sorted(found, key=lambda r: (r.path, r.method))
