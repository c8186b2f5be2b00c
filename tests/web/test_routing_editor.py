"""The routing file editor: the version in force, check without saving, save with every
problem shown at its line, the version history, and who may change it."""

from __future__ import annotations

import html
import json

import yaml

from leadroute.services.principals import Role
from tests.web.conftest import Site

TYPO = "select: round_robbin"


def _in_force(site: Site) -> dict[str, object]:
    answer = site.client.get("/api/v1/routing", headers=site.admin)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _versions(site: Site) -> int:
    total: int = site.client.get("/api/v1/routing/versions", headers=site.admin).json()["total"]
    return total


def _with_typo(text: str) -> tuple[str, int]:
    """The text with the first round_robin misspelt, and the line of the misspelling."""
    broken = text.replace("select: round_robin", TYPO, 1)
    line = next(n for n, row in enumerate(broken.splitlines(), start=1) if TYPO in row)
    return broken, line


def test_the_editor_shows_the_version_in_force_with_its_text(site: Site) -> None:
    page = site.sign_in(Role.MANAGER).get("/routing")
    assert page.status_code == 200
    current = _in_force(site)
    assert f"Version <strong>{current['version']}</strong> is in force" in page.text
    assert '<textarea id="routing-text" name="text"' in page.text
    text = html.unescape(
        page.text.split('aria-describedby="problems">\n', 1)[1].split("</textarea>")[0]
    )
    assert text == current["text"]
    assert "Save as new version" in page.text
    assert 'href="/routing/versions/1"' in page.text


def test_saving_a_typo_answers_422_keeps_the_text_and_names_the_line(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    broken, line = _with_typo(str(_in_force(site)["text"]))
    answer = browser.post("/routing", {"text": broken.replace("\n", "\r\n"), "comment": "typo"})
    assert answer.status_code == 422
    shown = html.unescape(answer.text)
    assert TYPO in shown
    assert f"line {line}</a> · <code>routing[3].assign.select</code>: unknown selector" in shown
    assert f'data-goto-line="{line}"' in answer.text
    assert f'data-error-lines="{line}"' in answer.text
    assert 'value="typo"' in answer.text
    assert _versions(site) == 1


def test_a_syntax_error_is_shown_at_the_line_yaml_names(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    answer = browser.post("/routing", {"text": "timezone: UTC\nreps: [\n  - {id: ana\n"})
    assert answer.status_code == 422
    assert "invalid YAML" in answer.text
    assert 'data-goto-line="' in answer.text
    assert _versions(site) == 1


def test_checking_with_htmx_shows_the_problems_and_stores_nothing(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    text = str(_in_force(site)["text"])
    broken, line = _with_typo(text)
    answer = browser.htmx("/routing/check", {"text": broken})
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section id="problems"')
    assert f'data-error-lines="{line}"' in answer.text
    assert "round_robbin" in html.unescape(answer.text)
    fine = browser.htmx("/routing/check", {"text": text + "# one more comment\n"})
    assert "No problems" in fine.text
    assert _versions(site) == 1


def test_checking_without_javascript_renders_the_editor_again(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    broken, line = _with_typo(str(_in_force(site)["text"]))
    answer = browser.post("/routing/check", {"text": broken})
    assert answer.status_code == 422
    assert f"line {line}</a>" in answer.text
    assert TYPO in html.unescape(answer.text)
    assert _versions(site) == 1


def test_a_valid_save_stores_the_next_version_with_its_comment(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    text = str(_in_force(site)["text"]).replace("caps: {open: 40}", "caps: {open: 35}")
    answer = browser.post("/routing", {"text": text.replace("\n", "\r\n"), "comment": "less"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/routing"
    page = browser.get("/routing")
    assert "version 2 stored" in page.text
    current = _in_force(site)
    assert current["version"] == 2
    assert current["text"] == text  # the browser's CR LF line ends are not stored
    assert current["comment"] == "less"
    assert current["created_by"] == f"manager {site.users[-1]}"
    again = browser.post("/routing", {"text": text, "comment": "same"})
    assert again.status_code == 303
    assert "no change: version 2 is still in force" in browser.get("/routing").text
    assert _versions(site) == 2


def test_a_json_file_is_stored_as_json(site: Site) -> None:
    browser = site.sign_in(Role.ADMIN)
    data = yaml.safe_load(str(_in_force(site)["text"]))
    answer = browser.post("/routing", {"text": json.dumps(data, indent=2), "comment": "json"})
    assert answer.status_code == 303, answer.text
    assert _in_force(site)["format"] == "json"
    data["routing"][3]["assign"]["select"] = "round_robbin"
    text = json.dumps(data, indent=2)
    refused = browser.post("/routing", {"text": text})
    assert refused.status_code == 422
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "round_robbin" in row)
    assert f"line {line}</a>" in refused.text


def test_reps_and_auditors_cannot_save(site: Site) -> None:
    text = str(_in_force(site)["text"]) + "# changed\n"
    rep = site.sign_in(Role.REP, rep="sam")
    assert rep.get("/routing").status_code == 403
    assert rep.htmx("/routing/check", {"text": text}).status_code == 403
    auditor = site.sign_in(Role.AUDITOR)
    page = auditor.get("/routing")
    assert page.status_code == 200
    assert " readonly>" in page.text
    assert "Save as new version" not in page.text
    refused = auditor.post(
        "/routing", {"text": text}, headers={"referer": "https://testserver/routing"}
    )
    assert refused.status_code == 403
    assert "only managers and admins" in refused.text
    assert (
        auditor.client.post(
            "/routing", data={"csrf": auditor.csrf, "text": text}, headers={"HX-Request": "true"}
        ).status_code
        == 403
    )
    assert _versions(site) == 1


def test_a_stored_version_is_shown_read_only_and_can_be_loaded_into_the_editor(site: Site) -> None:
    browser = site.sign_in(Role.MANAGER)
    first = str(_in_force(site)["text"])
    changed = first.replace("caps: {open: 40}", "caps: {open: 30}")
    assert browser.post("/routing", {"text": changed, "comment": "thirty"}).status_code == 303
    old = browser.get("/routing/versions/1")
    assert old.status_code == 200
    assert "Routing version 1" in old.text
    assert "in force</span></h1>" not in old.text
    assert 'href="/routing?load=1"' in old.text
    assert html.unescape(old.text).count("caps: {open: 40}") == 3
    history = browser.get("/routing").text
    assert "thirty" in history
    loaded = browser.get("/routing?load=1")
    assert "Version 1 is loaded into the editor" in loaded.text
    assert "caps: {open: 40}" in html.unescape(loaded.text)
    assert browser.get("/routing/versions/9").status_code == 404
