"""`leadroute users`: create (argon2 hash stored, never the password), list, disable."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from leadroute.cli import app
from leadroute.storage.access_tables import UserRow
from leadroute.storage.database import connect


def test_users_create_list_and_disable(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate", "--database", database_url]).exit_code == 0
    made = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "maria",
            "--password",
            "s3cret-pass",
            "--role",
            "manager",
            "--database",
            database_url,
        ],
    )
    assert made.exit_code == 0, made.output
    assert "created manager user maria" in made.output
    rep = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "sam",
            "--password",
            "s3cret-pass",
            "--role",
            "rep",
            "--rep",
            "sam",
            "--database",
            database_url,
        ],
    )
    assert rep.exit_code == 0, rep.output
    database = connect(database_url)
    with database.reading() as session:
        stored = session.scalars(select(UserRow).order_by(UserRow.username)).all()
        assert [(u.username, u.role, u.rep_id) for u in stored] == [
            ("maria", "manager", None),
            ("sam", "rep", "sam"),
        ]
        assert all(u.password_hash.startswith("$argon2id$") for u in stored)
        assert all("s3cret-pass" not in u.password_hash for u in stored)
    database.dispose()
    listed = runner.invoke(app, ["users", "list", "--database", database_url])
    assert "maria" in listed.output
    assert "rep=sam" in listed.output
    assert (
        runner.invoke(app, ["users", "disable", "sam", "--database", database_url]).exit_code == 0
    )
    assert "disabled" in runner.invoke(app, ["users", "list", "--database", database_url]).output


def test_users_create_names_what_is_wrong(database_url: str) -> None:
    runner = CliRunner()
    runner.invoke(app, ["migrate", "--database", database_url])
    base = ["users", "create", "--database", database_url, "--username"]
    cases = {
        "a password needs at least 8": ["ok", "--password", "short", "--role", "manager"],
        "a rep user needs the rep": ["ok", "--password", "long-enough", "--role", "rep"],
        "no rep 'ghost' in the routing file": [
            "ok",
            "--password",
            "long-enough",
            "--role",
            "rep",
            "--rep",
            "ghost",
        ],
        "a username is 1-100": ["has space", "--password", "long-enough", "--role", "manager"],
        "intake is for API keys": ["ok", "--password", "long-enough", "--role", "intake"],
    }
    for message, arguments in cases.items():
        refused = runner.invoke(app, [*base, *arguments])
        assert refused.exit_code == 1, (message, refused.output)
        assert message in refused.output
    runner.invoke(app, [*base, "maria", "--password", "long-enough", "--role", "manager"])
    again = runner.invoke(app, [*base, "maria", "--password", "long-enough", "--role", "auditor"])
    assert again.exit_code == 1
    assert "a user named 'maria' exists" in again.output
