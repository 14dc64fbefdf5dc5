"""The key store: random keys in files under KEY_DIR, outside the database and its backups.

One key per sealing period (`seal-<period>.key`, a period being an ISO week such as
2026-W49 or a month such as 2026-12, by SEALING_PERIOD) and one blind-index key
(`blind-index.key`). `mutualaid.sealing` combines each with a key from the environment,
so neither the directory nor the environment alone opens anything.

Every file is written whole, then fsynced, then renamed into place (and the directory
fsynced), with owner-only permissions: a reader sees the old key or the new one, never
half of one. A missing key is created with a hard link, which fails if another process
created it first, so two processes can never seal under two different keys of one period.

Web, worker and beat processes cache keys in memory and `stat()` the file on each use
(one system call): a file that another process replaced (new inode) or removed is read
again, or refused, so no process keeps sealing with or opening via a destroyed key. A
file that holds no key (overwritten by the wipe or the prune) counts as destroyed.

Destroying keys (`replace_all`, `prune`) is serialised with sealing by the caller
(`household_requests.retention`, with the SEALING_KEYS advisory lock).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PERIOD_PREFIX = "seal-"
BLIND_INDEX_KEY_NAME = "blind-index.key"
SUFFIX = ".key"
KEY_BYTES = 32


class MissingKeyError(Exception):
    """The key file does not exist (destroyed, pruned, or never made)."""


@dataclass(frozen=True)
class _Cached:
    identity: tuple[int, int, int, int]
    key: bytes


_cache: dict[str, _Cached] = {}


def forget() -> None:
    """Drop every cached key (tests, key rotation)."""
    _cache.clear()


def key_dir() -> Path:
    return Path(settings.KEY_DIR)


def period_of(moment: dt.datetime) -> str:
    """The sealing period of a moment (UTC): '2026-W49' by ISO week, or '2026-12' by month."""
    day = moment.astimezone(dt.UTC).date()
    if settings.SEALING_PERIOD == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _weekday = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def period_start(period: str) -> dt.date | None:
    """The first day of a period ('2026-W49' or '2026-12', whatever SEALING_PERIOD is now),
    so periods compare by date, not by name; None for a name that is neither."""
    try:
        year, _dash, rest = period.partition("-")
        if rest.startswith("W"):
            return dt.date.fromisocalendar(int(year), int(rest[1:]), 1)
        return dt.date(int(year), int(rest), 1)
    except ValueError:
        return None


def period_key_name(period: str) -> str:
    return f"{PERIOD_PREFIX}{period}{SUFFIX}"


def _identity(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _decode(text: bytes) -> bytes:
    key = base64.urlsafe_b64decode(text.strip())
    if len(key) != KEY_BYTES:
        raise ValueError("a key file holds something other than a key")
    return key


def read_key(name: str) -> bytes:
    """The key in KEY_DIR/name, from the cache while the file is the one read before."""
    path = key_dir() / name
    try:
        identity = _identity(os.stat(path))
    except FileNotFoundError:
        _cache.pop(name, None)
        raise MissingKeyError(name) from None
    cached = _cache.get(name)
    if cached is not None and cached.identity == identity:
        return cached.key
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        _cache.pop(name, None)
        raise MissingKeyError(name) from None
    with os.fdopen(fd, "rb") as handle:
        # The identity of the file actually read, so a replacement in between is seen.
        identity = _identity(os.fstat(handle.fileno()))
        try:
            key = _decode(handle.read())
        except ValueError:
            # Overwritten by the wipe or the prune, which are about to replace or remove it.
            _cache.pop(name, None)
            raise MissingKeyError(name) from None
    _cache[name] = _Cached(identity, key)
    return key


def key(name: str, *, create: bool) -> bytes:
    """The key in KEY_DIR/name; with `create`, made (once, by whichever process is first)."""
    try:
        return read_key(name)
    except MissingKeyError:
        if not create:
            raise
    _write(name, replace=False)
    return read_key(name)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(name: str, *, replace: bool) -> None:
    """Write a fresh random key to KEY_DIR/name: temporary file, fsync, then rename
    (`replace`) or hard link (only if absent), then fsync the directory."""
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = directory / f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, directory / name)
        else:
            # Another process may have made it first: then theirs is the key.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, directory / name)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(directory)


def names() -> list[str]:
    """The key files in KEY_DIR, sorted."""
    directory = key_dir()
    if not directory.is_dir():
        return []
    return sorted(
        path.name
        for path in directory.iterdir()
        if path.name.endswith(SUFFIX) and not path.name.startswith(".")
    )


def periods() -> list[str]:
    """The periods that have a key file, oldest first."""
    return [
        name.removeprefix(PERIOD_PREFIX).removesuffix(SUFFIX)
        for name in names()
        if name.startswith(PERIOD_PREFIX)
    ]


def _overwrite_in_place(path: Path) -> None:
    """Write zeros over the old file's own blocks before it is replaced or removed: on a
    file system that writes in place this leaves nothing of the old key behind (see
    THREAT_MODEL.md for the ones that do not). Zeros do not read as a key, so a process
    that reads the file in between refuses it (MissingKeyError) rather than sealing with
    a key that nobody keeps."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    with os.fdopen(fd, "wb") as handle:  # no O_TRUNC: the same blocks
        handle.write(b"\0" * os.fstat(handle.fileno()).st_size)
        handle.flush()
        os.fsync(handle.fileno())


def replace_all() -> list[str]:
    """Overwrite every key file (and the blind-index key, even if absent) with a fresh
    random key. Returns the names of the files replaced."""
    replaced = sorted({*names(), BLIND_INDEX_KEY_NAME})
    for name in replaced:
        _overwrite_in_place(key_dir() / name)
        _write(name, replace=True)
    for leftover in key_dir().glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    return replaced


def prune(*, keep: set[str], before: str) -> list[str]:
    """Remove the key files of periods that begin before the period `before` and are not
    in `keep` (a later period, or a name that is not a period, always stays). The file is
    overwritten first, as by `replace_all`. Returns the periods removed."""
    limit = period_start(before)
    assert limit is not None, f"not a period: {before!r}"
    removed = []
    for period in periods():
        start = period_start(period)
        if period in keep or start is None or start >= limit:
            continue
        path = key_dir() / period_key_name(period)
        _overwrite_in_place(path)
        path.unlink(missing_ok=True)
        _cache.pop(period_key_name(period), None)
        removed.append(period)
    if removed:
        _fsync_directory(key_dir())
    return removed
