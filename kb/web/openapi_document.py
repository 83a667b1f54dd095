"""The OpenAPI document (`/api/openapi.json`): FastAPI's, plus `/sparql` described by hand.

`/sparql` is a plain Starlette route (FastAPI's parameter machinery would cost it a
tenth of a millisecond a request), so FastAPI cannot describe it; `SPARQL_PATH` says
what `kb.web.sparql_endpoint` reads and answers (README, "SPARQL endpoint"), and
`install` merges it into the generated document. Clients and the API fuzz tests
(`tests/test_api_fuzz.py`) read the result.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
}

RESULT_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
]

FORMAT_NAMES = ["json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"]

DATASET_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"an IRI of the {what} (repeatable); replaces the query's own dataset",
        "schema": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "style": "form",
        "explode": True,
    }
    for name, what in (("default-graph-uri", "default graph"), ("named-graph-uri", "named graphs"))
]

FORMAT_PARAMETER: dict[str, Any] = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "the result format by short name, instead of the Accept header",
    "schema": {"type": "string", "enum": FORMAT_NAMES},
}


def _responses() -> dict[str, Any]:
    def error(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": ERROR}, "text/html": {}},
        }

    return {
        "200": {
            "description": "the results (SELECT, ASK) or the graph (CONSTRUCT, DESCRIBE); "
            "without a query, the query editor (browsers) or the Service Description",
            "content": {media: {} for media in RESULT_TYPES},
        },
        "400": error("a malformed query, a repeated parameter, text that is not UTF-8"),
        "403": error("an update (this endpoint is read-only) or SERVICE (federation)"),
        "406": error("no result format the Accept header allows"),
        "413": error("a POSTed query or body over the limits"),
        "414": error("a query in the URL over the length limit"),
        "415": error("a POST body that is neither a form nor application/sparql-query"),
        "503": error("the query ran past ALLIANCE_QUERY_TIMEOUT_S, or the workers are down"),
    }


QUERY_PARAMETER: dict[str, Any] = {
    "name": "query",
    "in": "query",
    "required": False,
    "description": "a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE)",
    "schema": {"type": "string"},
    "examples": {
        "select": {"value": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3"},
        "ask": {"value": "ASK { ?s a ?type }"},
    },
}

SPARQL_PATH: dict[str, Any] = {
    "get": {
        "summary": "SPARQL 1.1 query (query in the URL)",
        "operationId": "sparql_get",
        "tags": ["SPARQL"],
        "parameters": [QUERY_PARAMETER, *DATASET_PARAMETERS, FORMAT_PARAMETER],
        "responses": _responses(),
    },
    "post": {
        "summary": "SPARQL 1.1 query (query in a form or as the body)",
        "operationId": "sparql_post",
        "tags": ["SPARQL"],
        "parameters": [*DATASET_PARAMETERS, FORMAT_PARAMETER],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "string", "format": "uri"},
                            "named-graph-uri": {"type": "string", "format": "uri"},
                            "format": {"type": "string", "enum": FORMAT_NAMES},
                        },
                    }
                },
                "application/sparql-query": {"schema": {"type": "string"}},
            },
        },
        "responses": _responses(),
    },
}


def install(app: FastAPI, extra_paths: dict[str, dict[str, Any]] | None = None) -> None:
    """Have `app.openapi()` describe `/sparql` (and `extra_paths`) beside FastAPI's routes."""
    paths = {"/sparql": SPARQL_PATH, **(extra_paths or {})}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with warnings.catch_warnings():  # GET and HEAD of one route share an id: HEAD goes
                warnings.filterwarnings("ignore", "Duplicate Operation ID")
                document = get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            for operations in document.get("paths", {}).values():
                if "get" in operations:  # HTTP answers HEAD wherever GET is: not listed twice
                    operations.pop("head", None)
                    get = operations["get"]  # FastAPI names it after either method
                    get["operationId"] = re.sub(r"_head$", "_get", get.get("operationId", ""))
            document["paths"] = {**paths, **document.get("paths", {})}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
