"""Checks of the `memoram-local` options that can fail before the server starts.

Standard library only, like `_cli.py`. Each failure is a `UsageError` whose message is one line
that says what is wrong and what to do; the command prints it after `memoram-local: error:`
and exits with status 2, never with a traceback.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from ._faults import FaultSpec

FAULTS_FORM: Final = (
    'name=value pairs separated by commas, e.g. --faults "error_rate=0.1,latency_ms=20"'
)
MEMORY_DB: Final = ":memory:"
_SQLITE_HEADER: Final = b"SQLite format 3\x00"
COMMAND_LINE_WARNING: Final = (
    "memoram-local: warning: {option} on the command line is visible to other users of this"
    " machine (ps, /proc/PID/cmdline); use its environment variable or file option instead."
)


class UsageError(ValueError):
    """A bad option or an unusable path; the message is one line that says what to do."""


def _reason(exc: OSError) -> str:
    reasons = {
        errno.ENOENT: "no such file",
        errno.EISDIR: "it is a folder",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
    }
    return reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__).lower()


def read_lines(path: str, option: str, what: str) -> list[str]:
    """The non-empty, non-comment lines of the file an option names (`what` says what it
    should hold)."""
    try:
        with open(path, encoding="utf-8") as file:
            lines = [line.strip() for line in file]
    except OSError as exc:
        raise UsageError(f"cannot read {option} {path}: {_reason(exc)}; give {what}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{option} {path} is not UTF-8 text; give {what}") from None
    kept = [line for line in lines if line and not line.startswith("#")]
    if not kept:
        raise UsageError(f"{option} {path} holds nothing; give {what}")
    return kept


def check_not_empty(value: str | None, source: str, fallback: str) -> None:
    """Refuse an option or variable that is given but blank (`fallback`: what leaving it out
    does)."""
    if value is not None and not value.strip():
        raise UsageError(f"{source} is empty; give a value, or leave it out to use {fallback}")


def check_env_not_empty(env: Mapping[str, str], name: str, fallback: str) -> None:
    """Refuse a variable that is set but blank (or, for a list, holds only commas)."""
    value = env.get(name)
    if value is not None and not value.replace(",", "").strip():
        raise UsageError(f"{name} is set but empty; set a value, or unset it to use {fallback}")


def check_faults(spec: str | None) -> None:
    """Parse a `--faults` value now, so a mistake is one line before anything starts."""
    if spec is None:
        return
    if ";" in spec:
        commas = spec.replace(";", ",")
        raise UsageError(
            f"--faults separates faults with commas, not ';': write --faults \"{commas}\""
        )
    try:
        FaultSpec.parse(spec)
    except ValueError as exc:
        raise UsageError(f"--faults: {exc}; write {FAULTS_FORM}") from None


def check_db(path: str) -> None:
    """Refuse a `--db` path the server could not create or write: the message names the fix."""
    if path in ("", MEMORY_DB):
        return
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise UsageError(
            f"--db {path} is a folder; give a file path, e.g. --db {target / 'memoram.db'}"
        )
    if not folder.exists():
        raise UsageError(
            f"--db {path}: the folder {folder} does not exist; create it (mkdir -p {folder})"
            " or choose another path"
        )
    if not folder.is_dir():
        raise UsageError(f"--db {path}: {folder} is not a folder; choose another path")
    if target.exists():
        _check_is_sqlite(path)
        if not os.access(target, os.R_OK | os.W_OK):
            raise UsageError(
                f"--db {path} is not readable and writable by this user; fix its permissions"
                " or choose another path"
            )
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            f"--db {path}: cannot create a file in {folder} (not writable by this user);"
            " choose a writable folder"
        )


def _check_is_sqlite(path: str) -> None:
    try:
        with open(path, "rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise UsageError(f"cannot read --db {path}: {_reason(exc)}; choose another path") from None
    if header and header != _SQLITE_HEADER:
        raise UsageError(
            f"--db {path} is not a SQLite database (left untouched); choose a new file path"
        )


def check_allowed_host(name: str) -> None:
    """`--allow-host` takes a bare host name (the app's own rule, with the option's name)."""
    host = name.strip().strip("[]")
    if not host or any(char in host for char in "/:@ "):
        raise UsageError(
            f"--allow-host {name!r} is not a bare host name; give one without scheme, port or"
            " path, e.g. --allow-host myapp.test"
        )


def bind_error(host: str, port: int, exc: OSError) -> str:
    """One line for a socket that could not listen, with what to do about it."""
    where = f"cannot listen on {host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return f"{where}: the port is in use; stop what uses it or pass --port 0 for a free port"
    if exc.errno == errno.EACCES:
        return f"{where}: permission denied; choose a port above 1023 or --port 0 for a free one"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{where}: {host} is not an address of this machine; use --host 127.0.0.1"
    if isinstance(exc, socket.gaierror):
        return f"{where}: {host} is not a known host name or address; use --host 127.0.0.1"
    return f"{where}: {_reason(exc)}; choose another --host or --port (--port 0 picks a free one)"


Resolver = Callable[..., Sequence[tuple[Any, ...]]]
"""`socket.getaddrinfo`'s shape: what `check_host` resolves with (a stub in tests)."""


def _is_loopback_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def check_host(host: str, *, allow_remote: bool, resolve: Resolver | None = None) -> str:
    """The address to bind for `--host`: decided by what the name resolves to, never by the name.

    `localhost`, `NAME.localhost` and `localhost.` are names like any other: the resolver may send
    them anywhere (to DNS, to a real interface). Every address must be loopback, or
    `--allow-remote` given; the server then binds the first address itself, so that what was
    checked is what listens.
    """
    if allow_remote:
        return host
    bare = host.strip().strip("[]")
    try:
        infos = (resolve or socket.getaddrinfo)(bare, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UsageError(
            f"--host {host} is not a known host name or address; use --host 127.0.0.1"
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    remote = [address for address in addresses if not _is_loopback_address(address)]
    if not addresses or remote:
        where = f" (it resolves to {', '.join(remote)})" if remote else ""
        raise UsageError(
            f"--host {host} is not a loopback address{where}; the local server is a development"
            " tool with a public development key. Pass --allow-remote to serve it anyway."
        )
    return addresses[0]
