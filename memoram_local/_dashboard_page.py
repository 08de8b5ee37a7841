"""The dashboard's HTML, rendered by Jinja2 with autoescaping on: the page at `/local/` and its
tables fragment at `/local/tables`.

Templates live in `templates/` (package data), the stylesheet and script in `static/` (served
at `/local/static/`). Memory keys reach the templates already masked by the store's views;
encryption keys never reach this module, and memories only as the start of their ciphertext.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote, urlencode

import jinja2

from ._overview import MEMORIES_PER_USER, REQUESTS_PER_USER, Dashboard, PageInfo

LOCAL_PATH: Final = "/local"
TABLES_PATH: Final = LOCAL_PATH + "/tables"
REQUESTS_PAGE_PARAM: Final = "page"
USERS_PAGE_PARAM: Final = "users_page"
STATIC_PATH: Final = LOCAL_PATH + "/static"
REFRESH_SECONDS: Final = 3
"""How often the page reloads its tables while it is visible and auto-refresh is on."""
FETCH_TIMEOUT_SECONDS: Final = 10
"""How long one fetch of the page's script may take before it gives up."""
# Which buttons a request gets in each status: (decision, label, primary).
_ACTIONS: Final[Mapping[str, Sequence[tuple[str, str, bool]]]] = {
    "pending": (("approve", "Approve", True), ("reject", "Reject", False)),
    "approved": (("revoke", "Revoke", False),),
}


def _display_time(iso: object) -> str:
    return str(iso).replace("T", " ").rsplit(".", 1)[0].removesuffix("Z") + " UTC"


def _path_segment(value: object) -> str:
    return quote(str(value), safe="")


def _short_id(value: object) -> str:
    # A user id is a random UUID: its first 8 characters tell users apart on one page.
    return str(value)[:8] + "…"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("memoram_local", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["display_time"] = _display_time
    environment.filters["path_segment"] = _path_segment
    environment.filters["short_id"] = _short_id
    return environment


_ENVIRONMENT: Final = _environment()


def _pager(data: Dashboard, which: str) -> dict[str, Any]:
    """One table's page links: `?page=N&users_page=M`, the other table's page kept."""
    pages = {REQUESTS_PAGE_PARAM: data.requests_page, USERS_PAGE_PARAM: data.users_page}
    info: PageInfo = pages[which]

    def href(number: int) -> str:
        numbers = {name: page.number for name, page in pages.items()}
        numbers[which] = number
        return "?" + urlencode({name: n for name, n in numbers.items() if n > 1})

    return {
        "info": info,
        "previous": href(info.number - 1) if info.number > 1 else None,
        "next": href(info.number + 1) if info.number < info.count else None,
        "first": href(1) if info.number > 2 else None,
        "last": href(info.count) if info.number < info.count - 1 else None,
    }


def _tables_context(data: Dashboard) -> dict[str, Any]:
    return {
        "requests": data.requests,
        "requests_total": data.requests_page.total,
        "requests_pager": _pager(data, REQUESTS_PAGE_PARAM),
        "apps": data.apps,
        "pending": data.pending,
        "users": data.users,
        "users_total": data.users_page.total,
        "users_pager": _pager(data, USERS_PAGE_PARAM),
        "actions": _ACTIONS,
        "local_path": LOCAL_PATH,
        "memories_per_user": MEMORIES_PER_USER,
        "requests_per_user": REQUESTS_PER_USER,
    }


def render_tables(data: Dashboard) -> str:
    """The two tables, as the page embeds them and as the script reloads them."""
    return _ENVIRONMENT.get_template("tables.html").render(_tables_context(data))


def render_page(data: Dashboard, *, nonce: str) -> str:
    """The whole dashboard page around the tables.

    `nonce` must be the one in the response's Content-Security-Policy: only the page's own
    script may run, whatever a stored value contains.
    """
    return _render_page(_tables_context(data), nonce=nonce, locked=False)


def render_locked_page(*, nonce: str) -> str:
    """The page without any data, for a browser that arrived without the token in its request.

    Its script loads the tables itself with the token its tab kept (a reload after the token
    left the address bar), or says where the token is.
    """
    return _render_page({}, nonce=nonce, locked=True)


def _render_page(tables: Mapping[str, Any], *, nonce: str, locked: bool) -> str:
    return _ENVIRONMENT.get_template("page.html").render(
        tables,
        nonce=nonce,
        locked=locked,
        tables_path=TABLES_PATH,
        static_path=STATIC_PATH,
        refresh_seconds=REFRESH_SECONDS,
        fetch_timeout_seconds=FETCH_TIMEOUT_SECONDS,
    )
