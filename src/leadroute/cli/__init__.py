"""The `leadroute` command (Typer): serve, migrate, keys, import, demo, check, replay, route."""

from leadroute.cli import files, keys, service
from leadroute.cli.app import app

__all__ = ["app", "files", "keys", "service"]
