"""All configuration, in one typed place, read once.

Every setting can be given as an environment variable with the prefix
`ALLIANCE_` (for example `ALLIANCE_BASE_IRI`, `ALLIANCE_QUERY_TIMEOUT_S`) or in
a `.env` file. Command-line options override them (see `kb.cli.main`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The base IRI the records in `data/` are written with. When the configured
#: base differs, `kb.sources.rdf_files` rewrites IRIs from this one to the configured one.
CANONICAL_BASE_IRI = "https://w3id.org/roma-alliance/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALLIANCE_", env_file=".env", extra="ignore")

    # Identifiers
    base_iri: str = Field(CANONICAL_BASE_IRI, description="Base of every IRI the KB mints")

    # Inputs
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    vocabularies_dir: Path = PROJECT_ROOT / "ontology" / "vocabularies"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    data_dir: Path = PROJECT_ROOT / "data"
    queries_dir: Path = PROJECT_ROOT / "queries"

    # Server
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field("", description="Public base URL of the server, if not host:port")
    strict: bool = Field(False, description="Refuse to serve data with SHACL violations")
    http_server: Literal["uvicorn", "granian"] = Field(
        "uvicorn", description="HTTP server of `alliance-kb serve` (bench/README.md compares them)"
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1",
        description="Addresses of the reverse proxies whose X-Forwarded-For / -Proto headers"
        " are trusted (comma-separated addresses or networks, '*' for any, '' for none): the"
        " client address that rate limits and the login brake count by is then the visitor's",
    )

    # Store: embedded Oxigraph (in memory, or on disk at store_location) or external endpoint
    store_location: Path | None = None
    store_url: str | None = Field(None, description="URL of an external SPARQL 1.1 endpoint")
    store_update_url: str | None = None
    store_graph_store_url: str | None = None

    # SPARQL endpoint safety
    query_timeout_s: float = 30.0
    max_result_rows: int = 100_000
    max_query_length: int = 20_000
    max_body_bytes: int = 1_000_000
    federation_enabled: bool = False
    service_allowlist: list[str] = Field(default_factory=list)
    query_workers: int = Field(0, description="Query worker processes (0: one per CPU, at least 2)")
    response_cache_mb: int = Field(64, description="Whole-response cache for /sparql (0: off)")
    validate_on_start: bool = Field(True, description="Log a SHACL summary at server start")

    # Open-data dumps
    dumps_dir: Path = PROJECT_ROOT / "var" / "dumps"

    # Editing forms: a link to more records than this is a search box, not a drop-down
    form_list_limit: int = Field(300, description="Most records a form's drop-down lists")

    # Curation: accounts, sessions, tokens and the history of changes (never in data/)
    state_dir: Path = Field(
        PROJECT_ROOT / "var", description="Curation state: accounts, sessions, history"
    )
    session_hours: float = Field(12.0, description="A login session lasts this long")
    login_max_failures: int = Field(
        5, description="Failed logins (per account, per client) before a growing delay"
    )

    # Public requests (/join, /cooperate): abuse limits, and how long contact details are kept
    request_rate_limit: int = Field(
        10, description="Request-form submissions one client may send per window"
    )
    request_rate_window_s: int = Field(3600, description="The window of request_rate_limit")
    request_max_bytes: int = Field(32_000, description="Largest body a request form may send")
    request_retention_days: int = Field(
        180, description="Days a decided request's contact details are kept"
    )
    requests_max_stored: int = Field(1000, description="Most requests kept in the state dir")

    @property
    def ontology_ns(self) -> str:
        return f"{self.base_iri}ontology#"

    def record_iri(self, kind: str, slug: str) -> str:
        return f"{self.base_iri}id/{kind}/{slug}"

    def graph_iri(self, name: str) -> str:
        return f"{self.base_iri}graph/{name}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
