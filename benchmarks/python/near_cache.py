#!/usr/bin/env python3
"""Reads of a hot key: the near cache against an uncached get, diskcache, LMDB and a dict; and how long an
invalidation takes to reach a reading process.

README
======

What it measures, in one run on one machine (read the ratios, not the absolute figures):

* ``state_get``: the module function reading a 16-character string through a bridge over ``memory:`` (Unix
  socket), uncached;
* ``state_get, near cache``: the same after ``statestore.configure(near_cache=["bench:"])``: after the first
  read, from the process; ``Client.get, near cache``: through ``Client(near_cache=["bench:"])``;
* ``diskcache``: ``diskcache.Cache(<work dir>).get``, SQLite read in the process;
* ``LMDB``: ``lmdb`` ``txn.get`` in a read transaction, the bytes decoded with msgpack (so each system hands
  back the value, not its encoding);
* ``dict``: a Python dict lookup, the floor.

Each is read in one process, then in 4 processes at once (each with its own client, cache, or environment).
The best of ``--rounds`` interleaved rounds of ``--seconds`` is kept.

The invalidation delay: one process reads a key through its near cache in a loop and notes when each new value
shows; the main process sets the key ``--updates`` times, a few milliseconds apart, and notes when each write
was acknowledged. The delay is from acknowledgement to showing (zero when the reader showed it first).

Needs: Java 17+, ``statestore-cli/target/statestore.jar`` (``./mvnw -q -pl statestore-cli -am package
-DskipTests``), ``msgpack``; for their columns ``diskcache`` and ``lmdb`` (``pip install diskcache lmdb``, or
Debian's ``python3-lmdb``). Whatever is missing is named and its column left out. Run from the repository
root::

    python3 benchmarks/python/near_cache.py
"""

from __future__ import annotations  # noqa: I001  (harness first: it puts statestore on sys.path)

import argparse
import importlib.util
import itertools
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import (
    KEY,
    PROCESSES,
    ROOT,
    VALUE,
    Started,
    fmt,
    load_average,
    machine_note,
    missing_java_or_jar,
    parallel_rate,
    rate,
    ratio,
    start_bridge,
    time_limit,
)

import msgpack

import statestore  # the package from this source tree (harness puts it on sys.path)

if TYPE_CHECKING:
    from collections.abc import Callable

    from harness import Op

READS_PER_CALL = 1000
UNCACHED = "state_get"
CACHED = "state_get, near cache"
UNCACHED_READS_PER_CALL = 20


def _reads(get: Callable[[str], Any], times: int) -> Op:
    loop = range(times)

    def run() -> None:
        for _ in loop:
            get(KEY)
    return run


class Systems:
    """How each system reads the key, made again in every process (after the fork) that measures it."""

    def __init__(self, address: str, token: str, workdir: Path, have_diskcache: bool, have_lmdb: bool) -> None:
        self.address, self.token, self.workdir = address, token, workdir
        self.names = [UNCACHED, CACHED, "Client.get, near cache"] + (["diskcache"] if have_diskcache else []) \
            + (["LMDB"] if have_lmdb else []) + ["dict"]
        with statestore.Client(address, token) as client:
            client.set(KEY, VALUE)
        if have_diskcache:
            import diskcache
            with diskcache.Cache(str(workdir / "diskcache")) as cache:
                cache.set(KEY, VALUE)
        if have_lmdb:
            import lmdb
            with lmdb.open(str(workdir / "lmdb"), map_size=1 << 26) as env, env.begin(write=True) as txn:
                txn.put(KEY.encode(), msgpack.packb(VALUE))

    def op(self, name: str) -> tuple[Op, int]:
        """An op reading the key many times, and how many reads it makes."""
        if name in (UNCACHED, CACHED):
            # The module-level function, as workers call it; configure() gives it the near cache.
            statestore.configure(near_cache=["bench:"] if name == CACHED else None)
            statestore.reset_default_client()
            statestore.state_get(KEY)
            reads = UNCACHED_READS_PER_CALL if name == UNCACHED else READS_PER_CALL
            return _reads(statestore.state_get, reads), reads
        if name == "Client.get, near cache":
            cached = statestore.Client(self.address, self.token, near_cache=["bench:"])
            cached.get(KEY)
            return _reads(cached.get, READS_PER_CALL), READS_PER_CALL
        if name == "diskcache":
            import diskcache
            return _reads(diskcache.Cache(str(self.workdir / "diskcache")).get, READS_PER_CALL), READS_PER_CALL
        if name == "LMDB":
            import lmdb
            env = lmdb.open(str(self.workdir / "lmdb"), readonly=True, lock=True, map_size=1 << 26)
            unpackb = msgpack.unpackb

            def lmdb_get(key: str) -> Any:
                with env.begin(buffers=True) as txn:
                    return unpackb(txn.get(key.encode()))
            return _reads(lmdb_get, READS_PER_CALL), READS_PER_CALL
        table = {KEY: VALUE}
        return _reads(table.get, READS_PER_CALL), READS_PER_CALL

    def one(self, name: str, seconds: float) -> float:
        op, reads = self.op(name)
        return rate(op, reads, seconds)

    def many(self, name: str, seconds: float) -> float:
        reads = UNCACHED_READS_PER_CALL if name == UNCACHED else READS_PER_CALL
        return parallel_rate(lambda: self.op(name)[0], seconds, reads)


