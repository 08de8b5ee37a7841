"""The local dashboard in a real headless chromium: click Approve, and the SDK sees it; the
token reaches no other local port.

Uses Debian's /usr/bin/chromium (`make browser` installs it) driven by playwright; playwright's
own browser download is never used.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright, expect

from memoram_async import MemoramClient
from memoram_local import LocalServer
from memoram_local._overview import PAGE_SIZE
from scripts._chromium import CHROMIUM, CHROMIUM_ARGS

# Long enough for a few of the page's 3-second refreshes.
REFRESHED = 15_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="chromium not installed: run `make browser` (needs apt-get and root)",
)


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Headless chromium with a new, empty profile."""
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": 1280, "height": 800},
        )
        try:
            yield context
        finally:
            await context.close()


def watch_errors(page: Page) -> list[str]:
    """Collect the page's script errors and console errors (a CSP violation is one)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


async def screenshot(page: Page, path: Path) -> None:
    """Save the whole page as a PNG and check it is a real, non-trivial image."""
    await page.screenshot(path=path, full_page=True)
    data = await asyncio.to_thread(path.read_bytes)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000


async def test_approve_in_the_browser_releases_wait_for_approval(
    browser: BrowserContext, tmp_path: Path
) -> None:
    """Clicking Approve approves: wait_for_approval returns, the page shows it without reload."""
    async with (
        LocalServer() as server,
        MemoramClient(api_key=server.api_key, base_url=server.base_url) as client,
    ):
        request = await client.request_access(
            "mk_browser_0123456789abcdef", reason="Remember your reading list <b>please</b>"
        )
        waiter = asyncio.create_task(client.wait_for_approval(request.id, timeout=60))
        try:
            page = await browser.new_page()
            errors = watch_errors(page)
            await page.goto(server.dashboard_url)
            await expect(page).to_have_title("Memoram local dashboard")
            row = page.locator(f"#request-{request.id}")
            await expect(row).to_have_attribute("data-status", "pending")
            await expect(row).to_contain_text("<b>please</b>")

            await page.get_by_role("button", name=f"Approve request {request.id}").click()
            approved = await waiter
            assert approved.id == request.id
            assert approved.status == "approved"

            await expect(row).to_have_attribute("data-status", "approved")
            await expect(row.locator(".status")).to_have_text("approved")
            revoke = page.get_by_role("button", name=f"Revoke request {request.id}")
            await expect(revoke).to_be_visible()
            await expect(page.get_by_role("status")).to_contain_text("now approved")
            assert errors == []
            await screenshot(page, tmp_path / "approved.png")
        finally:
            waiter.cancel()
            await asyncio.gather(waiter, return_exceptions=True)


async def test_the_page_refreshes_itself_and_renders_hostile_values_as_text(
    browser: BrowserContext, tmp_path: Path
) -> None:
    """Requests and memories made after the page opened appear; no stored script ever runs."""
    async with (
        LocalServer() as server,
        MemoramClient(api_key=server.api_key, base_url=server.base_url) as client,
    ):
        page = await browser.new_page()
        errors = watch_errors(page)
        await page.goto(server.dashboard_url)
        await expect(page.locator("#tables")).to_contain_text("No access requests yet")

        hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
        first = await client.request_access("mk_reading_0123456789abcdef", reason="Reading list")
        second = await client.request_access("mk_hostile_0123456789abcdef", reason=hostile)
        rejected = page.locator(f"#request-{second.id}")
        await expect(rejected).to_contain_text(hostile, timeout=REFRESHED)
        await page.get_by_role("button", name=f"Reject request {second.id}").click()
        await expect(rejected).to_have_attribute("data-status", "rejected")
        await expect(rejected.get_by_role("button")).to_have_count(0)

        await server.aapprove(first.id)
        user = client.user(await client.get_credentials(first.id))
        for content in ("Finish Middlemarch", "Try Le Guin next", "Prefers paper books"):
            await user.create_memory(content, tags=["books"])
        user_row = page.locator(f"#user-{user.user_id}")
        await expect(user_row.locator("td").nth(1)).to_have_text("3", timeout=REFRESHED)
        details = user_row.locator("details")
        await details.locator("summary").click()
        await expect(details.locator("li")).to_have_count(3)
        await expect(details).to_contain_text(re.compile(r"mrm1\.\S+… \d+ chars"))
        await expect(details).not_to_contain_text("Middlemarch")

        await page.get_by_role(
            "button", name=f"Rotate the encryption key of user {user.user_id}"
        ).click()
        await expect(user_row.locator("td").nth(2)).to_have_text("2")
        await expect(user_row.locator("td").nth(3)).to_have_text("1")
        await expect(details).to_have_attribute("open", "")

        assert await page.evaluate("window.pwned") is None
        assert errors == []
        await screenshot(page, tmp_path / "dashboard.png")


@asynccontextmanager
async def other_listener() -> AsyncIterator[tuple[int, list[bytes]]]:
    """Another local web server on a free loopback port, keeping every request head it gets."""
    heads: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            heads.append(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5))
            body = b"<!doctype html><title>other</title><p>another local server</p>"
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], heads
    finally:
        server.close()
        await server.wait_closed()


async def test_no_other_port_receives_the_token_and_a_reload_keeps_working(
    browser: BrowserContext,
) -> None:
    """The token leaves the address bar and is in no cookie: a page of another local port gets
    nothing, while the dashboard still reloads and approves."""
    async with (
        LocalServer() as server,
        MemoramClient(api_key=server.api_key, base_url=server.base_url) as client,
        other_listener() as (other_port, heads),
    ):
        request = await client.request_access("mk_ports_0123456789abcdef", reason="Ports")
        page = await browser.new_page()
        errors = watch_errors(page)
        await page.goto(server.dashboard_url)
        row = page.locator(f"#request-{request.id}")
        await expect(row).to_have_attribute("data-status", "pending")
        assert "token" not in page.url
        assert page.url == f"{server.url}/local/"
        assert await browser.cookies() == []

        await page.reload()
        await expect(row).to_have_attribute("data-status", "pending")
        await page.get_by_role("button", name=f"Approve request {request.id}").click()
        await expect(row).to_have_attribute("data-status", "approved")
        assert (await client.get_access_request(request.id)).status == "approved"

        other = await browser.new_page()
        for path in ("/local/", "/local/access-requests", "/"):
            await other.goto(f"http://127.0.0.1:{other_port}{path}")
            await expect(other).to_have_title("other")
        stored = await other.evaluate("Object.keys(sessionStorage).length")
        token = server.dashboard_token.encode()
        assert len(heads) >= 3
        assert all(token not in head for head in heads), heads
        assert all(b"cookie:" not in head.lower() for head in heads), heads
        assert stored == 0
        # The reload itself is answered 401 (the locked page: no data without the token).
        assert [error for error in errors if "status of 401" not in error] == []


async def test_revoke_says_when_the_app_keeps_access_and_revoke_all_ends_it(
    browser: BrowserContext,
) -> None:
    """Revoking one of two approved requests says the app still has access; Revoke all ends it,
    and the SDK's credentials call is refused afterwards."""
    async with (
        LocalServer() as server,
        MemoramClient(api_key=server.api_key, base_url=server.base_url) as client,
    ):
        memory_key = "mk_revoke_all_0123456789"
        first = await client.request_access(memory_key, reason="First")
        second = await client.request_access(memory_key, reason="Second")
        for request in (first, second):
            await server.aapprove(request.id)
        user_id = (await client.get_credentials(first.id)).user_id
        page = await browser.new_page()
        errors = watch_errors(page)
        await page.goto(server.dashboard_url)
        await page.get_by_role("button", name=f"Revoke request {first.id}").click()
        status = page.get_by_role("status")
        await expect(status).to_contain_text("still has access to this user through 1 other")
        await expect(page.locator(f"#request-{first.id}")).to_have_attribute(
            "data-status", "revoked"
        )
        assert (await client.get_access_request(second.id)).status == "approved"

        app = (await client.get_access_request(second.id)).ai_connector_id
        await page.get_by_role(
            "button", name=f"Revoke all access of app {app} to user {user_id}"
        ).click()
        await expect(status).to_contain_text("1 approved request(s) revoked")
        await expect(page.locator(f"#request-{second.id}")).to_have_attribute(
            "data-status", "revoked"
        )
        assert (await client.get_access_request(second.id)).status == "revoked"
        assert errors == []


async def test_page_links_page_through_the_requests(browser: BrowserContext) -> None:
    """With more requests than a page holds, Next shows the older ones and the address keeps
    the page number, never the token."""
    async with LocalServer() as server:
        ids = [
            server.app.store.create_access_request("app", f"mk_page_{n:04d}_abcdef", f"r{n}")[0][
                "id"
            ]
            for n in range(PAGE_SIZE + 5)
        ]
        page = await browser.new_page()
        errors = watch_errors(page)
        await page.goto(server.dashboard_url)
        await expect(page.locator(f"#request-{ids[-1]}")).to_be_visible()
        await expect(page.locator(f"#request-{ids[0]}")).to_have_count(0)
        await page.get_by_role("link", name="Next page of access requests").click()
        await expect(page.locator(f"#request-{ids[0]}")).to_be_visible()
        await expect(page.locator(f"#request-{ids[-1]}")).to_have_count(0)
        assert page.url == f"{server.url}/local/?page=2"
        await page.reload()
        await expect(page.locator(f"#request-{ids[0]}")).to_be_visible()
        assert [error for error in errors if "status of 401" not in error] == []
