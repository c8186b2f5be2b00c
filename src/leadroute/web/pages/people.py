"""An admin's page of who may get in: dashboard users (create, disable) and API keys (create,
shown once on the answer page and never again; revoke). The same services as
`leadroute users` and `leadroute keys`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadroute.api.auth import Now, Runtime_
from leadroute.domain.errors import InvalidInput, Problem
from leadroute.services.errors import Forbidden
from leadroute.services.keys import issue_key, list_keys, revoke_key
from leadroute.services.principals import Role
from leadroute.services.runtime import Runtime
from leadroute.services.users import create_user, disable_user, list_users
from leadroute.services.web_sessions import WebSession
from leadroute.web.render import page, redirect
from leadroute.web.session import Poster, Visitor

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
USER_ROLES = (Role.MANAGER, Role.REP, Role.AUDITOR, Role.ADMIN)
KEY_ROLES = (Role.INTAKE, Role.REP, Role.MANAGER, Role.AUDITOR, Role.ADMIN)


def admin(seen: Visitor) -> WebSession:
    if seen.principal.role is not Role.ADMIN:
        raise Forbidden("only admins manage users and API keys")
    return seen


async def admin_poster(seen: Poster) -> WebSession:
    return admin(seen)


Admin = Annotated[WebSession, Depends(admin)]
AdminPoster = Annotated[WebSession, Depends(admin_poster)]


@router.get("/people")
def people(request: Request, runtime: Runtime_, now: Now, seen: Admin) -> Response:
    return _people_page(request, runtime, now, seen)


@router.post("/people/users")
def add_user(
    runtime: Runtime_,
    now: Now,
    seen: AdminPoster,
    username: Text = "",
    password: Text = "",
    role: Text = "",
    rep: Text = "",
) -> Response:
    chosen = _role(role, USER_ROLES)
    rep_id = rep.strip() or None
    with runtime.database.writing() as session:
        _check_rep(runtime, session, rep_id)
        try:
            create_user(
                session,
                username=username.strip(),
                password=password,
                role=chosen,
                rep_id=rep_id if chosen is Role.REP else None,
                now=now,
                actor=seen.principal.actor,
            )
        except ValueError as error:
            raise InvalidInput([Problem(path="user", message=str(error))]) from None
    return redirect("/people", f"user {username.strip()} created ({chosen.value})")


@router.post("/people/users/{username}/disable")
def disable(username: str, runtime: Runtime_, now: Now, seen: AdminPoster) -> Response:
    if username == seen.principal.user:
        raise Forbidden("you cannot disable yourself")
    with runtime.database.writing() as session:
        disable_user(session, username, now=now, actor=seen.principal.actor)
    return redirect("/people", f"{username} is disabled and signed out")


@router.post("/people/keys")
def add_key(
    request: Request,
    runtime: Runtime_,
    now: Now,
    seen: AdminPoster,
    role: Text = "",
    rep: Text = "",
    label: Text = "",
    expires_in: Text = "",
) -> Response:
    chosen = _role(role, KEY_ROLES)
    made = issue_key(
        runtime=runtime,
        role=chosen,
        rep_id=(rep.strip() or None) if chosen is Role.REP else None,
        label=label,
        expires_in=expires_in,
        caller=seen.principal,
        now=now,
    )
    # The secret is shown on this answer only: no redirect, no cookie, never stored in clear.
    return _people_page(request, runtime, now, seen, new_key=made.secret, status_code=201)


@router.post("/people/keys/{key_id}/revoke")
def revoke(key_id: str, runtime: Runtime_, now: Now, seen: AdminPoster) -> Response:
    with runtime.database.writing() as session:
        revoke_key(session, key_id, now=now, actor=seen.principal.actor)
    return redirect("/people", f"key {key_id} is revoked: it stops working at once")


def _people_page(
    request: Request,
    runtime: Runtime,
    now: datetime,
    seen: WebSession,
    *,
    new_key: str | None = None,
    status_code: int = 200,
) -> Response:
    with runtime.database.reading() as session:
        users = list_users(session)
        keys = list_keys(session)
        roster = sorted(_roster(runtime, session))
    return page(
        request,
        seen,
        "people.html",
        status_code=status_code,
        users=users,
        keys=[(key, key.state(now)) for key in keys],
        roster=roster,
        user_roles=[role.value for role in USER_ROLES],
        key_roles=[role.value for role in KEY_ROLES],
        new_key=new_key,
    )


def _roster(runtime: Runtime, session: Session) -> set[str]:
    return {rep.id for rep in runtime.routing(session).router.config.reps}


def _check_rep(runtime: Runtime, session: Session, rep_id: str | None) -> None:
    if rep_id is not None and rep_id not in _roster(runtime, session):
        raise InvalidInput([Problem(path="rep", message=f"no rep {rep_id!r} in the roster")])


def _role(value: str, allowed: tuple[Role, ...]) -> Role:
    for role in allowed:
        if role.value == value:
            return role
    names = ", ".join(role.value for role in allowed)
    raise InvalidInput([Problem(path="role", message=f"choose a role ({names})")])
