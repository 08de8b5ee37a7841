"""Import a JSONL file of memories for one user: concurrent, with progress, and resumable.

    python examples/bulk_import.py examples/data/memories.jsonl --credentials creds.json

Each line is a JSON object: ``content`` (required), and optionally ``title``, ``summary``,
``tags`` (a list), ``importance``, ``confidence``, ``source``. Blank lines are skipped.

Environment: MEMORAM_API_KEY, MEMORAM_BASE_URL (optional), and MEMORAM_MEMORY_KEY when no saved
credentials exist yet (the user then approves one access request in the Memoram dashboard).

How it resumes without duplicates (the design):

- Every record has a fingerprint: SHA-256 of the user's id and the record's canonical JSON.
  Identical lines are one memory.
- A journal (``--state``, default ``<file>.imported``) gets ``{"sent": fp}`` before a create
  is sent and ``{"done": fp, "id": ...}`` after it succeeded, flushed at once. A new run skips
  every ``done`` fingerprint.
- A ``sent`` without ``done`` is a create whose outcome is unknown: the process died while it
  was in flight, or the SDK said so (``outcome_unknown``). Before importing, the next run lists
  the user's memories once, fingerprints the decrypted ones, and marks every match ``done``;
  the others are imported again. The check needs no server support, so it works on any
  server; the Idempotency-Key the SDK sends covers retries within a run
  (``--idempotent-creates`` on servers that honour it, like the local one).
- At most ``--concurrency`` creates are in flight (workers fed by a bounded queue), so memory
  use does not grow with the file.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from memoram_async import (
    AccessDeniedError,
    AuthenticationError,
    Credentials,
    MemoramClient,
    MemoramError,
    Memory,
    PermissionDeniedError,
    UserMemories,
)

FIELDS = ("content", "title", "summary", "tags", "importance", "confidence", "source")
REASON = "Import your memories from a file"
# Errors that no other line would escape: stop the import instead of failing every line.
FATAL = (AuthenticationError, PermissionDeniedError, AccessDeniedError)


@dataclass
class Record:
    """One line of the file, checked."""

    line: int
    fields: dict[str, Any]
    fingerprint: str


@dataclass
class Tally:
    """What happened, for the progress bar and the summary."""

    total: int
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    errors: list[str] = field(default_factory=list)


def canonical(fields: dict[str, Any]) -> dict[str, Any]:
    """The record as it is stored: known fields, no nulls, tags as a list."""
    record = {name: fields[name] for name in FIELDS if fields.get(name) is not None}
    if "tags" in record:
        record["tags"] = list(record["tags"])
    return record


def fingerprint(user_id: str, fields: dict[str, Any]) -> str:
    """A stable id of a record for one user, equal for the record and the memory made of it.

    Tags are sorted and scores rounded, so a server that reorders tags or stores scores as
    32-bit floats still matches.
    """
    normal: dict[str, Any] = {}
    for name, value in canonical(fields).items():
        if name == "tags":
            value = sorted(value) or None
        elif name in ("importance", "confidence"):
            value = f"{float(value):.6g}"
        if value is not None:
            normal[name] = value
    text = json.dumps(normal, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{user_id}\n{text}".encode()).hexdigest()


def memory_fields(memory: Memory) -> dict[str, Any]:
    """A stored memory in the shape of a file record, to fingerprint it."""
    return canonical(
        {
            "content": memory.content,
            "title": memory.title,
            "summary": memory.summary,
            "tags": list(memory.tags) or None,
            "importance": memory.importance,
            "confidence": memory.confidence,
            "source": memory.source,
        }
    )


def read_records(path: Path, user_id: str, tally: Tally) -> Iterator[Record]:
    """The file's records; a bad line is counted as failed and reported, then skipped."""
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                fields = json.loads(text)
                if not isinstance(fields, dict) or not isinstance(fields.get("content"), str):
                    raise ValueError("needs an object with a string `content`")
                unknown = set(fields) - set(FIELDS)
                if unknown:
                    raise ValueError(f"unknown fields {sorted(unknown)}")
            except ValueError as exc:
                tally.failed += 1
                tally.errors.append(f"line {number}: {exc}")
                continue
            fields = canonical(fields)
            yield Record(number, fields, fingerprint(user_id, fields))


class Journal:
    """The append-only state file: what was sent, and what is known to be done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, str] = {}
        self.sent: set[str] = set()
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                if "done" in entry:
                    self.done[entry["done"]] = entry["id"]
                elif "sent" in entry:
                    self.sent.add(entry["sent"])
        self._file: TextIO = path.open("a", encoding="utf-8")

    @property
    def uncertain(self) -> set[str]:
        """Creates that were sent but never confirmed."""
        return self.sent - self.done.keys()

    def _write(self, entry: dict[str, Any]) -> None:
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()

    def mark_sent(self, fp: str) -> None:
        """Record that a create is about to be sent."""
        self.sent.add(fp)
        self._write({"sent": fp})

    def mark_done(self, fp: str, memory_id: str) -> None:
        """Record that the memory exists."""
        self.done[fp] = memory_id
        self._write({"done": fp, "id": memory_id})

    def close(self) -> None:
        """Close the file."""
        self._file.close()


class Progress:
    """A progress line on stderr: count, rate and ETA (redrawn on a terminal, else every 2 s)."""

    def __init__(self, tally: Tally, stream: IO[str] = sys.stderr) -> None:
        self.tally = tally
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self.shown = 0.0

    def line(self) -> str:
        """``[#####-----] 120/500 imported  24.1/s  ETA 0:00:15``."""
        tally = self.tally
        done = tally.imported + tally.failed + tally.unknown
        todo = max(tally.total - tally.skipped, 0)
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = done / elapsed
        left = (todo - done) / rate if rate > 0 else 0.0
        width = 24
        filled = width * done // todo if todo else width
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if rate > 0 or not todo else "--:--:--"
        return (
            f"[{'#' * filled}{'-' * (width - filled)}] {done}/{todo} imported"
            f"  {rate:.1f}/s  ETA {eta}"
        )

    def update(self, *, final: bool = False) -> None:
        """Show the line if enough time passed (always when final)."""
        now = time.monotonic()
        if not final and now - self.shown < (0.1 if self.tty else 2.0):
            return
        self.shown = now
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + self.line() + end)
        self.stream.flush()


