"""Scenarios 1 and 2 at small size: creates through a faulty network, calls through token churn.

`make chaos` runs the same code at full size (2,000 creates at concurrency 50; 20 s of churn).
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from memoram_async import MemoramError, Memory
from tests.support.chaos.common import ScenarioResult, format_table
from tests.support.chaos.network import (
    CLIENT_TIMEOUT,
    FAULTS,
    _content,
    _marker,
    _reconcile,
    run_faulty_network,
    run_token_churn,
)

pytestmark = pytest.mark.slow


async def test_faulty_network_default_settings_leave_no_duplicate_and_no_phantom() -> None:
    """Defaults: every stored memory is a success or an outcome_unknown failure, none twice."""
    result = await run_faulty_network(300, 25, idempotent=False, instant_retries=True)
    assert result.ok, result.summary()
    assert result.duplicates == 0
    assert result.lost == 0
    assert result.untyped == 0
    # The faults really happened and really failed some calls.
    assert sum(result.failed.values()) > 0
    assert result.stored is not None
    assert result.succeeded <= result.stored <= result.calls


async def test_faulty_network_idempotent_creates_all_succeed_exactly_once() -> None:
    """idempotent_creates=True: every create succeeds, each stored exactly once."""
    result = await run_faulty_network(300, 25, idempotent=True, instant_retries=True)
    assert result.ok, result.summary()
    assert result.succeeded == result.calls == result.stored == 300
    assert result.duplicates == 0


async def test_token_churn_has_no_failure_and_no_stampede() -> None:
    """2 s tokens for 3 s at concurrency 20: no failed call, a handful of token requests."""
    result = await run_token_churn(duration=3.0, concurrency=20)
    assert result.ok, result.summary()
    assert result.calls >= 1
    assert result.succeeded == result.calls
    assert result.token_requests is not None
    assert 1 <= result.token_requests <= 1.5 * result.elapsed / 1.0 + 2


def test_fault_mix_is_the_issues() -> None:
    """About 10 % 500/503, 5 % 429, 5 % drops (half after commit), 2 % slower than the client."""
    assert (FAULTS.error_rate, FAULTS.rate_limit_rate, FAULTS.reset_rate) == (0.10, 0.05, 0.05)
    assert FAULTS.reset_after_share == 0.5
    assert FAULTS.slow_rate == 0.02
    assert FAULTS.slow_ms / 1000 > CLIENT_TIMEOUT


def test_the_reconciliation_counts_losses_duplicates_and_phantoms() -> None:
    """The bookkeeping is not blind: a lost success, a duplicate and a phantom write are found."""
    user = uuid4()

    def memory(memory_id: str, index: int) -> Memory:
        return Memory(
            id=memory_id, user_id=user, content=_content(index, "n"), title=_marker(index)
        )

    outcomes: dict[int, Memory | BaseException] = {
        0: memory("a", 0),  # succeeded, but not stored: lost
        1: memory("b", 1),  # succeeded, stored twice: a duplicate
        2: MemoramError("refused", outcome_unknown=False),  # definite failure, stored: phantom
        3: MemoramError("lost answer", outcome_unknown=True),  # unknown, stored: fine
    }
    stored = [memory("b", 1), memory("b2", 1), memory("c", 2), memory("d", 3)]
    result = ScenarioResult("check")
    for index in range(4):
        result.record(outcomes[index])
    _reconcile(result, outcomes, stored, "n", idempotent=False)
    assert (result.lost, result.duplicates, result.stored) == (1, 1, 4)
    assert any("definite error" in problem for problem in result.problems)
    assert not result.ok
    assert "FAIL" in format_table([result])
