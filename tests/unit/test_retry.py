"""The retry rules as pure functions: backoff, Retry-After, which failures retry, poll delays."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from memoram_async._constants import MAX_RETRY_AFTER, RETRY_MAX_DELAY
from memoram_async._retry import (
    backoff_delay,
    is_retryable,
    may_have_been_processed,
    parse_retry_after,
    poll_delay,
    retry_delay,
)

REQUEST = httpx.Request("POST", "https://api.test/api/v1/memory-blobs")


@pytest.mark.parametrize(
    ("retry", "ceiling"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (60, 8.0)]
)
def test_backoff_is_full_jitter_exponential_with_cap(retry: int, ceiling: float) -> None:
    """The delay spans [0, min(8, 0.5 * 2**retry)]: rng 0 gives 0, rng ~1 gives the ceiling."""
    assert backoff_delay(retry, lambda: 0.0) == 0.0
    assert backoff_delay(retry, lambda: 0.999999) == pytest.approx(ceiling, rel=1e-5)
    assert backoff_delay(retry, lambda: 0.5) == pytest.approx(ceiling / 2)


def test_backoff_never_exceeds_the_cap() -> None:
    """However many retries, one delay is at most RETRY_MAX_DELAY."""
    assert max(backoff_delay(n, lambda: 0.999) for n in range(200)) <= RETRY_MAX_DELAY


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("-4", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_in_seconds(header: str | None, expected: float | None) -> None:
    """Delta-seconds are read as floats; negatives clamp to 0; junk is ignored."""
    assert parse_retry_after(header) == expected


def test_retry_after_as_http_date() -> None:
    """An HTTP-date is turned into the seconds from `now` (never negative)."""
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)
    earlier = format_datetime(datetime(2026, 1, 1, 11, 0, 0, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(later, now=now) == pytest.approx(30.0)
    assert parse_retry_after(earlier, now=now) == 0.0


def test_retry_delay_honours_retry_after_up_to_the_limit() -> None:
    """Retry-After up to 60 s is the delay; beyond it, give up (None) so the error is raised."""
    assert retry_delay(0, 2, 5.0) == 5.0
    assert retry_delay(0, 2, 60.0) == 60.0  # the contract's limit, not the constant
    assert retry_delay(0, 2, 60.5) is None
    assert retry_delay(0, 2, MAX_RETRY_AFTER + 1) is None


def test_retry_delay_stops_after_max_retries() -> None:
    """With max_retries retries made, there is no next attempt; 0 retries means none at all."""
    assert retry_delay(1, 2, None, lambda: 0.5) == pytest.approx(0.5)
    assert retry_delay(2, 2, None) is None
    assert retry_delay(0, 0, 1.0) is None


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_retry_for_safe_operations(status: int) -> None:
    """Reads, updates, deletes and the token call retry on every retryable status."""
    assert is_retryable(status, None, safe=True)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501, 505])
def test_other_statuses_never_retry(status: int) -> None:
    """Client errors and other statuses are final."""
    assert not is_retryable(status, None, safe=True)
    assert not is_retryable(status, None, safe=False)


@pytest.mark.parametrize(
    ("status", "retried"), [(429, True), (408, False), (500, False), (502, False), (503, False)]
)
def test_creates_retry_on_429_only(status: int, retried: bool) -> None:
    """An unsafe create retries on 429 (not processed) and not on statuses after processing."""
    assert is_retryable(status, None, safe=False) is retried


@pytest.mark.parametrize(
    ("exc", "create_retries"),
    [
        (httpx.ConnectError("refused", request=REQUEST), True),
        (httpx.ConnectTimeout("slow", request=REQUEST), True),
        (httpx.PoolTimeout("pool", request=REQUEST), True),
        (httpx.ReadTimeout("slow", request=REQUEST), False),
        (httpx.ReadError("reset", request=REQUEST), False),
        (httpx.WriteError("broken", request=REQUEST), False),
        (httpx.RemoteProtocolError("dropped", request=REQUEST), False),
    ],
)
def test_transport_errors(exc: Exception, create_retries: bool) -> None:
    """Safe operations retry every transient transport error; creates only never-sent ones."""
    assert is_retryable(None, exc, safe=True)
    assert is_retryable(None, exc, safe=False) is create_retries
    assert may_have_been_processed(None, exc) is (not create_retries)


def test_configuration_errors_do_not_retry() -> None:
    """An unsupported protocol fails the same way every time."""
    exc = httpx.UnsupportedProtocol("ftp", request=REQUEST)
    assert not is_retryable(None, exc, safe=True)


@pytest.mark.parametrize(
    ("status", "processed"), [(400, False), (429, False), (500, True), (503, True)]
)
def test_may_have_been_processed_by_status(status: int, processed: bool) -> None:
    """A 4xx is a refusal; a 5xx leaves the outcome open."""
    assert may_have_been_processed(status) is processed


def test_poll_delay_grows_and_is_capped() -> None:
    """Approval polls start near 1 s, grow 1.5x, stay within 15 s, jittered to 50-100%."""
    assert poll_delay(0, lambda: 0.0) == pytest.approx(0.5)
    assert poll_delay(0, lambda: 0.999999) == pytest.approx(1.0, rel=1e-5)
    assert poll_delay(1, lambda: 0.999999) == pytest.approx(1.5, rel=1e-5)
    assert poll_delay(100, lambda: 0.999999) == pytest.approx(15.0, rel=1e-5)
