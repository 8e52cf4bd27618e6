#!/usr/bin/env python3
"""Compare DURABLE writes: the statestore bridge over a MapDB file, Redis with an fsynced AOF, SQLite.

README
======

What it measures, in one run on one machine (read the ratios, not the absolute figures): small writes
from Python, each acknowledged only after it is forced to disk, in operations per second:

* ``statestore``: a bridge started from the jar over ``mapdb:<work dir>/state.db`` (its default
  durability, ``every-write``, records every write in the store's log and forces it to disk before
  acknowledging it; ``--store-options`` appends a query to the URI to compare other modes, e.g.
  ``durability=interval``), reached over its
  Unix socket with the module-level functions ``state_set`` and ``state_incr``;
* ``redis``: a private ``redis-server`` with ``appendonly yes`` and ``appendfsync always`` (no RDB
  snapshots, port 0, its Unix socket and AOF in the work directory), reached with redis-py over
  its Unix socket; both settings are checked with ``CONFIG GET`` before measuring;
* ``sqlite``: ``diskcache.Cache(<work dir>/diskcache, sqlite_synchronous=2)``, i.e. SQLite in WAL
  mode with ``synchronous=FULL`` (both checked with ``PRAGMA`` before measuring, also in every
  worker process); ``cache.set`` and ``cache.incr``;
* the reference ``fdatasync``: a bare Python loop writing 17 bytes to a file in the same directory
  and calling ``os.fdatasync`` (``os.fsync`` where there is none), once appending (the file grows,
  as an append-only log does) and once rewriting the same bytes in place (as a log that reuses its
  space does, so the filesystem has no size to journal): about the most durable writes one process
  can make one at a time on that disk.

Cases: ``set`` of a 16-character string and ``incr`` of one shared counter, from one process and
from 4 forked processes at once (each with its own connection or cache object; the 4 ``set``
processes write their own keys, the 4 ``incr`` processes the same counter, so that case tests
atomic shared increments). After a warm-up of every case, each measurement runs ``--seconds`` in
``--rounds`` interleaved rounds (the systems' order rotates from round to round) and the table
shows the median of the rounds. At the end each system's counter must equal the number of
increments its callers reported (warm-ups included); the script fails otherwise.

The data files go into a fresh directory under ``--dir`` (default: the system's temp directory),
removed at the end. Put it on a real disk: the output names the filesystem, and warns when it is
``tmpfs``, where forcing a write to disk costs nothing.

Needs: Java 17+, ``statestore-cli/target/statestore.jar`` (``./mvnw -q -pl
statestore-cli -am package -DskipTests``), the ``msgpack`` package; for the Redis column
``redis-server`` on PATH plus the ``redis`` package (``apt-get install redis-server``, ``pip
install redis``); for the SQLite column the ``diskcache`` package (``pip install diskcache``).
Whatever is missing is named and its column left out.

Run from the repository root::

    python3 benchmarks/python/durable.py                          # about 1.5 minutes
    python3 benchmarks/python/durable.py --seconds 0.5 --rounds 1  # quick look, about 15 s
    python3 benchmarks/python/durable.py --dir /var/tmp --store-options durability=interval

Every process and directory the script starts (bridge, redis-server, workers, the data directory)
is stopped or removed before it exits, also on errors, Ctrl-C and SIGTERM, and the whole run is
bounded in time (``--timeout``, by default worked out from ``--seconds`` and ``--rounds``).
"""

from __future__ import annotations  # noqa: I001  (harness first: it puts statestore on sys.path)

import argparse
import functools
import importlib.util
import os
import socket
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from harness import (
    KEY,
    PROCESSES,
    ROOT,
    VALUE,
    Started,
    TimeLimitExceeded,
    fmt,
    load_average,
    machine_note,
    missing_java_or_jar,
    measure,
    parallel_measure,
    ratio,
    start_bridge,
    start_redis,
    time_limit,
)

import statestore  # the package from this source tree (harness puts it on sys.path)

if TYPE_CHECKING:
    from harness import Op

COUNTER = "bench:counter"
CASES: dict[str, tuple[str, int]] = {  # case -> (operation, processes)
    "set, 1 process": ("set", 1),
    "incr, 1 process": ("incr", 1),
    f"set, {PROCESSES} processes": ("set", PROCESSES),
    f"incr, {PROCESSES} processes": ("incr", PROCESSES),
}
REDIS_DURABLE = ('save ""', "appendonly yes", "appendfsync always")
SQLITE_FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
MEMORY_FILESYSTEMS = {"tmpfs", "ramfs"}


