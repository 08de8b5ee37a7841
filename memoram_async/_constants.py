"""Defaults of the SDK, gathered in one place."""

from __future__ import annotations

from typing import Final

import httpx

DEFAULT_BASE_URL: Final = "https://api.memoram.app/api/v1"
API_KEY_ENV: Final = "MEMORAM_API_KEY"
BASE_URL_ENV: Final = "MEMORAM_BASE_URL"

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
# Every call as a whole (token, attempts, bodies, backoff and Retry-After waits) by default.
DEFAULT_TOTAL_TIMEOUT: Final = 60.0
DEFAULT_MAX_RETRIES: Final = 2
# The SDK's own client (httpcore). Its CPU per request grows with the connections in its pool
# (measured over loopback at 64 in flight: about 2 ms per call with 8 connections, 3 with 20,
# 4.5 with 32, 5 to 6 with 64), and it closes every connection that turns idle while it holds
# more than max_keepalive_connections (a new connection, and TLS handshake, per request), so:
# a small pool, all of it kept alive; calls beyond it wait in _pool.QueuedTransport. Idle
# connections are dropped after 4 s, before the 5 s after which uvicorn (among other servers)
# closes them, so a request is not sent on a connection the server is closing.
DEFAULT_CONNECTION_LIMITS: Final = httpx.Limits(
    max_connections=20, max_keepalive_connections=20, keepalive_expiry=4.0
)
# DefaultAioHttpClient (aiohttp's pool costs the same per request whatever its size).
AIOHTTP_CONNECTION_LIMITS: Final = httpx.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=4.0
)
# Generous bounds that still catch a unit mistake (milliseconds for seconds) or a runaway loop.
MAX_TIMEOUT: Final = 3600.0
MAX_RETRIES_LIMIT: Final = 20

# Full-jitter exponential backoff between attempts.
RETRY_BASE_DELAY: Final = 0.5
RETRY_MAX_DELAY: Final = 8.0
# A Retry-After longer than this is not waited out: the RateLimitError is raised instead.
MAX_RETRY_AFTER: Final = 60.0
RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
# Error bodies are read up to this size; a larger one is not read further nor parsed for a message.
MAX_ERROR_BODY: Final = 64 * 1024

# Tokens are refreshed this long before they expire, or at half their lifetime if that is sooner.
TOKEN_REFRESH_MARGIN: Final = 60.0
# The lifetime asked of /auth/token; the server may grant less.
TOKEN_REQUESTED_LIFETIME: Final = 3600

# Access requests: the reason shown to the user, and how wait_for_approval polls.
REASON_MAX_LENGTH: Final = 255
APPROVAL_POLL_INITIAL: Final = 1.0
APPROVAL_POLL_MAX: Final = 15.0
# wait_for_approval waits this long by default; it may wait for a person: up to a week.
APPROVAL_WAIT_TIMEOUT: Final = 300.0
MAX_APPROVAL_WAIT: Final = 7 * 24 * 3600.0
# Bounds of one poll's timeout in wait_for_approval (seconds).
MIN_POLL_ATTEMPT: Final = 0.05
MAX_POLL_ATTEMPT: Final = 30.0

DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 100

# The largest answer body read (max_response_bytes), counted after Content-Encoding. The largest
# answer is a page of MAX_PAGE_SIZE memories; a memory is at most what one request could carry,
# 1 MiB on the local server (the API documents no limit), so 100 MiB of memories, plus 28 % for
# the fields the server adds and JSON escaping that differs from the request's: 128 MiB. Error
# bodies are read up to MAX_ERROR_BODY.
DEFAULT_MAX_RESPONSE_BYTES: Final = 134_217_728  # 128 MiB
MIN_RESPONSE_BYTES: Final = 1024
MAX_RESPONSE_BYTES_LIMIT: Final = 4 * 1024 * 1024 * 1024

# reencrypt_memories(): updates in flight at once, by default and at most.
REENCRYPT_CONCURRENCY: Final = 8
MAX_REENCRYPT_CONCURRENCY: Final = 32
# Tags of one memory (openapi.yaml: maxItems and items.maxLength of the tags arrays); the list
# filter names at most as many tags as a memory can carry.
MAX_TAGS: Final = 100
MAX_TAG_LENGTH: Final = 100
# A memory key (openapi.yaml: maxLength of every memoryKey a request sends).
MAX_MEMORY_KEY_LENGTH: Final = 256

LOGGER_NAME: Final = "memoram_async"
USER_AGENT: Final = "memoram-async"
