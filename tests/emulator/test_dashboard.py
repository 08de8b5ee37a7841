"""The local dashboard page (`/local/`) and its tables (`/local/tables`), in-process."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from memoram_local import LocalApp, _dashboard
from memoram_local._overview import PAGE_SIZE, REQUESTS_PER_USER
from tests.emulator.flow import LOCAL_ORIGIN, LocalFlow

PAGE = LOCAL_ORIGIN + "/local/"
TABLES = LOCAL_ORIGIN + "/local/tables"


class _Elements(HTMLParser):
    """Every start tag of a document with its attributes, and the text of each table row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.rows: dict[str, str] = {}
        self._row: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if tag == "tr" and "id" in values:
            self._row = values["id"]
            self.rows[self._row] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row is not None:
            self.rows[self._row] += data + " "

    def buttons(self) -> dict[str, str]:
        """aria-label -> data-path of every action button."""
        return {a["aria-label"]: a["data-path"] for t, a in self.tags if "data-path" in a}


def parse(markup: str) -> _Elements:
    """The elements of `markup`."""
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser


async def get_page(flow: LocalFlow) -> httpx.Response:
    """GET /local/, checked to be HTML."""
    response = await flow.client.get(PAGE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response


async def test_page_lists_a_pending_request_with_approve_and_reject(flow: LocalFlow) -> None:
    """A pending request shows its id, reason, masked key, status and two buttons (app above)."""
    request = await flow.ask("memory-key-alice", reason="Remember your trips")
    page = parse((await get_page(flow)).text)
    row = page.rows[f"request-{request['id']}"]
    assert request["id"] in row
    # One app: its id is named once above the table, not in every row.
    assert request["aiConnectorId"] not in row
    assert (await get_page(flow)).text.count(request["aiConnectorId"]) == 1
    assert "Remember your trips" in row
    assert "memo…" in row
    assert "pending" in row
    requests = {label: path for label, path in page.buttons().items() if " request " in label}
    assert requests == {
        f"Approve request {request['id']}": f"/local/access-requests/{request['id']}/approve",
        f"Reject request {request['id']}": f"/local/access-requests/{request['id']}/reject",
    }


async def test_page_is_accessible_markup(flow: LocalFlow) -> None:
    """A title, a <main>, column headers and labelled buttons."""
    await flow.ask("memory-key-alice")
    markup = (await get_page(flow)).text
    assert "<title>Memoram local dashboard</title>" in markup
    page = parse(markup)
    tags = [tag for tag, _ in page.tags]
    assert tags.count("main") == 1
    assert tags.count("table") == 2
    headers = [attrs for tag, attrs in page.tags if tag == "th"]
    assert headers
    assert all(attrs.get("scope") == "col" for attrs in headers)
    assert all(
        attrs.get("aria-label") or attrs.get("id") for tag, attrs in page.tags if tag == "button"
    )
    assert re.search(r'<html lang="en">', markup)


async def test_buttons_follow_the_status(flow: LocalFlow) -> None:
    """Approved requests get Revoke only; rejected and revoked ones get no button."""
    approved = await flow.ask("memory-key-a")
    rejected = await flow.ask("memory-key-b")
    revoked = await flow.ask("memory-key-c")
    assert (await flow.dashboard("approve", approved["id"])).status_code == 200
    assert (await flow.dashboard("reject", rejected["id"])).status_code == 200
    assert (await flow.dashboard("approve", revoked["id"])).status_code == 200
    assert (await flow.dashboard("revoke", revoked["id"])).status_code == 200
    page = parse((await get_page(flow)).text)
    labels = {label for label in page.buttons() if "request" in label}
    assert labels == {f"Revoke request {approved['id']}"}
    rows = {key: text for key, text in page.rows.items() if key.startswith("request-")}
    assert "approved" in rows[f"request-{approved['id']}"]
    assert "rejected" in rows[f"request-{rejected['id']}"]
    assert "revoked" in rows[f"request-{revoked['id']}"]


async def test_the_buttons_paths_do_what_they_say(flow: LocalFlow) -> None:
    """POSTing a button's data-path approves, then the tables show Revoke instead."""
    request = await flow.ask("memory-key-alice")
    buttons = parse((await get_page(flow)).text).buttons()
    response = await flow.client.post(LOCAL_ORIGIN + buttons[f"Approve request {request['id']}"])
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    tables = parse((await flow.client.get(TABLES)).text)
    assert set(tables.buttons()) >= {f"Revoke request {request['id']}"}
    assert f"Approve request {request['id']}" not in tables.buttons()


async def test_a_hostile_reason_is_escaped(flow: LocalFlow) -> None:
    """Markup in a stored value is shown as text, in the page and in the tables."""
    await flow.ask("memory-key-alice", reason="<script>alert(1)</script>")
    await flow.ask("memory-key-bob", reason='"><img src=x onerror=alert(2)>')
    for url in (PAGE, TABLES):
        markup = (await flow.client.get(url)).text
        assert "<script>alert(1)</script>" not in markup
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
        assert "<img" not in markup
        assert "&lt;img src=x onerror=alert(2)&gt;" in markup
        assert markup.count("<script") == (1 if url == PAGE else 0)


async def test_the_page_runs_only_its_own_script(flow: LocalFlow) -> None:
    """The CSP allows only the page's nonce-tagged script file and this server's stylesheet."""
    response = await get_page(flow)
    policy = response.headers["content-security-policy"]
    match = re.search(r"script-src 'nonce-([^']+)'", policy)
    assert match is not None
    assert f'<script nonce="{match.group(1)}" src="/local/static/dashboard.js">' in response.text
    assert '<link rel="stylesheet" href="/local/static/dashboard.css">' in response.text
    assert "style-src 'self'" in policy
    assert "<style" not in response.text
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    second = await get_page(flow)
    assert second.headers["content-security-policy"] != policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content_type", "marker"),
    [
        ("dashboard.js", "javascript", "dataset.refreshMs"),
        ("dashboard.css", "text/css", ".status-pending"),
    ],
)
async def test_static_files_are_served(
    flow: LocalFlow, name: str, content_type: str, marker: str
) -> None:
    """The page's script and stylesheet are real files served under /local/static/."""
    response = await flow.client.get(f"{LOCAL_ORIGIN}/local/static/{name}")
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert marker in response.text


