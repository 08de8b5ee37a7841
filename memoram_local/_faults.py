"""Faults the local server injects on purpose, to test how clients cope with a bad network.

A spec is a comma-separated list of `name=value` (the `--faults` option), e.g.
`error_rate=0.1,rate_limit_rate=0.05,reset_rate=0.05,latency_ms=20,slow_rate=0.02`:

- `error_rate`: answer 500 or 503 (503 with `Retry-After: 1`) without processing the request;
- `rate_limit_rate`: answer 429 with `Retry-After` without processing the request;
- `reset_rate`: close the connection without answering; a `reset_after_share` of these
  (default 0.5) run the request first, so its write is committed and the answer is lost;
- `latency_ms`: delay every answer by this much;
- `slow_rate` and `slow_ms` (default 3000): delay that share of answers by `slow_ms` more;
- `retry_after_date_rate`: the share of 429s whose `Retry-After` is an HTTP-date instead of
  seconds (default 0).

`error_rate + rate_limit_rate + reset_rate` must not exceed 1. With a seed the sequence of
decisions is reproducible (for requests arriving in a reproducible order).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from dataclasses import dataclass
from email.utils import formatdate
from time import time
from typing import Literal

FaultKind = Literal["error_500", "error_503", "rate_limit", "reset_before", "reset_after"]

_RATES = ("error_rate", "rate_limit_rate", "reset_rate", "slow_rate")
_SHARES = ("reset_after_share", "retry_after_date_rate")
_DURATIONS = ("latency_ms", "slow_ms")


@dataclass(frozen=True)
class FaultSpec:
    """How often the local server misbehaves, and how. All rates are probabilities in 0..1."""

    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    reset_rate: float = 0.0
    latency_ms: float = 0.0
    slow_rate: float = 0.0
    slow_ms: float = 3000.0
    reset_after_share: float = 0.5
    retry_after_date_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in (*_RATES, *_SHARES):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault `{name}` must be between 0 and 1, not {value}")
        for name in _DURATIONS:
            value = getattr(self, name)
            if not 0.0 <= value <= 600_000:
                raise ValueError(f"fault `{name}` must be between 0 and 600000 ms, not {value}")
        if self.error_rate + self.rate_limit_rate + self.reset_rate > 1.0:
            raise ValueError("error_rate + rate_limit_rate + reset_rate must not exceed 1")

    @classmethod
    def parse(cls, spec: str) -> FaultSpec:
        """Read a `--faults` string; unknown names and bad values raise ValueError."""
        known = {field.name for field in dataclasses.fields(cls)}
        values: dict[str, float] = {}
        for item in spec.split(","):
            if not item.strip():
                continue
            name, sep, raw = item.partition("=")
            name = name.strip()
            if not sep:
                raise ValueError(f"fault `{item.strip()}` must be written name=value")
            if name not in known:
                raise ValueError(
                    f"unknown fault `{name}`; known faults: {', '.join(sorted(known))}"
                )
            try:
                values[name] = float(raw)
            except ValueError:
                raise ValueError(f"fault `{name}` needs a number, not {raw.strip()!r}") from None
        return cls(**values)

    @classmethod
    def coerce(cls, faults: FaultSpec | str | None) -> FaultSpec:
        """A FaultSpec from a spec, a spec string, or None (no faults)."""
        if faults is None:
            return cls()
        if isinstance(faults, str):
            return cls.parse(faults)
        return faults

    @property
    def enabled(self) -> bool:
        """Whether any fault or delay can happen."""
        return bool(
            self.error_rate
            or self.rate_limit_rate
            or self.reset_rate
            or self.latency_ms
            or (self.slow_rate and self.slow_ms)
        )


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request."""

    delay: float = 0.0
    kind: FaultKind | None = None
    retry_after: str | None = None
    slow: bool = False


class FaultInjector:
    """Draws a decision per request from a seeded random generator (thread-safe)."""

    def __init__(self, spec: FaultSpec, seed: int | None = None) -> None:
        self.spec = spec
        self._random = random.Random(seed)  # noqa: S311 - chaos, not cryptography
        self._lock = threading.Lock()

    def decide(self) -> FaultDecision:
        """The decision for the next request."""
        spec = self.spec
        with self._lock:
            # Always draw the same four numbers, so one outcome never shifts the next ones.
            slow_draw, outcome, detail, date_draw = (self._random.random() for _ in range(4))
        slow = slow_draw < spec.slow_rate
        delay = (spec.latency_ms + (spec.slow_ms if slow else 0.0)) / 1000.0
        kind: FaultKind | None = None
        retry_after = None
        if outcome < spec.error_rate:
            kind = "error_503" if detail < 0.5 else "error_500"
            retry_after = "1" if kind == "error_503" else None
        elif outcome < spec.error_rate + spec.rate_limit_rate:
            kind = "rate_limit"
            if date_draw < spec.retry_after_date_rate:
                # Two seconds ahead: an HTTP-date has one-second resolution.
                retry_after = formatdate(time() + 2, usegmt=True)
            else:
                retry_after = "1"
        elif outcome < spec.error_rate + spec.rate_limit_rate + spec.reset_rate:
            kind = "reset_after" if detail < spec.reset_after_share else "reset_before"
        return FaultDecision(delay=delay, kind=kind, retry_after=retry_after, slow=slow)