def _reader(address: str, token: str, pause: float, ready: Any, stop: Any, results: Any) -> None:
    changes: list[tuple[float, int]] = []
    with statestore.Client(address, token, near_cache=["bench:"]) as client:
        last = client.get("bench:version", 0)
        ready.set()
        get, clock = client.get, time.monotonic
        reads = 1 if pause else 1000
        while not stop.is_set():
            for _ in range(reads):
                value = get("bench:version", 0)
                if value != last:
                    changes.append((clock(), value))
                    last = value
            if pause:
                time.sleep(pause)
    results.put(changes)


def invalidation_delays(address: str, token: str, updates: int, pause: float) -> list[float]:
    """Delays (seconds) from a write's acknowledgement to a near-cache reader in another process showing it; the
    reader spins on the key, or sleeps ``pause`` seconds between reads."""
    context = multiprocessing.get_context("fork")
    ready, stop, results = context.Event(), context.Event(), context.Queue()
    reader = context.Process(target=_reader, args=(address, token, pause, ready, stop, results))
    acknowledged: dict[int, float] = {}
    with statestore.Client(address, token) as writer:
        writer.set("bench:version", 0)
        reader.start()
        try:
            if not ready.wait(60):
                raise RuntimeError("the reader did not start")
            for value in range(1, updates + 1):
                time.sleep(random.uniform(0.002, 0.006))  # changes a few ms apart, at no fixed phase
                writer.set("bench:version", value)
                acknowledged[value] = time.monotonic()
            time.sleep(0.5)
            stop.set()
            changes = results.get(timeout=60)
        finally:
            reader.join(10)
            if reader.is_alive():
                reader.kill()
    if not changes or changes[-1][1] != updates or any(a[1] > b[1] for a, b in itertools.pairwise(changes)):
        raise RuntimeError(f"the reader did not show the values in order up to the last: {changes[-5:]}")
    # A value the reader skipped (the next write came first) counts as shown when a later one was.
    delays, position = [], 0
    for value in range(1, updates + 1):
        while changes[position][1] < value:
            position += 1
        delays.append(max(0.0, changes[position][0] - acknowledged[value]))
    return sorted(delays)


def _percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(fraction * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", type=Path, default=ROOT / "statestore-cli" / "target" / "statestore.jar")
    parser.add_argument("--seconds", type=float, default=0.6, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the best is kept")
    parser.add_argument("--updates", type=int, default=2000, help="writes timed for the invalidation delay")
    args = parser.parse_args()
    cannot_start = missing_java_or_jar(args.jar)
    if cannot_start:
        print(cannot_start, file=sys.stderr)
        return 2
    have_diskcache = importlib.util.find_spec("diskcache") is not None
    have_lmdb = importlib.util.find_spec("lmdb") is not None
    missing = ([] if have_diskcache else ["diskcache column left out: pip install diskcache"]) \
        + ([] if have_lmdb else ["LMDB column left out: pip install lmdb (or Debian python3-lmdb)"])
    for line in missing:
        print("missing: " + line, file=sys.stderr)
    started = Started()
    try:
        with time_limit(900):
            load_at_start = load_average()
            address, token = start_bridge(started, args.jar, "memory:", [])
            os.environ["STATESTORE_ADDRESS"], os.environ["STATESTORE_TOKEN"] = address, token
            systems = Systems(address, token, started.workdir, have_diskcache, have_lmdb)
            best: dict[tuple[str, str], float] = {}
            print("warming up ...", file=sys.stderr, flush=True)
            for name in systems.names:
                systems.one(name, args.seconds / 2)
            for round_number in range(args.rounds):
                print(f"round {round_number + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
                for name in systems.names:
                    for case, measure in (("1 process", systems.one), (f"{PROCESSES} processes", systems.many)):
                        best[(case, name)] = max(best.get((case, name), 0.0), measure(name, args.seconds))
            print("invalidation delay ...", file=sys.stderr, flush=True)
            delays = {pause: invalidation_delays(address, token, args.updates, pause) for pause in (0.0, 0.001)}
            load_at_end = load_average()
    finally:
        statestore.configure()
        statestore.reset_default_client()
        started.stop_all()

    extras = [f"switch interval {sys.getswitchinterval() * 1e3:g} ms"]
    print()
    print(f"Command: python3 benchmarks/python/near_cache.py --seconds {args.seconds} --rounds {args.rounds}"
          f" --updates {args.updates}")
    print(f"Machine: {machine_note(extras, load_at_start, load_at_end)}")
    print()
    header = ["case"] + [f"{name} reads/s" for name in systems.names] + ["near cache / state_get"] + [
        f"near cache / {name}" for name in ("diskcache", "LMDB") if name in systems.names]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for case in ("1 process", f"{PROCESSES} processes"):
        ours = best[(case, CACHED)]
        row = [case] + [fmt(best[(case, name)]) for name in systems.names] + [ratio(ours, best[(case, UNCACHED)])]
        row += [ratio(ours, best[(case, name)]) for name in ("diskcache", "LMDB") if name in systems.names]
        print("| " + " | ".join(row) + " |")
    print()
    print(f"Invalidation delay, write acknowledged -> a near-cache reader in another process shows it or a later"
          f" value ({args.updates} writes a few ms apart):")
    print()
    print("| reader | median | p90 | p99 | max |")
    print("|---|---|---|---|---|")
    for pause, measured in delays.items():
        reader = "spins on the key" if not pause else f"sleeps {pause * 1e3:g} ms between reads"
        print(f"| {reader} | " + " | ".join(f"{_percentile(measured, q) * 1e3:.2f} ms" for q in (0.5, 0.9, 0.99))
              + f" | {measured[-1] * 1e3:.2f} ms |")
    for line in missing:
        print("missing: " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