# ---------------------------------------------------------------------------------------------
# the systems


class DurableSystem:
    """A system under test: durable ``set`` and ``incr`` through this process's own client."""

    name = ""
    description = ""

    def __init__(self) -> None:
        self.increments = 0  # every incr its callers reported, warm-ups included

    def reconnect(self) -> None:
        """Gives a forked worker process its own client (call it first thing in the child)."""
        raise NotImplementedError

    def set(self, key: str) -> None:
        """Stores the small value under ``key``; returns when the system acknowledges it."""
        raise NotImplementedError

    def incr(self) -> None:
        """Increments the shared counter; returns when the system acknowledges it."""
        raise NotImplementedError

    def counter(self) -> int:
        """The shared counter as the system has it now."""
        raise NotImplementedError

    def close(self) -> None:
        """Closes this process's client."""


class StateStoreSystem(DurableSystem):
    """The bridge over a MapDB file, through the module-level ``state_*`` functions."""

    name = "statestore"

    def __init__(self, address: str, token: str, description: str) -> None:
        super().__init__()
        self.description = description
        os.environ["STATESTORE_ADDRESS"] = address
        os.environ["STATESTORE_TOKEN"] = token
        statestore.reset_default_client()
        statestore.state_set(COUNTER, 0)

    def reconnect(self) -> None:
        statestore.reset_default_client()  # fresh per process (forking does this too)

    def set(self, key: str) -> None:
        statestore.state_set(key, VALUE)

    def incr(self) -> None:
        statestore.state_incr(COUNTER)

    def counter(self) -> int:
        return int(statestore.state_get(COUNTER))

    def close(self) -> None:
        statestore.reset_default_client()


class RedisSystem(DurableSystem):
    """A private redis-server with ``appendfsync always``, through redis-py over its socket."""

    name = "redis"

    def __init__(self, sock: Path) -> None:
        super().__init__()
        import redis
        self.redis = redis
        self.sock = str(sock)
        self.client = redis.Redis(unix_socket_path=self.sock)
        self.inherited: list[object] = []
        config = {**self.client.config_get("appendonly"), **self.client.config_get("appendfsync"),
                  **self.client.config_get("save")}
        if config.get("appendonly") != "yes" or config.get("appendfsync") != "always":
            raise RuntimeError(f"redis-server is not fsyncing every write: {config}")
        self.description = (f"appendonly {config['appendonly']}, appendfsync {config['appendfsync']}, "
                            f"save \"{config.get('save', '?')}\" (checked with CONFIG GET)")
        self.client.set(COUNTER, 0)

    def reconnect(self) -> None:
        # Keep the parent's client referenced: the child never closes what it shares with it.
        self.inherited.append(self.client)
        self.client = self.redis.Redis(unix_socket_path=self.sock)

    def set(self, key: str) -> None:
        self.client.set(key, VALUE)

    def incr(self) -> None:
        self.client.incr(COUNTER)

    def counter(self) -> int:
        return int(self.client.get(COUNTER))

    def close(self) -> None:
        self.client.close()


class SqliteSystem(DurableSystem):
    """SQLite in WAL mode with ``synchronous=FULL``, through a ``diskcache.Cache``."""

    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        super().__init__()
        import diskcache
        self.diskcache = diskcache
        self.directory = str(directory)
        self.cache = self._open()
        self.inherited: list[object] = []
        self.description = (f"diskcache.Cache(directory, sqlite_synchronous={SQLITE_FULL}): "
                            f"journal_mode={self.pragma('journal_mode')}, synchronous="
                            f"{self.pragma('synchronous')} (FULL) (checked with PRAGMA)")
        self.cache.set(COUNTER, 0)

    def _open(self) -> object:
        cache = self.diskcache.Cache(self.directory, sqlite_synchronous=SQLITE_FULL)
        journal_mode = cache._sql("PRAGMA journal_mode").fetchone()[0]
        synchronous = cache._sql("PRAGMA synchronous").fetchone()[0]
        if str(journal_mode).lower() != "wal" or synchronous != SQLITE_FULL:
            cache.close()
            raise RuntimeError(f"SQLite is not in WAL mode with synchronous=FULL: "
                               f"journal_mode={journal_mode}, synchronous={synchronous}")
        return cache

    def pragma(self, name: str) -> object:
        """The value of ``PRAGMA name`` on this process's connection."""
        return self.cache._sql(f"PRAGMA {name}").fetchone()[0]

    def reconnect(self) -> None:
        # A fresh Cache (and SQLite connection) for this process, checked like the parent's; the
        # parent's stays referenced, so the child never closes a connection it shares with it.
        self.inherited.append(self.cache)
        self.cache = self._open()

    def set(self, key: str) -> None:
        self.cache.set(key, VALUE)

    def incr(self) -> None:
        self.cache.incr(COUNTER)

    def counter(self) -> int:
        return int(self.cache.get(COUNTER))

    def close(self) -> None:
        self.cache.close()


