"""`leadroute users`: dashboard users (create, list, disable)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from leadroute.cli.app import app
from leadroute.cli.service import DatabaseOption, open_runtime
from leadroute.services.errors import Conflict, NotFound
from leadroute.services.principals import Role
from leadroute.services.users import create_user, disable_user, list_users

users = typer.Typer(
    help="Dashboard users: create (argon2-hashed password), list, disable.", no_args_is_help=True
)
app.add_typer(users, name="users")


@users.command("create")
def create(
    username: Annotated[str, typer.Option(help="The name to sign in with.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 8 characters (asked for when not given).",
        ),
    ],
    role: Annotated[Role, typer.Option(help="admin, manager, rep or auditor.")],
    rep: Annotated[str | None, typer.Option(help="The rep a rep user signs in as.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Create a user who signs in to the dashboard at /login."""
    runtime = open_runtime(database)
    try:
        with runtime.database.writing() as session:
            if rep is not None:
                roster = {r.id for r in runtime.routing(session).router.config.reps}
                if rep not in roster:
                    known = ", ".join(sorted(roster)) or "none yet"
                    raise ValueError(f"no rep {rep!r} in the routing file in force ({known})")
            create_user(
                session,
                username=username,
                password=password,
                role=role,
                rep_id=rep,
                now=datetime.now(UTC),
                actor="leadroute users create",
            )
    except (ValueError, Conflict) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    typer.echo(f"created {role.value} user {username}" + (f" (rep {rep})" if rep else ""))


@users.command("list")
def list_all(database: DatabaseOption = None) -> None:
    """List users (never their passwords)."""
    runtime = open_runtime(database)
    with runtime.database.reading() as session:
        for user in list_users(session):
            rep = f" rep={user.rep_id}" if user.rep_id else ""
            state = "disabled" if user.disabled else "active"
            typer.echo(f"{user.username:<20} {user.role.value:<8}{rep}  {state}")
    runtime.database.dispose()


@users.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="The user to disable.")],
    database: DatabaseOption = None,
) -> None:
    """Disable a user: they cannot sign in, and their open sessions end at once."""
    runtime = open_runtime(database)
    try:
        with runtime.database.writing() as session:
            disable_user(session, username, now=datetime.now(UTC), actor="leadroute users disable")
    except NotFound as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        runtime.database.dispose()
    typer.echo(f"disabled {username}")