async def reconcile(user: UserMemories, journal: Journal) -> int:
    """Mark uncertain creates that did reach the server as done; returns how many."""
    uncertain = journal.uncertain
    if not uncertain:
        return 0
    user_id = str(user.user_id)
    found = 0
    async for memory in user.list_memories(page_size=100):
        fp = fingerprint(user_id, memory_fields(memory))
        if fp in uncertain and fp not in journal.done:
            journal.mark_done(fp, memory.id)
            found += 1
    return found


async def import_records(
    user: UserMemories,
    records: Iterator[Record],
    journal: Journal,
    tally: Tally,
    *,
    concurrency: int,
) -> None:
    """Create every record not yet done, ``concurrency`` at a time."""
    queue: asyncio.Queue[Record | None] = asyncio.Queue(maxsize=concurrency * 2)
    progress = Progress(tally)
    seen: set[str] = set()

    async def worker() -> None:
        while (record := await queue.get()) is not None:
            journal.mark_sent(record.fingerprint)
            try:
                memory = await user.create_memory(**record.fields)
            except FATAL:
                raise
            except MemoramError as exc:
                if getattr(exc, "outcome_unknown", False):
                    tally.unknown += 1  # left `sent`: the next run checks the server
                else:
                    tally.failed += 1
                tally.errors.append(f"line {record.line}: {exc}")
            else:
                journal.mark_done(record.fingerprint, memory.id)
                tally.imported += 1
            progress.update()

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
        for record in records:
            if record.fingerprint in journal.done or record.fingerprint in seen:
                tally.skipped += 1
                continue
            seen.add(record.fingerprint)
            await queue.put(record)
        for _ in range(concurrency):
            await queue.put(None)
    progress.update(final=True)


def load_credentials(saved: Path | None) -> Credentials | None:
    """Credentials saved by an earlier run, if any."""
    if saved is None or not saved.exists():
        return None
    return Credentials.from_dict(json.loads(saved.read_text(encoding="utf-8")))


async def connect(client: MemoramClient, saved: Path | None, timeout: float) -> UserMemories:  # noqa: ASYNC109
    """The user's memories, from saved credentials or a new, approved access request."""
    known = load_credentials(saved)
    if known is not None:
        return client.user(known)
    memory_key = os.environ.get("MEMORAM_MEMORY_KEY")
    if not memory_key:
        raise SystemExit("Set MEMORAM_MEMORY_KEY (or pass --credentials with saved credentials).")
    request = await client.request_access(memory_key, reason=REASON)
    print(f"Access request {request.id}: approve it in the Memoram dashboard...", file=sys.stderr)
    await client.wait_for_approval(request.id, timeout=timeout)
    credentials = await client.get_credentials(request.id)
    if saved is not None:
        # The credentials are secrets: readable by this account only.
        descriptor = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(credentials.to_dict(), file)
    return client.user(credentials)


def count_lines(path: Path) -> int:
    """Non-blank lines of the file."""
    with path.open(encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


async def run(args: argparse.Namespace) -> int:
    """Import the file; returns the exit status."""
    path: Path = args.file
    state: Path = args.state or path.with_name(path.name + ".imported")
    tally = Tally(total=count_lines(path))
    async with MemoramClient(idempotent_creates=args.idempotent_creates) as client:
        user = await connect(client, args.credentials, args.approval_timeout)
        journal = Journal(state)
        try:
            recovered = await reconcile(user, journal)
            if recovered:
                print(f"Found {recovered} memories of an interrupted run.", file=sys.stderr)
            records = read_records(path, str(user.user_id), tally)
            await import_records(user, records, journal, tally, concurrency=args.concurrency)
        finally:
            journal.close()
    for error in tally.errors[:20]:
        print(f"  {error}", file=sys.stderr)
    print(
        f"Imported {tally.imported}, skipped {tally.skipped} already imported, "
        f"failed {tally.failed}, outcome unknown {tally.unknown} (checked on the next run)."
    )
    return 0 if tally.failed == tally.unknown == 0 else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Import a JSONL file of memories.")
    parser.add_argument("file", type=Path, help="JSONL file, one memory per line")
    parser.add_argument("--credentials", type=Path, help="saved credentials (created if missing)")
    parser.add_argument("--state", type=Path, help="journal of imported lines")
    parser.add_argument("--concurrency", type=int, default=8, help="creates in flight (8)")
    parser.add_argument(
        "--idempotent-creates",
        action="store_true",
        help="retry creates like reads (servers that honour Idempotency-Key, e.g. the local one)",
    )
    parser.add_argument("--approval-timeout", type=float, default=300.0, help="seconds (300)")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 64:
        parser.error("--concurrency must be between 1 and 64")
    return args


def main(argv: list[str] | None = None) -> int:
    """The script's entry point."""
    args = parse_args(argv)
    try:
        return asyncio.run(run(args))
    except* MemoramError as group:
        for exc in leaves(group):
            print(f"Memoram error: {exc}", file=sys.stderr)
    return 1


def leaves(error: BaseException) -> Iterator[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from leaves(inner)
    else:
        yield error


if __name__ == "__main__":
    sys.exit(main())