def run_case(system: DurableSystem, case: str, seconds: float) -> float:
    """Measures ``case`` on ``system`` for ``seconds``; returns writes/s and counts the
    increments into ``system.increments``."""
    operation, processes = CASES[case]
    if processes == 1:
        op: Op = functools.partial(system.set, KEY) if operation == "set" else system.incr
        measured = measure(op, 1, seconds)
    else:
        def make() -> Op:
            system.reconnect()
            if operation == "set":
                return functools.partial(system.set, f"{KEY}:{os.getpid()}")
            return system.incr
        measured = parallel_measure(make, seconds, ops_per_call=1, processes=processes)
    if operation == "incr":
        system.increments += measured.ops
    return measured.rate


def fdatasync_rate(directory: Path, seconds: float, *, append: bool) -> float:
    """Writes 17 bytes to a file in ``directory`` and forces them to disk, in a loop, appending
    (``append``) or rewriting them in place; returns writes/s."""
    sync = getattr(os, "fdatasync", os.fsync)
    path = directory / "fdatasync-reference"
    record = (VALUE + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (os.O_APPEND if append else 0), 0o600)
    try:
        if append:
            def op() -> None:
                os.write(fd, record)
                sync(fd)
        else:
            os.write(fd, record)
            os.fsync(fd)

            def op() -> None:
                os.pwrite(fd, record, 0)
                sync(fd)
        return measure(op, 1, seconds).rate
    finally:
        os.close(fd)
        path.unlink()


def served_fdatasync_rate(directory: Path, seconds: float) -> float:
    """The same in-place write and flush done by a second process for each request sent over a Unix
    socket pair, one at a time: what any server-side durable write costs a client over and above the
    flush (two processes woken per request, one of them after waiting for the disk); returns writes/s."""
    sync = getattr(os, "fdatasync", os.fsync)
    path = directory / "served-fdatasync-reference"
    record = (VALUE + "\n").encode()
    client, server = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the server: flush, then answer, until the client hangs up
        client.close()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, record)
        os.fsync(fd)
        while server.recv(16):
            os.pwrite(fd, record, 0)
            sync(fd)
            server.sendall(b"k")
        os._exit(0)
    server.close()

    def op() -> None:
        client.sendall(b"w")
        if not client.recv(16):
            raise ConnectionError("the reference server stopped")
    try:
        return measure(op, 1, seconds).rate
    finally:
        client.close()
        os.waitpid(pid, 0)
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# report


def filesystem_of(path: Path) -> tuple[str, str, str]:
    """(type, device, mount point) of the filesystem holding ``path``, from ``/proc/mounts``
    (the last mount on the longest matching mount point), else from ``df``."""
    real = os.path.realpath(path)
    found: tuple[str, str, str] | None = None
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        mounts = []
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        device, mount, fstype = (field.encode().decode("unicode_escape") for field in fields[:3])
        inside = real == mount or real.startswith(mount.rstrip("/") + "/")
        if inside and (found is None or len(mount) >= len(found[2])):
            found = (fstype, device, mount)
    if found:
        return found
    df = subprocess.run(["df", "-PT", real], capture_output=True, text=True, check=False).stdout.splitlines()
    if len(df) >= 2:
        fields = df[1].split()
        return fields[1], fields[0], fields[-1]
    return "?", "?", "?"


