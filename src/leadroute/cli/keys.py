"""`leadroute keys`: create, list and revoke API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from leadroute.cli.app import app
from leadroute.cli.service import DatabaseOption, open_runtime
from leadroute.domain.durations import parse_duration
from leadroute.services.errors import NotFound
from leadroute.services.keys import create_key, list_keys, revoke_key
from leadroute.services.principals import Role

keys = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys, name="keys")


@keys.command("create")
def create(
    role: Annotated[Role, typer.Option(help="admin, manager, intake, rep or auditor.")],
    rep: Annotated[str | None, typer.Option(help="The rep a rep key belongs to.")] = None,
    label: Annotated[str, typer.Option(help="A note to recognise the key by.")] = "",
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime such as 90d or 12h (default: no expiry).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create a key and print it (alone, on the last line): it is stored hashed, shown once."""
    now = datetime.now(UTC)
    expires_at = None
    if expires_in is not None:
        try:
            expires_at = now + parse_duration(expires_in)
        except ValueError as error:
            typer.echo(f"error: --expires-in: {error}", err=True)
            raise typer.Exit(code=1) from None
    runtime = open_runtime(database)
    try:
        with runtime.database.writing() as session:
            made = create_key(
                session,
                role=role,
                rep_id=rep,
                label=label,
                expires_at=expires_at,
                now=now,
                actor="leadroute keys create",
            )
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    typer.echo(
        f"created {role.value} key {made.key_id}" + (f" for rep {rep}" if rep else ""), err=True
    )
    typer.echo(made.secret)


@keys.command("list")
def list_all(database: DatabaseOption = None) -> None:
    """List keys (never their secrets)."""
    runtime = open_runtime(database)
    now = datetime.now(UTC)
    with runtime.database.reading() as session:
        for key in list_keys(session):
            state = key.state(now)
            if key.expires_at is not None and state == "active":
                state += f" (expires {key.expires_at:%Y-%m-%d %H:%M} UTC)"
            rep = f" rep={key.rep_id}" if key.rep_id else ""
            typer.echo(f"{key.key_id}  {key.role.value:<8}{rep}  {state}  {key.label}")
    runtime.database.dispose()


@keys.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (the part after lr_).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a key: it stops working at once."""
    runtime = open_runtime(database)
    try:
        with runtime.database.writing() as session:
            revoke_key(session, key_id, now=datetime.now(UTC), actor="leadroute keys revoke")
    except NotFound as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    typer.echo(f"revoked {key_id}")
