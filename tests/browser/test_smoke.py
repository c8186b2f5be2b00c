"""A first look through Chromium: sign in, the feed shows a lead posted while watching."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.live import Server, sign_in


def test_the_live_feed_shows_a_lead_posted_while_the_manager_watches(
    page: Page, server: Server
) -> None:
    manager = server.user("maria", "manager")
    sign_in(page, server, manager)
    expect(page.get_by_role("heading", name="Live feed")).to_be_visible()
    expect(page.get_by_text("No leads yet")).to_be_visible()
    server.post_lead(name="Ana Souza", email="ana@acme.com", company="Acme", country="US")
    feed = page.locator("#feed")
    expect(feed.get_by_role("link", name="Ana Souza")).to_be_visible(timeout=12_000)
    expect(feed).to_contain_text("pool nurture")
