"""The `leadroute` command (Typer): serve, migrate, keys, import, demo, check, replay, route,
train, accounts."""

from leadroute.cli import accounts, files, keys, learning, service
from leadroute.cli.app import app

__all__ = ["accounts", "app", "files", "keys", "learning", "service"]