async def test_every_rendered_value_is_escaped(flow: LocalFlow, local_app: LocalApp) -> None:
    """Hostile text in any stored field (reason, memory key, ciphertext) stays text."""
    hostile = '<b x="1">&amp;</b>'
    grant = await flow.grant(hostile + "-memory-key-long")
    await flow.create(grant, content=hostile * 3)
    await flow.ask("memory-key-carol", reason=hostile)
    for url in (PAGE, TABLES):
        markup = (await flow.client.get(url)).text
        assert "<b " not in markup
        assert "&lt;b x=&#34;1&#34;&gt;&amp;amp;&lt;/b&gt;" in markup


async def test_no_key_material_in_the_page(flow: LocalFlow, local_app: LocalApp) -> None:
    """Neither memory keys nor any encryption key version appear, only a masked prefix."""
    memory_key = "mk_live_7f3a9c2e5b1d4f6a8c0e"
    grant = await flow.grant(memory_key)
    await flow.create(grant, content="mrm1." + "A" * 200)
    local_app.store.rotate_key(grant.user_id)
    keys = local_app.store.user_keys(grant.user_id)["keys"]
    assert len(keys) == 2
    for url in (PAGE, TABLES):
        markup = (await flow.client.get(url)).text
        assert memory_key not in markup
        assert memory_key[:5] not in markup
        assert "mk_l…" in markup
        for key in keys:
            assert key["encryption_key"] not in markup
            assert key["encryption_key"][:16] not in markup


async def test_a_short_memory_key_is_not_shown_at_all(flow: LocalFlow) -> None:
    """Keys shorter than 12 characters are masked entirely."""
    request = await flow.ask("abcdefgh")
    row = parse((await get_page(flow)).text).rows[f"request-{request['id']}"]
    assert "abcd" not in row
    assert "…" in row


