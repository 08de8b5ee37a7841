"""Bad input is refused with a typed error before any I/O: the one table of cases.

The table is ``tests/support/chaos/bad_input.py`` (``CASES``); ``make chaos`` runs it as
scenario 4. Add a bad input there, not here.
"""

from __future__ import annotations

import pytest

from memoram_async import ValidationError
from tests.support.chaos.bad_input import CASES, BadInput, attempt, environment, verdict


def test_the_table_covers_every_public_method() -> None:
    """At least 40 cases, touching every public method of the client and the user object."""
    assert len(CASES) >= 40
    names = " ".join(case.name for case in CASES)
    for method in (
        "request_access",
        "get_access_request",
        "wait_for_approval",
        "get_credentials",
        "list_access_requests",
        "create_memory",
        "get_memory",
        "list_memories",
        "update_memory",
        "delete_memory",
        "list_tags",
        "get_tag",
        "reencrypt_memories",
        "with_options",
        "user()",
        "api_key",
        "base_url",
        "encryption_key",
        "closed",
    ):
        assert method in names, method


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_refused_before_any_request(case: BadInput) -> None:
    """The case raises its typed error, and the transport never sees a request."""
    async with environment() as env:
        outcome = await attempt(case, env)
        assert verdict(case, outcome, env.transport.touched) is None, (
            f"{case.name}: {outcome!r}, touched {env.transport.touched}"
        )


async def test_the_check_fails_on_accepted_input() -> None:
    """A case that is accepted, or that reaches the network, is reported."""
    accepted = BadInput("valid call", lambda e: e.user.list_memories(page_size=10))
    sent = BadInput("sends", lambda e: e.client.list_access_requests(), ValidationError)
    async with environment() as env:
        assert verdict(accepted, await attempt(accepted, env), []) == "valid call: accepted"
        outcome = await attempt(sent, env)
        problem = verdict(sent, outcome, env.transport.touched)
    assert problem is not None
    assert "reached the network" in problem
