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

    # Abuse limits (docs/RELIABILITY.md). Requests a minute per API key or signed-in session
    # (429 with Retry-After past it; 0 turns the limit off), per client address for form posts
    # to the intake and for sign-in attempts.
    rate_limit_per_minute: int = Field(default=600, ge=0)
    form_rate_limit_per_minute: int = Field(default=20, ge=0)
    login_rate_limit_per_minute: int = Field(default=10, ge=0)
    # The largest request body (413 past it); CSV uploads may be larger.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=20_971_520, ge=1024)
    # A lead: the longest text value, the most custom (non-standard) fields, the deepest
    # nesting of any JSON body.
    max_field_length: int = Field(default=10_000, ge=100)
    max_custom_fields: int = Field(default=100, ge=0)
    max_json_depth: int = Field(default=20, ge=2)
    # A form field that people never see and bots fill in: a form post that fills it is
    # answered as if taken and stored nowhere. Empty: no honeypot.
    honeypot_field: str = ""
    # Signed intake (HMAC, docs/RELIABILITY.md): how far a request's timestamp may be from now.
    signature_tolerance_seconds: int = Field(default=300, ge=1)
    # PII retention: personal data of leads closed (or, when never closed, last changed) more
    # than this many days ago is erased by the worker, leaving a tombstone. None keeps it.
    pii_retention_days: int | None = Field(default=None, ge=1)

    @property
    def routing_file(self) -> Path:
        return self.routing or DEFAULT_ROUTING
