"""The admin's people & keys page: users and API keys made, shown once, disabled, revoked."""

from __future__ import annotations

import html
import re

from leadroute.services.principals import Role
from tests.web.conftest import Site


def test_an_admin_adds_a_rep_user_who_then_signs_in(site: Site) -> None:
    admin = site.sign_in(Role.ADMIN)
    made = admin.post(
        "/people/users",
        {"username": "kim", "password": "long enough", "role": "rep", "rep": "kim"},
    )
    assert made.status_code == 303
    page = admin.get("/people").text
    assert "user kim created (rep)" in html.unescape(page)
    kim = site.browser()
    token = re.search(r'name="csrf" value="([^"]+)"', kim.get("/login").text)
    assert token is not None
    kim.client.post(
        "/login", data={"csrf": token.group(1), "username": "kim", "password": "long enough"}
    )
    assert "My leads" in kim.get("/").text


def test_a_bad_user_is_refused_with_the_reason(site: Site) -> None:
    admin = site.sign_in(Role.ADMIN)
    cases = {
        "a password needs at least 8": {"username": "x", "password": "short", "role": "manager"},
        "no rep &#39;ghost&#39; in the roster": {
            "username": "x",
            "password": "long enough",
            "role": "rep",
            "rep": "ghost",
        },
        "choose a role": {"username": "x", "password": "long enough", "role": "intake"},
    }
    for message, form in cases.items():
        answer = admin.post("/people/users", form, headers={"Referer": "https://testserver/people"})
        assert answer.status_code == 303
        assert message in admin.get("/people").text, message


def test_a_new_key_is_shown_once_works_and_can_be_revoked(site: Site) -> None:
    admin = site.sign_in(Role.ADMIN)
    answer = admin.post(
        "/people/keys", {"role": "intake", "label": "web form", "expires_in": "90d"}
    )
    assert answer.status_code == 201
    key = re.search(r'id="new-key" value="(lr_[^"]+)"', answer.text)
    assert key is not None
    headers = {"Authorization": f"Bearer {key.group(1)}"}
    posted = site.client.post("/api/v1/leads", json={"email": "a@b.example"}, headers=headers)
    assert posted.status_code == 201
    listing = admin.get("/people").text
    assert key.group(1) not in listing  # never shown again
    key_id = key.group(1).split("_")[1]
    assert admin.post(f"/people/keys/{key_id}/revoke").status_code == 303
    again = site.client.post("/api/v1/leads", json={"email": "c@d.example"}, headers=headers)
    assert again.status_code == 401


def test_disabling_a_user_signs_them_out_and_an_admin_cannot_disable_themselves(
    site: Site,
) -> None:
    admin = site.sign_in(Role.ADMIN)
    manager = site.sign_in(Role.MANAGER)
    assert admin.post("/people/users/manager-1/disable").status_code == 303
    assert manager.get("/", follow_redirects=False).status_code == 303
    refused = admin.htmx("/people/users/admin-0/disable")
    assert refused.status_code == 403
    assert admin.get("/", follow_redirects=False).status_code == 200


def test_only_admins_see_the_page(site: Site) -> None:
    for role in (Role.MANAGER, Role.AUDITOR):
        browser = site.sign_in(role)
        assert browser.get("/people").status_code == 403
        assert "People &amp; keys" not in browser.get("/").text
        assert browser.htmx("/people/keys", {"role": "admin"}).status_code == 403
    assert "People &amp; keys" in site.sign_in(Role.ADMIN).get("/").text
