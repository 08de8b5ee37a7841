"""A stub for the event loop's name resolver, and a guard that nothing connects off loopback.

Tests of "a name that resolves to another address" must never send there: they answer the
SDK's (and httpx's) ``loop.getaddrinfo`` from a table, and :meth:`StubResolver.install` also
replaces ``loop.create_connection`` (what httpx connects with) by one that refuses, and records,
any address outside loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import pytest


class StubResolver:
    """Answers ``getaddrinfo`` from ``answers`` (host -> addresses, or an exception to raise).

    Attributes:
        calls: The host names asked for, in order.
        refused_connects: Connections to an address outside loopback that were refused.
    """

    def __init__(self, answers: dict[str, list[str] | BaseException]) -> None:
        self.answers = answers
        self.calls: list[str] = []
        self.refused_connects: list[str] = []

    async def getaddrinfo(
        self,
        host: Any,
        port: Any,
        *,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[Any, ...]]:
        """The table's answer for ``host``, shaped like ``socket.getaddrinfo``'s."""
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.calls.append(name)
        await asyncio.sleep(0)  # a real resolver answers from a thread, later
        answer = self.answers.get(name)
        if answer is None:
            try:
                ipaddress.ip_address(name)
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            answer = [name]  # a literal resolves to itself
        if isinstance(answer, BaseException):
            raise answer
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, int(port or 0)),
            )
            for address in answer
        ]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> StubResolver:
        """Answer the running loop's resolver, and refuse its connections off loopback."""
        loop = asyncio.get_running_loop()
        connect = loop.create_connection

        async def loopback_only(protocol: Any, host: Any = None, *args: Any, **kwargs: Any) -> Any:
            if host is not None and not ipaddress.ip_address(str(host)).is_loopback:
                self.refused_connects.append(str(host))
                raise OSError(f"test guard: no connection to {host} (not loopback)")
            return await connect(protocol, host, *args, **kwargs)

        monkeypatch.setattr(loop, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(loop, "create_connection", loopback_only)
        return self
