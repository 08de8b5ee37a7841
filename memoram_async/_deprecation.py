"""What openapi.yaml marks ``deprecated``, and the DeprecationWarning a caller gets for using it.

The SDK does not ship the spec, so :data:`DEPRECATED` is the spec's list, kept in step with it
by ``tests/unit/test_spec_consistency.py`` (part of ``make check-spec``): the check fails, naming
the element and this table, when the spec deprecates something the table lacks or the table
lists something the spec no longer deprecates. Each public method calls :func:`warn_deprecated`
once, where its arguments become the generated request, with the arguments the caller gave.

The warning points at the caller's line (not at a frame of this package), and its text names
no value, so Python's default filter shows it once per call site.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

# openapi.yaml location -> the public place users meet it. Locations are "Schema.property",
# "operationId.parameter" or "operationId" (a whole operation); places are
# "Class.method(argument)" or "Class.method".
DEPRECATED: Mapping[str, str] = MappingProxyType({})

_PACKAGE: Final = str(Path(__file__).resolve().parent)


def _callers_level() -> int:
    """``stacklevel`` for a warning from the caller: the first frame outside memoram_async."""
    level = 2  # frame 2 is the caller's caller, the public method: level 2 from the caller
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn_deprecated(method: str, given: Iterable[str] = ()) -> None:
    """Warn when ``method`` (``"UserMemories.create_memory"``) or an argument given is deprecated.

    Args:
        method: The public method being called, as ``Class.method``.
        given: The names of the arguments the caller passed (not those left at their default).
    """
    if not DEPRECATED:
        return
    places = {method, *(f"{method}({name})" for name in given)}
    for location, place in DEPRECATED.items():
        if place in places:
            warnings.warn(
                f"{place} is deprecated by the Memoram API (openapi.yaml marks {location} "
                "deprecated): stop using it before the API removes it",
                DeprecationWarning,
                stacklevel=_callers_level(),
            )