def store_durability(store_options: str) -> str:
    """What the MapDB store's options (a URI query) make of a write, in words."""
    options = {name: values[-1] for name, values in parse_qs(store_options).items()}
    durability = options.get("durability", "every-write").lower().replace("_", "-")
    every_write = durability in ("every-write", "sync")
    forced = options.get("fsync", "true").lower() != "false"
    named = f"durability={durability}{'' if 'durability' in options else ' (the default)'}"
    if every_write and forced:
        return f"{named}: each write recorded in the store's log and forced to disk before it is acknowledged"
    if every_write:
        return f"{named}, fsync=false: each write recorded in the log, but NOT forced to disk, before it is acknowledged"
    return f"{named}: writes are NOT forced to disk before each acknowledgement"


def default_timeout(seconds: float, rounds: int, systems: int) -> float:
    """A generous bound for the whole run: start-up, then warm-up and rounds with slack each."""
    measurements = (rounds + 1) * (systems * len(CASES) + 1)
    return 120.0 + measurements * (seconds + 5.0)


def main() -> int:
    """Parses the arguments, runs the benchmark, prints the report; 0 when the counters check."""
    load_at_start = load_average()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", type=Path, default=ROOT / "statestore-cli" / "target" / "statestore.jar")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is shown")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the data files go (a fresh directory is made and removed in it; "
                             "default: the system's temp directory); put it on a real disk")
    parser.add_argument("--store-options", default="",
                        help="query string appended to the bridge's store URI, e.g. durability=sync")
    parser.add_argument("--timeout", type=float, default=None,
                        help="bound for the whole run in seconds (default: from --seconds and --rounds)")
    args = parser.parse_args()
    if args.seconds <= 0 or args.rounds < 1:
        parser.error("--seconds must be positive and --rounds at least 1")
    store_options = args.store_options.lstrip("?")

    cannot_start = missing_java_or_jar(args.jar)
    if cannot_start:
        print(cannot_start, file=sys.stderr)
        return 2
    if args.dir is not None and not args.dir.is_dir():
        print(f"--dir {args.dir} is not a directory", file=sys.stderr)
        return 2
    missing = []
    redis_reason = None
    if shutil.which("redis-server") is None:
        redis_reason = "redis-server is not on PATH (apt-get install redis-server)"
    elif importlib.util.find_spec("redis") is None:
        redis_reason = "the redis package is not installed (pip install redis)"
    if redis_reason:
        missing.append(f"Redis column left out: {redis_reason}")
    want_redis = redis_reason is None
    want_sqlite = importlib.util.find_spec("diskcache") is not None
    if not want_sqlite:
        missing.append("SQLite column left out: the diskcache package is not installed (pip install diskcache)")
    for line in missing:
        print("missing: " + line, file=sys.stderr)

    timeout = args.timeout or default_timeout(args.seconds, args.rounds, 1 + want_redis + want_sqlite)
    started = Started(args.dir, prefix="statestore-durable-")
    systems: list[DurableSystem] = []
    try:
        with time_limit(timeout):
            workdir = started.workdir
            fstype, device, mount = filesystem_of(workdir)
            store = f"mapdb:{workdir / 'state.db'}" + (f"?{store_options}" if store_options else "")
            shown_store = "mapdb:<work dir>/state.db" + (f"?{store_options}" if store_options else "")
            address, token = start_bridge(started, args.jar, store)
            systems.append(StateStoreSystem(address, token, f"`{shown_store}`: {store_durability(store_options)}"))
            started.cleanups.append(systems[-1].close)
            if want_redis:
                systems.append(RedisSystem(start_redis(started, REDIS_DURABLE)))
                started.cleanups.append(systems[-1].close)
            if want_sqlite:
                systems.append(SqliteSystem(workdir / "diskcache"))
                started.cleanups.append(systems[-1].close)
            for system in systems:
                print(f"{system.name}: {system.description}", file=sys.stderr)

            results: dict[tuple[str, str], list[float]] = {}
            references: dict[str, list[float]] = {"appending": [], "in place": [], "served": []}
            # The JVM compiles the bridge's hot paths during its first seconds: warm every case first.
            print(f"data on {fstype} ({device}, mounted at {mount}); time limit {timeout:.0f} s; warming up ...",
                  file=sys.stderr, flush=True)
            if fstype in MEMORY_FILESYSTEMS:
                print(f"WARNING: {fstype} is memory, so these will not be durable writes; use --dir on a real disk",
                      file=sys.stderr, flush=True)
            fdatasync_rate(workdir, args.seconds / 2, append=True)
            for case in CASES:
                for system in systems:
                    run_case(system, case, args.seconds / 2)
            for round_number in range(args.rounds):
                print(f"round {round_number + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
                references["appending"].append(fdatasync_rate(workdir, args.seconds / 2, append=True))
                references["in place"].append(fdatasync_rate(workdir, args.seconds / 2, append=False))
                references["served"].append(served_fdatasync_rate(workdir, args.seconds / 2))
                order = systems[round_number % len(systems):] + systems[:round_number % len(systems)]
                for case in CASES:
                    for system in order:
                        measured = run_case(system, case, args.seconds)
                        results.setdefault((system.name, case), []).append(measured)
                        print(f"  {case:<20} {system.name:<11} {fmt(measured):>9} ops/s",
                              file=sys.stderr, flush=True)

            checks = [(system.name, system.counter(), system.increments) for system in systems]
        load_at_end = load_average()
        extras = [f"diskcache {import_version('diskcache')}"] if want_sqlite else []
        note = machine_note([*extras, f"SQLite {sqlite3.sqlite_version}"], load_at_start, load_at_end)
    except TimeLimitExceeded as error:
        print(f"error: {error}; everything started was stopped", file=sys.stderr)
        return 3
    finally:
        statestore.reset_default_client()
        started.stop_all()

    median = {key: statistics.median(values) for key, values in results.items()}
    names = [system.name for system in systems]
    peers = [name for name in ("redis", "sqlite") if name in names]
    command = ["python3", "benchmarks/python/durable.py", "--seconds", str(args.seconds),
               "--rounds", str(args.rounds)]
    if store_options:
        command += ["--store-options", store_options]
    if args.dir is not None:
        command += ["--dir", str(args.dir)]
    header = ["case"] + [f"{name} ops/s" for name in names] + [f"statestore / {peer}" for peer in peers]
    print()
    print(f"Command: {shlex.join(command)}")
    print(f"Machine: {note}")
    print(f"Data: a fresh directory on {fstype} ({device}, mounted at {mount}), removed afterwards")
    if fstype in MEMORY_FILESYSTEMS:
        print(f"WARNING: {fstype} is memory: forcing a write to disk costs nothing there, so these are "
              f"not durable writes; use --dir on a real disk")
    for system in systems:
        print(f"- {system.name}: {system.description}")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for case in CASES:
        ours = median[("statestore", case)]
        row = [case] + [fmt(median[(name, case)]) for name in names]
        row += [ratio(ours, median[(peer, case)]) for peer in peers]
        print("| " + " | ".join(row) + " |")
    print()
    sync_name = "fdatasync" if hasattr(os, "fdatasync") else "fsync"
    appending, in_place, served = (statistics.median(values) for values in references.values())
    print(f"Reference: a bare Python loop writing 17 bytes and calling os.{sync_name} after each, one "
          f"process, same directory (median of {args.rounds}): {fmt(appending)} writes/s appending to a file, "
          f"{fmt(in_place)} writes/s rewriting them in place; the same in-place write and flush done by a "
          f"second Python process for each request over a socket pair: {fmt(served)} writes/s (the floor of a "
          f"server's durable write as a client sees it; statestore set and incr from 1 process reach "
          f"{ratio(median[('statestore', 'set, 1 process')], served)} and {ratio(median[('statestore', 'incr, 1 process')], served)}"
          f" of it)")
    failed = False
    for name, value, reported in checks:
        verdict = "OK" if value == reported else "MISMATCH"
        failed = failed or value != reported
        print(f"Counter check, {name}: {COUNTER} = {value:,}, increments reported by the callers "
              f"(warm-ups included) = {reported:,}: {verdict}")
    for line in missing:
        print("missing: " + line)
    if failed:
        print("FAILED: a shared counter does not equal the increments made: lost or doubled "
              "increments", file=sys.stderr)
        return 1
    return 0


def import_version(module: str) -> str:
    """The ``__version__`` of an installed module, or ``?``."""
    try:
        return str(importlib.import_module(module).__version__)
    except (ImportError, AttributeError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
