"""Regenerate the dashboard screenshots in docs/ (`make screenshots`).

Starts a LocalServer, seeds it through the SDK over loopback (pending, approved, rejected and
revoked requests; a user with memories and a rotated key), opens the dashboard in Debian's
headless chromium (driven by playwright, whose own browser download is never used) and saves
the whole page at 1280 px (docs/dashboard.png) and 800 px (docs/dashboard-800.png).

    .venv/bin/python -m scripts.dashboard_screenshots [--out docs] [--width 390 ...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from playwright.async_api import async_playwright

from memoram_async import MemoramClient
from memoram_local import LocalServer
from scripts._chromium import CHROMIUM, CHROMIUM_ARGS

BROWSER_ARGS = [*CHROMIUM_ARGS, "--headless", "--hide-scrollbars", "--disable-lcd-text"]
# The file each width is saved as; other widths (--width) go to dashboard-WIDTH.png.
NAMES = {1280: "dashboard.png", 800: "dashboard-800.png"}
LARGEST_PNG = 200_000
# Narrower shots leave the ciphertext closed: the 1280 one shows it, and each stays small.
OPEN_DETAILS_FROM = 1000


async def seed(server: LocalServer) -> None:
    """Requests in every status and a user with three memories and a rotated key."""
    async with MemoramClient(api_key=server.api_key, base_url=server.base_url) as client:
        approved = await client.request_access(
            "mk_alice_reading_0123456789", reason="Remember your reading list across chats"
        )
        revoked = await client.request_access(
            "mk_bob_trips_0123456789abcd", reason="Trip planner: recall past trips"
        )
        rejected = await client.request_access(
            "mk_carol_0123456789abcdef",
            reason="Sync notes from https://notes.example.com/export/a8f3c2e1d9b7a6f5e4d3c2b1a0",
        )
        await client.request_access(
            "mk_alice_reading_0123456789",
            reason="Coding assistant: remember your preferred stack and editor settings",
        )
        await server.aapprove(approved.id)
        await server.aapprove(revoked.id)
        await server.arevoke(revoked.id)
        await server.areject(rejected.id)
        user = client.user(await client.get_credentials(approved.id))
        for content in ("Finish Middlemarch", "Try Le Guin next", "Prefers paper books"):
            await user.create_memory(content, tags=["books"])
        await server.arotate_key(user.user_id)


async def shoot(out: Path, widths: list[int]) -> list[Path]:
    """Seed a fresh server and save one full-page PNG per width; returns the paths."""
    saved = []
    async with LocalServer() as server, async_playwright() as playwright:
        await seed(server)
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        try:
            for width in widths:
                page = await browser.new_page(viewport={"width": width, "height": 700})
                await page.goto(server.dashboard_url)
                if width >= OPEN_DETAILS_FROM:
                    await page.locator("details").first.locator("summary").click()
                path = out / NAMES.get(width, f"dashboard-{width}.png")
                await page.screenshot(path=str(path), full_page=True)
                await page.close()
                saved.append(path)
        finally:
            await browser.close()
    return saved


def main() -> int:
    """Parse the options, take the screenshots, report their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"), help="folder (docs)")
    parser.add_argument(
        "--width", type=int, action="append", help="viewport width (repeatable; 1280 and 800)"
    )
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"screenshots: {CHROMIUM} not found; run `make browser`", file=sys.stderr)
        return 2
    for path in asyncio.run(shoot(args.out, args.width or [1280, 800])):
        size = path.stat().st_size
        note = "" if size <= LARGEST_PNG else f" (over {LARGEST_PNG // 1000} KB)"
        print(f"{path}: {size // 1000} KB{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