async def test_users_show_counts_key_versions_and_ciphertext(
    flow: LocalFlow, local_app: LocalApp
) -> None:
    """Memory count, current and older key versions, approved apps, truncated ciphertext."""
    grant = await flow.grant("memory-key-alice")
    ciphertext = "mrm1.Q2lwaGVydGV4dCBvbmx5IGV2ZXIgcmVhY2hlcyB0aGUgc2VydmVy" + "x" * 60
    await flow.create(grant, content=ciphertext)
    await flow.create(grant, content="short")
    local_app.store.rotate_key(grant.user_id)
    local_app.store.rotate_key(grant.user_id)
    page = parse((await get_page(flow)).text)
    row = page.rows[f"user-{grant.user_id}"].split()
    # User, memories, key version, older versions, then its access requests.
    assert row[:4] == [grant.user_id, "2", "3", "2"]
    request = (await flow.client.get(LOCAL_ORIGIN + "/local/access-requests")).json()["items"][0]
    assert "approved" in row  # its request, linked back to the request's row
    assert ("a", {"href": f"#request-{request['id']}"}) in [
        (tag, {"href": attrs.get("href", "")}) for tag, attrs in page.tags
    ]
    text = page.rows[f"user-{grant.user_id}"]
    assert ciphertext[:40] + "…" in text
    assert ciphertext[:41] not in text
    assert f"{len(ciphertext)} chars" in text
    assert "short 5 chars" in " ".join(text.split())
    assert page.buttons()[f"Rotate the encryption key of user {grant.user_id}"] == (
        f"/local/users/{grant.user_id}/rotate-key"
    )
    assert "whoever runs it can\n read content" in (await flow.client.get(PAGE)).text


async def test_rotate_button_path_rotates(flow: LocalFlow) -> None:
    """The Rotate key button's path makes the next key version current on the page."""
    grant = await flow.grant("memory-key-alice")
    path = parse((await get_page(flow)).text).buttons()[
        f"Rotate the encryption key of user {grant.user_id}"
    ]
    response = await flow.client.post(LOCAL_ORIGIN + path)
    assert response.json() == {"user_id": grant.user_id, "key_version": 2}
    row = parse((await flow.client.get(TABLES)).text).rows[f"user-{grant.user_id}"].split()
    assert row[:4] == [grant.user_id, "0", "2", "1"]


async def test_empty_dashboard_says_how_requests_arrive(flow: LocalFlow) -> None:
    """With nothing stored, the page explains what will appear."""
    markup = (await get_page(flow)).text
    assert "No access requests yet" in markup
    assert "No users yet" in markup
    assert "<table" not in markup


async def test_local_without_slash_leads_to_the_page(flow: LocalFlow) -> None:
    """/local redirects to /local/."""
    response = await flow.client.get(LOCAL_ORIGIN + "/local")
    assert response.status_code in (307, 308)
    assert response.headers["location"].endswith("/local/")
    followed = await flow.client.get(LOCAL_ORIGIN + "/local", follow_redirects=True)
    assert "<title>Memoram local dashboard</title>" in followed.text


def seed_requests(app: LocalApp, count: int, *, same_user: bool = False) -> list[str]:
    """`count` pending requests straight into the store (one user each, or all one user's)."""
    ids = []
    for number in range(count):
        key = "mk_paging_user_0000" if same_user else f"mk_paging_user_{number:04d}"
        view, _ = app.store.create_access_request("app", key, f"reason {number}")
        ids.append(view["id"])
    return ids


def table_rows(markup: str, prefix: str) -> list[str]:
    """The ids of the rows of one table (`request-` or `user-`), in order."""
    return [key for key in parse(markup).rows if key.startswith(prefix)]


async def test_each_table_shows_one_page_with_links(flow: LocalFlow, local_app: LocalApp) -> None:
    """120 requests of 120 users: 50 rows per table, page links that keep the other table's page,
    and the last page holds the rest."""
    ids = seed_requests(local_app, 2 * PAGE_SIZE + 20)
    first = (await flow.client.get(TABLES)).text
    assert table_rows(first, "request-") == [f"request-{i}" for i in ids[::-1][:PAGE_SIZE]]
    assert len(table_rows(first, "user-")) == PAGE_SIZE
    assert "Access requests 1\N{EN DASH}50 of 120, page 1 of 3" in " ".join(first.split())
    links = {a["aria-label"]: a["href"] for tag, a in parse(first).tags if "data-page-link" in a}
    assert links == {
        "Next page of access requests": "?page=2",
        "Last page of access requests": "?page=3",
        "Next page of users": "?users_page=2",
        "Last page of users": "?users_page=3",
    }
    last = (await flow.client.get(TABLES, params={"page": 3, "users_page": 2})).text
    assert table_rows(last, "request-") == [f"request-{i}" for i in ids[::-1][2 * PAGE_SIZE :]]
    links = {a["aria-label"]: a["href"] for tag, a in parse(last).tags if "data-page-link" in a}
    assert links["Previous page of access requests"] == "?page=2&users_page=2"
    assert links["Next page of users"] == "?page=3&users_page=3"
    page = (await flow.client.get(PAGE, params={"page": 3})).text
    assert table_rows(page, "request-") == table_rows(last, "request-")
    beyond = (await flow.client.get(TABLES, params={"page": 99})).text
    assert table_rows(beyond, "request-") == table_rows(last, "request-")


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", "", "9" * 30])
async def test_a_bad_page_number_is_400(flow: LocalFlow, value: str) -> None:
    """A page number that is not a positive integer is refused with the parameter's name."""
    for name in ("page", "users_page"):
        response = await flow.client.get(TABLES, params={name: value})
        assert response.status_code == 400
        assert f"`{name}` must be a page number" in response.json()["message"]


