"""`--host` is checked by the addresses it resolves to (a stubbed resolver), never by its name,
and the command binds the address it checked."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

import pytest

from memoram_local import _cli, _serve
from memoram_local._cli_checks import UsageError, check_host

# Documentation addresses (RFC 5737 / 3849): never sent to; the resolver is a stub.
REMOTE_V4 = "192.0.2.10"
REMOTE_V6 = "2001:db8::10"


def resolver(*addresses: str) -> Any:
    """A getaddrinfo stand-in answering `addresses` for any name (and counting its calls)."""
    calls: list[str] = []

    def resolve(host: str, port: object, **kwargs: object) -> Sequence[tuple[Any, ...]]:
        calls.append(host)
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "",
             (address, 0))
            for address in addresses
        ]  # fmt: skip

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


def failing_resolver(host: str, port: object, **kwargs: object) -> Sequence[tuple[Any, ...]]:
    """A getaddrinfo stand-in for a name nobody knows."""
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    ("host", "addresses"),
    [
        ("app.localhost", (REMOTE_V4,)),
        ("localhost.", (REMOTE_V4,)),
        ("localhost", ("127.0.0.1", REMOTE_V4)),
        ("LOCALHOST", (REMOTE_V6, "::1")),
        ("dev.internal", (REMOTE_V4,)),
    ],
)
def test_a_name_that_resolves_off_loopback_is_refused(
    host: str, addresses: tuple[str, ...]
) -> None:
    """A loopback-looking name is refused when any of its addresses is not loopback."""
    resolve = resolver(*addresses)
    with pytest.raises(UsageError, match=r"not a loopback address.*--allow-remote") as caught:
        check_host(host, allow_remote=False, resolve=resolve)
    assert resolve.calls == [host]
    assert any(address in str(caught.value) for address in addresses)


@pytest.mark.parametrize(
    ("host", "addresses", "bound"),
    [
        ("localhost", ("127.0.0.1", "::1"), "127.0.0.1"),
        ("app.localhost", ("127.0.0.2",), "127.0.0.2"),
        ("localhost", ("::1",), "::1"),
        ("127.0.0.1", ("127.0.0.1",), "127.0.0.1"),
        ("[::1]", ("::1",), "::1"),
        ("mapped.localhost", ("::ffff:127.0.0.1",), "::ffff:127.0.0.1"),
    ],
)
def test_a_name_that_resolves_to_loopback_only_binds_that_address(
    host: str, addresses: tuple[str, ...], bound: str
) -> None:
    """When every address is loopback, the first one is what the server binds (not the name)."""
    assert check_host(host, allow_remote=False, resolve=resolver(*addresses)) == bound


def test_an_unknown_name_is_refused() -> None:
    """A name the resolver does not know is one line that names the default."""
    with pytest.raises(UsageError, match="not a known host name or address; use --host"):
        check_host("nowhere.localhost", allow_remote=False, resolve=failing_resolver)


def test_allow_remote_skips_the_check() -> None:
    """--allow-remote binds what was asked, without asking the resolver."""
    resolve = resolver(REMOTE_V4)
    assert check_host("dev.internal", allow_remote=True, resolve=resolve) == "dev.internal"
    assert resolve.calls == []


@pytest.mark.parametrize("host", ["evil.localhost", "localhost."])
def test_the_command_refuses_before_binding_anything(
    host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--host NAME.localhost` resolved off loopback: exit 2, nothing bound."""
    bound: list[object] = []
    monkeypatch.setattr(socket, "getaddrinfo", resolver(REMOTE_V4))
    monkeypatch.setattr(_serve, "bind_socket", lambda *args: bound.append(args))
    with pytest.raises(SystemExit) as exited:
        _cli.main(["--host", host, "--port", "0"])
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"memoram-local: error: --host {host} is not a loopback address")
    assert REMOTE_V4 in line
    assert bound == []
