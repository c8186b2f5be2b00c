"""Signing in and out of the dashboard: passwords, API keys, cookies, CSRF, roles."""

from __future__ import annotations

from sqlalchemy import select

from leadroute.services.keys import create_key, revoke_key
from leadroute.services.principals import Role
from leadroute.services.users import disable_user
from leadroute.storage.tables import EventRow
from tests.web.conftest import PASSWORD, Site


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(site: Site) -> None:
    browser = site.browser()
    answer = browser.get("/leads?status=routed", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/leads%3Fstatus%3Drouted"


def test_a_manager_signs_in_with_a_password_and_gets_a_guarded_cookie(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    cookie = next(c for c in browser.client.cookies.jar if c.name == "lr_session")
    assert cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = browser.get("/")
    assert page.status_code == 200
    assert "Live feed" in page.text
    assert "manager-0 · manager" in page.text


def test_a_wrong_password_is_refused_with_one_message_for_every_failure(site: Site) -> None:
    site.sign_in(Role.MANAGER)
    browser = site.browser()
    form = browser.get("/login").text
    token = form.split('name="csrf" value="')[1].split('"')[0]
    for username, password in (("manager-0", "wrong password"), ("nobody", PASSWORD)):
        answer = browser.client.post(
            "/login", data={"csrf": token, "username": username, "password": password}
        )
        assert answer.status_code == 401
        assert "wrong username or password" in answer.text
        token = answer.text.split('name="csrf" value="')[1].split('"')[0]


def test_a_login_form_without_its_token_is_refused(site: Site) -> None:
    site.sign_in(Role.MANAGER)
    browser = site.browser()
    answer = browser.client.post(
        "/login", data={"csrf": "forged", "username": "manager-0", "password": PASSWORD}
    )
    assert answer.status_code == 401
    assert "expired" in answer.text
    assert "lr_session" not in browser.client.cookies


def test_a_rep_signs_in_with_their_own_key(site: Site) -> None:
    with site.runtime.database.writing() as session:
        made = create_key(session, role=Role.REP, rep_id="sam", now=site.clock.now, actor="t")
    browser = site.browser()
    token = browser.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    answer = browser.client.post(
        "/login", data={"csrf": token, "key": made.secret}, follow_redirects=False
    )
    assert answer.status_code == 303
    page = browser.get("/")
    assert "My leads" in page.text
    assert "sam (key)" in page.text


def test_an_intake_key_cannot_sign_in(site: Site) -> None:
    with site.runtime.database.writing() as session:
        made = create_key(session, role=Role.INTAKE, now=site.clock.now, actor="t")
    browser = site.browser()
    token = browser.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    answer = browser.client.post("/login", data={"csrf": token, "key": made.secret})
    assert answer.status_code == 401
    assert "intake key only posts leads" in answer.text


def test_a_form_post_without_the_session_token_changes_nothing(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    answer = browser.client.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert answer.status_code == 303
    assert browser.get("/").status_code == 200  # still signed in
    htmx = browser.client.post("/logout", headers={"HX-Request": "true"})
    assert htmx.status_code == 403


def test_a_form_posted_from_another_site_is_refused(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    answer = browser.client.post(
        "/logout",
        data={"csrf": browser.csrf},
        headers={"Origin": "https://evil.example", "HX-Request": "true"},
    )
    assert answer.status_code == 403
    assert "another site" in answer.text


def test_signing_out_ends_the_session(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    stolen = browser.client.cookies["lr_session"]
    assert browser.post("/logout").status_code == 303
    thief = site.browser()
    thief.client.cookies.set("lr_session", stolen)
    assert thief.get("/", follow_redirects=False).status_code == 303


def test_disabling_a_user_ends_their_open_session(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    with site.runtime.database.writing() as session:
        disable_user(session, "manager-0", now=site.clock.now, actor="t")
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_session_expires(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    site.clock.advance(hours=13)
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_after_signing_in_the_browser_goes_only_to_a_page_of_this_site(site: Site) -> None:
    site.sign_in(Role.MANAGER)
    browser = site.browser()
    token = browser.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    answer = browser.client.post(
        "/login",
        data={
            "csrf": token,
            "username": "manager-0",
            "password": PASSWORD,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_a_rep_may_not_open_manager_pages(site: Site) -> None:
    browser = site.sign_in(Role.REP, rep="sam")
    assert browser.get("/feed/rows").status_code == 403


def test_revoking_the_key_a_session_signed_in_with_ends_it(site: Site) -> None:
    with site.runtime.database.writing() as session:
        made = create_key(session, role=Role.MANAGER, now=site.clock.now, actor="t")
    browser = site.browser()
    token = browser.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    browser.client.post("/login", data={"csrf": token, "key": made.secret})
    assert browser.get("/", follow_redirects=False).status_code == 200
    with site.runtime.database.writing() as session:
        revoke_key(session, made.key_id, now=site.clock.now, actor="t")
    assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_users_actions_are_logged_under_their_name(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    assert browser.post("/logout").status_code == 303
    with site.runtime.database.reading() as session:
        actors = session.scalars(
            select(EventRow.actor).where(EventRow.type == "user.signed_in")
        ).all()
    assert actors == ["manager manager-0"]