async def test_a_user_lists_a_bounded_number_of_requests(
    flow: LocalFlow, local_app: LocalApp
) -> None:
    """One user with 30 requests: the newest 10 are listed under them, with the count."""
    ids = seed_requests(local_app, 30, same_user=True)
    markup = (await flow.client.get(TABLES)).text
    assert len(table_rows(markup, "user-")) == 1
    listed = [a["href"] for tag, a in parse(markup).tags if a.get("href", "").startswith("#req")]
    assert listed == [f"#request-{i}" for i in ids[::-1][:REQUESTS_PER_USER]]
    assert f"newest {REQUESTS_PER_USER} of 30" in markup


async def test_rendering_runs_off_the_event_loop(
    flow: LocalFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page and the tables are rendered in a worker thread, never on the event loop."""
    threads: list[str] = []

    def spy(render: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> str:
            try:
                asyncio.get_running_loop()
                threads.append("event loop")
            except RuntimeError:
                threads.append("worker thread")
            return str(render(*args, **kwargs))

        return wrapped

    for name in ("render_page", "render_tables"):
        monkeypatch.setattr(_dashboard, name, spy(getattr(_dashboard, name)))
    await flow.ask("memory-key-alice")
    assert (await flow.client.get(PAGE)).status_code == 200
    assert (await flow.client.get(TABLES)).status_code == 200
    assert threads == ["worker thread", "worker thread"]


async def test_revoking_one_request_says_the_app_still_has_access(flow: LocalFlow) -> None:
    """Two approved requests of one app for one user: revoking one leaves the app reading
    (its credentials still work), and the answer says so; "revoke all" ends it."""
    first = await flow.grant("memory-key-alice")
    second = await flow.grant("memory-key-alice")
    assert first.user_id == second.user_id
    revoked = await flow.dashboard("revoke", first.request_id)
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["still_approved"] == [second.request_id]
    still = await flow.request("GET", f"/access-requests/{second.request_id}/credentials")
    assert still.status_code == 200
    assert still.json()["encryption_key"] == second.encryption_key

    buttons = parse((await flow.client.get(TABLES)).text).buttons()
    app = revoked.json()["aiConnectorId"]
    path = buttons[f"Revoke all access of app {app} to user {first.user_id}"]
    assert path == f"/local/users/{first.user_id}/apps/{app}/revoke"
    answer = await flow.client.post(LOCAL_ORIGIN + path)
    assert answer.json() == {
        "user_id": first.user_id,
        "aiConnectorId": app,
        "revoked": [second.request_id],
    }
    for grant in (first, second):
        refused = await flow.request("GET", f"/access-requests/{grant.request_id}/credentials")
        assert refused.status_code == 403
    buttons = parse((await flow.client.get(TABLES)).text).buttons()
    assert not [label for label in buttons if label.startswith("Revoke")]


async def test_revoking_the_only_request_says_nothing_is_left(flow: LocalFlow) -> None:
    """With no other approved request, `still_approved` is empty."""
    grant = await flow.grant("memory-key-alice")
    assert (await flow.dashboard("revoke", grant.request_id)).json()["still_approved"] == []


async def test_revoke_all_leaves_other_apps_and_users_alone(local_app: LocalApp) -> None:
    """Revoke all ends one app's access to one user, not another app's or another user's."""
    store = local_app.store
    ours, _ = store.create_access_request("app-a", "mk_shared_user_000", "a")
    theirs, _ = store.create_access_request("app-b", "mk_shared_user_000", "b")
    other_user, _ = store.create_access_request("app-a", "mk_other_user_0000", "c")
    for view in (ours, theirs, other_user):
        store.decide(view["id"], "approve")
    user_id = store.memory_key(ours["id"])["user_id"]
    assert store.revoke_app(user_id, "app-a")["revoked"] == [ours["id"]]
    statuses = {item["id"]: item["status"] for item in store.all_access_requests()}
    assert statuses == {
        ours["id"]: "revoked",
        theirs["id"]: "approved",
        other_user["id"]: "approved",
    }
