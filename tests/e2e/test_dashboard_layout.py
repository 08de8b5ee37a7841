"""The dashboard's layout in headless chromium: every action reachable at 1280, 800 and 390 px.

Uses Debian's /usr/bin/chromium driven by playwright (its own browser download is never used).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from memoram_async import MemoramClient
from memoram_local import LocalServer
from scripts._chromium import CHROMIUM, CHROMIUM_ARGS

BROWSER_ARGS = ["--headless", *CHROMIUM_ARGS]
# A reason with one token longer than any column: it may break, its words may not.
LONG_REASON = (
    "Sync notes from https://notes.example.com/export/a8f3c2e1d9b7a6f5e4d3c2b1a0f9e8d7c6b5a4"
    " and remember your preferred stack, editor settings and conventions"
)

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="chromium not installed: run `make browser` (needs apt-get and root)",
    ),
    # One server and one browser for the module: they share the module's event loop.
    pytest.mark.asyncio(loop_scope="module"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def seeded() -> AsyncIterator[tuple[LocalServer, dict[str, str]]]:
    """A server with a pending, an approved, a rejected and a revoked request; one rotated key.

    Yields the server and the request ids by status.
    """
    async with (
        LocalServer() as server,
        MemoramClient(api_key=server.api_key, base_url=server.base_url) as client,
    ):
        ids = {}
        for status, memory_key in (
            ("approved", "mk_alice_0123456789"),
            ("revoked", "mk_bob_0123456789ab"),
            ("rejected", "mk_carol_0123456789"),
            ("pending", "mk_alice_0123456789"),
        ):
            reason = LONG_REASON if status == "pending" else f"A {status} request"
            ids[status] = (await client.request_access(memory_key, reason=reason)).id
        await server.aapprove(ids["approved"])
        await server.aapprove(ids["revoked"])
        await server.arevoke(ids["revoked"])
        await server.areject(ids["rejected"])
        user = client.user(await client.get_credentials(ids["approved"]))
        await user.create_memory("Finish Middlemarch")
        await server.arotate_key(user.user_id)
        yield server, ids


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One headless chromium for the module."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def open_page(browser: Browser, server: LocalServer, width: int) -> Page:
    """The dashboard in a fresh page `width` CSS pixels wide."""
    page = await browser.new_page(viewport={"width": width, "height": 800})
    await page.goto(server.dashboard_url)
    await expect(page.locator("#tables table")).to_have_count(2)
    return page


@pytest.mark.parametrize("width", [1280, 800, 390])
async def test_every_action_is_visible_without_horizontal_scrolling(
    browser: Browser, seeded: tuple[LocalServer, dict[str, str]], width: int
) -> None:
    """No horizontal scroll, and each Approve/Reject/Revoke/Rotate button lies inside the width."""
    server, ids = seeded
    page = await open_page(browser, server, width)
    try:
        scroll_width, inner_width = await page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width == width
        buttons = page.locator("#tables button[data-path]")
        labels = await buttons.evaluate_all("bs => bs.map(b => b.getAttribute('aria-label'))")
        assert sorted(label.split(" ")[0] for label in labels) == [
            "Approve", "Reject", "Revoke", "Revoke", "Rotate", "Rotate", "Rotate",
        ]  # fmt: skip
        assert f"Approve request {ids['pending']}" in labels
        for index in range(await buttons.count()):
            button = buttons.nth(index)
            await button.scroll_into_view_if_needed()
            await expect(button).to_be_visible()
            box = await button.bounding_box()
            assert box is not None
            assert box["x"] >= 0, labels[index]
            assert box["x"] + box["width"] <= width, labels[index]
    finally:
        await page.close()


@pytest.mark.parametrize("width", [1280, 800, 390])
async def test_reasons_wrap_between_words(
    browser: Browser, seeded: tuple[LocalServer, dict[str, str]], width: int
) -> None:
    """A reason's ordinary words stay whole on their lines; only the long URL may break."""
    server, ids = seeded
    page = await open_page(browser, server, width)
    try:
        cell = page.locator(f"#request-{ids['pending']} td.reason")
        # The rendered lines of the cell's text, from the rectangle of each character (a
        # space at a line break may have none: it stays with the line it ends).
        lines = await cell.evaluate(
            """td => {
              const text = td.firstChild, range = document.createRange(), lines = [""];
              let top = null;
              for (let i = 0; i < text.length; i++) {
                range.setStart(text, i); range.setEnd(text, i + 1);
                const rect = range.getClientRects()[0];
                if (rect && top !== null && Math.abs(rect.top - top) > 2) lines.push("");
                if (rect) top = rect.top;
                lines[lines.length - 1] += text.data[i];
              }
              return lines;
            }"""
        )
        assert "".join(lines) == LONG_REASON
        long_tokens = [word for word in LONG_REASON.split() if len(word) > 30]
        for current, following in itertools.pairwise(lines):
            if current.endswith(" ") or following.startswith(" "):
                continue  # wrapped at a space
            broken = current.split()[-1] + following.split()[0]
            assert any(broken in token for token in long_tokens), (current, following)
        if width == 390:
            assert len(lines) > 3  # narrow enough that the URL itself had to break
    finally:
        await page.close()


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_request_links_to_its_user_row_and_back(
    browser: Browser, seeded: tuple[LocalServer, dict[str, str]], width: int
) -> None:
    """Clicking a request's user link scrolls to that user's row; its request links come back."""
    server, ids = seeded
    page = await open_page(browser, server, width)
    try:
        link = page.locator(f"#request-{ids['pending']} a.user-link")
        href = await link.get_attribute("href")
        assert href is not None
        assert href.startswith("#user-")
        user_row = page.locator(f"tr{href}")
        await expect(user_row).to_have_count(1)
        await link.click()
        assert await page.evaluate("location.hash") == href
        await expect(user_row).to_be_in_viewport()
        back = user_row.locator(f'a[href="#request-{ids["pending"]}"]')
        await expect(back).to_have_count(1)
        assert await user_row.locator('a[href^="#request-"]').count() == 2
        await back.click()
        await expect(page.locator(f"#request-{ids['pending']}")).to_be_in_viewport()
    finally:
        await page.close()
