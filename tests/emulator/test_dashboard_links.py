"""The dashboard's cross-links, app header and masked-key legend, rendered in-process."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from memoram_local import create_app

ORIGIN = "http://localhost"
KEYS = ("mem_" + "a" * 48, "mem_" + "b" * 48)


class _Page(HTMLParser):
    """Ids, links (per enclosing row) and table cells of a rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: dict[str, list[str]] = {}
        self.cells: list[dict[str, str]] = []
        self._row = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "tr" and "id" in values:
            self._row = values["id"]
            self.links[self._row] = []
        elif tag == "a" and self._row:
            self.links[self._row].append(values["href"])
        elif tag == "td":
            self.cells.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = ""


def parse(markup: str) -> _Page:
    """The ids, row links and cells of `markup`."""
    page = _Page()
    page.feed(markup)
    page.close()
    return page


class Dashboard:
    """Two developers' apps and the user's side of one in-process server."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ask(self, key: str, memory_key: str, reason: str = "tests") -> dict[str, Any]:
        """An access request by the app of API key `key`."""
        token = (await self.client.post("/api/v1/auth/token", json={"api_key": key})).json()[
            "token"
        ]
        response = await self.client.post(
            "/api/v1/access-requests",
            json={"memoryKey": memory_key, "reason": reason},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def decide(self, decision: str, request_id: str) -> None:
        """The user's approve/reject/revoke."""
        response = await self.client.post(f"/local/access-requests/{request_id}/{decision}")
        assert response.status_code == 200, response.text

    async def page(self) -> str:
        """The dashboard page's markup."""
        response = await self.client.get("/local/")
        assert response.status_code == 200
        return response.text

    async def requests(self) -> list[dict[str, Any]]:
        """The dashboard's view of every request (with user ids)."""
        return list((await self.client.get("/local/access-requests")).json()["items"])


@pytest.fixture
async def dashboard() -> AsyncIterator[Dashboard]:
    """An in-process server accepting two developers' keys, with the dashboard token sent."""
    with create_app(api_keys=KEYS) as app:
        headers = {"X-Memoram-Local-Token": app.config.dashboard_token}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ORIGIN, headers=headers
        ) as client:
            yield Dashboard(client)


async def test_requests_and_users_link_to_each_other(dashboard: Dashboard) -> None:
    """Each request row links to its user's row; each user row links to all its requests."""
    first = await dashboard.ask(KEYS[0], "mk_alice_0123456789", reason="Reading list")
    second = await dashboard.ask(KEYS[0], "mk_alice_0123456789", reason="Coding stack")
    other = await dashboard.ask(KEYS[0], "mk_bob_0123456789ab", reason="Trips")
    await dashboard.decide("approve", first["id"])
    await dashboard.decide("reject", other["id"])
    views = {item["id"]: item for item in await dashboard.requests()}
    page = parse(await dashboard.page())
    for request_id, view in views.items():
        user_row = f"user-{view['user_id']}"
        assert f"#{user_row}" in page.links[f"request-{request_id}"]
        assert user_row in page.ids
        assert f"#request-{request_id}" in page.links[user_row]
    alice = views[first["id"]]["user_id"]
    assert sorted(page.links[f"user-{alice}"]) == sorted(
        [f"#request-{first['id']}", f"#request-{second['id']}"]
    )
    assert all(
        link.removeprefix("#") in page.ids for links in page.links.values() for link in links
    )


async def test_one_app_is_named_once_above_the_requests(dashboard: Dashboard) -> None:
    """With one app its aiConnectorId appears once, in the note, and there is no App column."""
    for index in range(3):
        request = await dashboard.ask(KEYS[0], f"mk_user_{index}_0123456789")
    markup = await dashboard.page()
    assert markup.count(request["aiConnectorId"]) == 1
    assert re.search(r'id="app">All from one app: <code>conn_\w+</code>', markup)
    assert {cell.get("data-label") for cell in parse(markup).cells}.isdisjoint({"App"})


async def test_several_apps_get_an_app_column(dashboard: Dashboard) -> None:
    """With two apps each request row names its own app and the one-app note is gone."""
    mine = await dashboard.ask(KEYS[0], "mk_user_a_0123456789")
    theirs = await dashboard.ask(KEYS[1], "mk_user_b_0123456789")
    assert mine["aiConnectorId"] != theirs["aiConnectorId"]
    markup = await dashboard.page()
    assert 'id="app"' not in markup
    assert "App (aiConnectorId)" in markup
    for request in (mine, theirs):
        row = re.search(rf'<tr id="request-{request["id"]}".*?</tr>', markup, re.S)
        assert row is not None
        assert request["aiConnectorId"] in row.group(0)


async def test_the_legend_explains_masked_keys_and_its_reveal_path_works(
    dashboard: Dashboard,
) -> None:
    """The legend says what `mk_a…` is and how to reveal it; the path it names reveals it."""
    request = await dashboard.ask(KEYS[0], "mk_alice_0123456789")
    markup = await dashboard.page()
    legend = re.search(r'<p class="note" id="masked-keys">(.*?)</p>', markup, re.S)
    assert legend is not None
    text = " ".join(legend.group(1).split())
    assert "first four characters" in text
    assert "LocalServer.memory_key(request_id)" in text
    path = re.search(r"GET (/local/access-requests/\{id\}/memory-key)", text)
    assert path is not None
    assert "X-Memoram-Local-Token" in text
    revealed = await dashboard.client.get(path.group(1).replace("{id}", request["id"]))
    assert revealed.json()["memoryKey"] == "mk_alice_0123456789"
    assert "mk_alice_0123456789" not in markup


async def test_every_cell_has_a_label_for_the_card_layout(dashboard: Dashboard) -> None:
    """Under the breakpoint rows are cards whose labels come from data-label: none is missing."""
    request = await dashboard.ask(KEYS[0], "mk_alice_0123456789")
    await dashboard.decide("approve", request["id"])
    cells = parse(await dashboard.page()).cells
    assert len(cells) == 5 + 7  # one request row, one user row
    assert all(cell.get("data-label") for cell in cells)
