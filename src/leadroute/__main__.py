"""`python -m leadroute` is the `leadroute` command."""

from leadroute.cli import app

app()
