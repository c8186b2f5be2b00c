""" "Test a lead": the decision and its trace for a lead typed into a form, without storing
anything; problems shown by field."""

from __future__ import annotations

import html

from leadroute.services.principals import Role
from tests.web.conftest import Site

NORTH_AMERICA = {"name": "Ada", "email": "ada@acme.example", "country": "US", "region": "US-CA"}


def _lead_count(site: Site) -> int:
    answer = site.client.get("/api/v1/leads", headers=site.admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return len(body["leads"]) if isinstance(body, dict) else len(body)


def test_the_preview_shows_the_rep_the_reason_and_the_trace_and_stores_no_lead(
    site: Site,
) -> None:
    browser = site.sign_in(Role.MANAGER)
    form = browser.get("/routing/preview")
    assert form.status_code == 200
    assert 'name="extra"' in form.text
    first = browser.post("/routing/preview", NORTH_AMERICA)
    assert first.status_code == 200
    text = html.unescape(first.text)
    assert "Would go to <strong>jordan</strong>" in text
    assert "north america: jordan (round robin" in text
    assert "<strong>junk</strong>" in text
    assert "no match" in text
    assert (
        'Priya Shah <small class="muted">(priya)</small> skipped: a more specific territory wins'
        in text
    )
    # Nothing moved: the same lead previewed again goes to the same rep by the same turn.
    second = html.unescape(browser.post("/routing/preview", NORTH_AMERICA).text)
    assert "north america: jordan (round robin: never served by this rule)" in second
    assert _lead_count(site) == 0
    site.post_lead(email="ada@acme.example", country="US", region="US-CA")
    assert _lead_count(site) == 1


def test_the_form_keeps_its_values_and_reads_extra_fields(site: Site) -> None:
    browser = site.sign_in(Role.AUDITOR)
    fields = {"email": "ceo@big.example", "company": "Big Corp", "extra": "company_size: 5000"}
    answer = browser.post("/routing/preview", fields)
    assert answer.status_code == 200
    assert 'value="ceo@big.example"' in answer.text
    assert 'value="Big Corp"' in answer.text
    assert "company_size: 5000</textarea>" in answer.text
    assert "enterprise desk" in answer.text
    assert "Would go to <strong>grace</strong>" in answer.text
    as_json = browser.post(
        "/routing/preview", {"email": "x@y.example", "extra": '{"company_size": 20000}'}
    )
    assert "strategic accounts" in as_json.text
    assert "Would wait in pool <strong>triage</strong>" in as_json.text


def test_a_lead_without_contact_is_refused_by_field(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    answer = browser.post("/routing/preview", {"name": "Nobody", "company": "Nowhere"})
    assert answer.status_code == 422
    assert (
        'id="lead-email" name="email" type="text" value="" autocomplete="off" aria-invalid="true"'
        in answer.text
    )
    assert "needs an email or a phone" in answer.text
    assert 'value="Nowhere"' in answer.text
    assert "Would go to" not in answer.text
    empty = browser.post("/routing/preview", {})
    assert empty.status_code == 422
    both = browser.post("/routing/preview", {"name": "Nobody", "extra": "company size 40"})
    assert 'id="lead-extra-problem"' in both.text
    assert 'id="lead-email-problem" class="field-problem">' in both.text


def test_a_malformed_email_is_kept_as_sent_and_said_so_at_the_field(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    answer = browser.post("/routing/preview", {"email": "not an email", "country": "US"})
    assert answer.status_code == 200
    assert 'id="lead-email-problem" class="field-note">Kept as sent:' in answer.text
    assert "Would go to" in answer.text


def test_bad_extra_lines_and_versions_are_named_by_field(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    answer = browser.post(
        "/routing/preview", {"email": "a@b.example", "extra": "company_size 50", "version": "x"}
    )
    assert answer.status_code == 422
    assert 'id="lead-extra-problem"' in answer.text
    assert "line 1: expected `key: value`" in html.unescape(answer.text)
    assert 'id="lead-version-problem"' in answer.text
    unknown = browser.post("/routing/preview", {"email": "a@b.example", "version": "42"})
    assert unknown.status_code == 422
    assert "routing version 42 does not exist" in unknown.text
    both = browser.post("/routing/preview", {"email": "a@b.example", "extra": "email: c@d.example"})
    assert "&#39;email&#39; is already given above" in both.text


def test_an_earlier_version_can_be_previewed(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    text = site.client.get("/api/v1/routing", headers=site.admin).json()["text"]
    changed = text.replace(
        "when: {field: country, in: [US, CA]}", "when: {field: country, in: [CA]}"
    )
    assert browser.post("/routing", {"text": changed}).status_code == 303
    now = browser.post("/routing/preview", NORTH_AMERICA).text
    assert "north america" not in now.split("How it was decided")[0]
    before = browser.post("/routing/preview", {**NORTH_AMERICA, "version": "1"}).text
    assert "Would go to <strong>jordan</strong>" in before
    assert "<dt>Routing version</dt><dd>1</dd>" in before


def test_htmx_gets_the_form_and_result_alone_and_reps_get_nothing(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    answer = browser.htmx("/routing/preview", NORTH_AMERICA)
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="preview-area">')
    assert "<html" not in answer.text
    refused = browser.htmx("/routing/preview", {"name": "x"})
    assert refused.status_code == 200  # htmx swaps only 2xx answers: the problems show in place
    assert 'aria-invalid="true"' in refused.text
    rep = site.sign_in(Role.REP, rep="sam")
    assert rep.get("/routing/preview").status_code == 403
    assert rep.htmx("/routing/preview", NORTH_AMERICA).status_code == 403
