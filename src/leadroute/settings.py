"""Settings from the environment (LEADROUTE_*) and command-line options; read once at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ROUTING = Path(__file__).parent / "defaults" / "routing.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADROUTE_", extra="ignore")

    database_url: str = "sqlite:///./leadroute.db"
    routing: Path | None = None
    # A model file from `leadroute train`; its probability is the lead field `score_model`.
    model: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Origins a browser form may post leads from (CORS); empty allows none, "*" allows all.
    cors_origins: list[str] = []
    # Hosts a form's `redirect` may send the browser to after a post (open-redirect guard).
    redirect_hosts: list[str] = []
    public_url: str = ""
    # Dashboard cookies carry the Secure flag (browsers keep them over https and on localhost).
    # Set false only behind plain http on another host, such as a trusted LAN.
    cookie_secure: bool = True
    # Outbox (docs/NOTIFICATIONS.md): webhook and json/xml/form channel addresses on private,
    # loopback or link-local networks are refused unless this is true (SSRF guard).
    allow_private_urls: bool = False
    # A delivery is dead-lettered (status failed) after this many tries.
    delivery_max_attempts: int = Field(default=8, ge=1)
    # How long a worker holds a delivery it is sending; past it (the worker died) another
    # worker sends it again, with the same delivery id.
    delivery_lease_seconds: float = Field(default=60.0, gt=0)
    # A directory of Jinja2 templates overriding the packaged ones (notify/templates).
    templates: Path | None = None

    @property
    def routing_file(self) -> Path:
        return self.routing or DEFAULT_ROUTING
