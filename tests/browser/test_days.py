"""A manager's and a rep's day in Chromium against a live server (examples/pools): the manager
breaks the routing file and sees the error at its line, fixes it, tests a lead; a rep claims a
lead from a pool and marks it won; the manager sees the report change."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.live import Server, sign_in


def test_a_manager_edits_the_routing_file_sees_the_error_at_its_line_and_previews_a_lead(
    page: Page, server: Server
) -> None:
    sign_in(page, server, server.user("maria", "manager"))
    page.get_by_role("link", name="Routing", exact=True).click()
    editor = page.get_by_label(re.compile("^Text"))
    text = editor.input_value()
    assert "order: fifo" in text
    broken = text.replace("order: fifo", "order: fifoo")
    line = (
        broken.splitlines().index(next(row for row in broken.splitlines() if "order: fifoo" in row))
        + 1
    )
    editor.fill(broken)
    page.get_by_role("button", name="Save as new version").click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text(f"line {line}")
    expect(problems).to_contain_text("pools.nurture.order")
    expect(editor).to_have_value(broken)  # what was typed is kept

    editor.fill(text.replace("order: fifo", "order: lifo"))
    page.get_by_label(re.compile("^Comment")).fill("newest first in nurture")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_role("status")).to_contain_text("version 2")

    page.get_by_role("link", name="Test a lead").click()
    page.get_by_label(re.compile("^Name")).fill("Ana Souza")
    page.get_by_label(re.compile("^Email")).fill("ana@acme.com")
    page.get_by_label(re.compile("^More fields")).fill("company_size: 800\nwants_demo: true")
    page.get_by_role("button", name="Test this lead").click()
    result = page.locator("#preview-result")
    expect(result).to_contain_text("hot")  # 40 + 20 points: the blind pool of closers
    expect(result).to_contain_text("hot leads")
    # a preview stores nothing: the leads table is still empty
    page.get_by_role("link", name="Leads", exact=True).click()
    expect(page.get_by_text("No leads yet")).to_be_visible()


def test_a_rep_claims_from_a_pool_and_wins_it_and_the_manager_sees_the_report_change(
    browser: Browser, page: Page, server: Server
) -> None:
    manager = browser.new_context(viewport={"width": 1280, "height": 900})
    boss = manager.new_page()
    sign_in(boss, server, server.user("maria", "manager"))
    lead = server.post_lead(name="Ben Ito", email="ben@globex.com", company="Globex")
    assert lead["pool"] == "nurture"
    boss.goto(f"{server.url}/reports")
    totals = boss.locator(".stats").first
    expect(totals).to_contain_text("0won of 0 decided")
    sign_in(page, server, server.user("sara", "rep", rep="sara"))
    page.get_by_role("link", name="Pools", exact=True).click()
    page.get_by_role("link", name="nurture").first.click()
    page.get_by_role("button", name="Claim Ben Ito").click()
    expect(page).to_have_url(f"{server.url}/leads/{lead['id']}")
    expect(page.get_by_text("Why I got this lead")).to_be_visible()

    page.goto(f"{server.url}/")
    row = page.locator("li, tr, article").filter(has_text="Ben Ito").last
    row.get_by_label("Amount won").fill("2500")
    row.get_by_role("button", name="Won").click()
    expect(page.get_by_role("status")).to_contain_text("won")

    boss.reload()
    expect(totals).to_contain_text("1won of 1 decided")
    expect(boss.locator(".stats").first).to_contain_text("2,500")
    manager.close()


def test_a_rep_signs_in_with_the_keyboard_alone(page: Page, server: Server) -> None:
    server.user("owen", "rep", rep="owen")
    page.goto(f"{server.url}/login")
    page.keyboard.type("owen")  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My leads")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
