#!/usr/bin/env python3
"""What a lock costs through the bridge: an uncontended lock + release against round trips and redis-py's Lock,
and the hand-off delay from one holder's release to the next holder's grant.

README
======

* ``lock + release``: ``Client.lock(name)`` then ``release()``, nobody else wanting the lock, through a bridge
  over ``memory:`` (Unix socket); the requests each makes are counted (an acquire and a release);
* ``ping``: one round trip, the unit; ``get``: one round trip with a store read;
* ``redis Lock``: redis-py's ``Lock`` (``SET NX PX``, and a Lua script to release), against a private
  ``redis-server`` over a Unix socket, when installed.

Best of ``--rounds`` interleaved rounds of ``--seconds``. The hand-off: ``--processes`` processes take the lock
``--grants`` times in all, each holding it 1-3 ms; when a grant follows another process's release, the delay
from that release call to the grant's return is one sample (the clock is the machine's monotonic clock, shared
by the processes).

Needs the jar (``./mvnw -q -pl statestore-cli -am package -DskipTests``); for the Redis column ``redis-server``
and the ``redis`` package. Run from the repository root::

    python3 benchmarks/python/locks.py
"""

from __future__ import annotations  # noqa: I001  (harness first: it puts statestore on sys.path)

import argparse
import importlib.util
import itertools
import multiprocessing
import random
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import (
    ROOT,
    Started,
    fmt,
    load_average,
    machine_note,
    missing_java_or_jar,
    rate,
    start_bridge,
    start_redis,
    time_limit,
)

import statestore  # the package from this source tree (harness puts it on sys.path)

if TYPE_CHECKING:
    from harness import Op

CALLS = 50


class _CountingConnection:
    """A client's connection, counting its requests."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.requests = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)

    def call(self, op: str, args: Any, if_nil: Any = None) -> Any:
        self.requests += 1
        return self.connection.call(op, args, if_nil)


def _times(op: Any, times: int) -> Op:
    loop = range(times)

    def run() -> None:
        for _ in loop:
            op()
    return run


def _turns(address: str, token: str, grants: int, start: Any, results: Any) -> None:
    taken = []
    with statestore.Client(address, token) as client:
        start.wait()
        while True:
            lease = client.lock("handoff", ttl=30, timeout=60)
            acquired = time.monotonic()
            count = client.incr("handoff:grants")
            time.sleep(random.uniform(0.001, 0.003))
            released = time.monotonic()
            lease.release()
            if count > grants:
                break
            taken.append((lease.token, acquired, released))
    results.put(taken)


def handoff_delays(address: str, token: str, processes: int, grants: int) -> list[float]:
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_turns, args=(address, token, grants, start, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        start.set()
        taken = []
        for index in range(processes):
            taken += [(*grant, index) for grant in results.get(timeout=300)]
    finally:
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.kill()
    taken.sort()
    return sorted(after[1] - before[2] for before, after in itertools.pairwise(taken) if before[3] != after[3])


def _percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(fraction * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", type=Path, default=ROOT / "statestore-cli" / "target" / "statestore.jar")
    parser.add_argument("--seconds", type=float, default=0.6)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--grants", type=int, default=2000)
    args = parser.parse_args()
    cannot_start = missing_java_or_jar(args.jar)
    if cannot_start:
        print(cannot_start, file=sys.stderr)
        return 2
    have_redis = shutil.which("redis-server") is not None and importlib.util.find_spec("redis") is not None
    started = Started()
    try:
        with time_limit(900):
            load_at_start = load_average()
            address, token = start_bridge(started, args.jar, "memory:", [])
            client = statestore.Client(address, token)
            counting = _CountingConnection(client.connection)
            client.connection = counting  # type: ignore[assignment]
            before = counting.requests
            client.lock("bench-lock").release()
            requests = counting.requests - before
            client.connection = counting.connection
            cases: dict[str, Op] = {
                "ping": _times(client.ping, CALLS),
                "get": _times(lambda: client.get("bench:key"), CALLS),
                "lock + release": _times(lambda: client.lock("bench-lock").release(), CALLS),
            }
            if have_redis:
                import redis
                redis_client = redis.Redis(unix_socket_path=str(start_redis(started)))
                started.cleanups.append(redis_client.close)

                def redis_lock() -> None:
                    lock = redis_client.lock("bench-lock", timeout=30)
                    lock.acquire()
                    lock.release()
                cases["redis Lock"] = _times(redis_lock, CALLS)
                cases["redis ping"] = _times(redis_client.ping, CALLS)
            best: dict[str, float] = {}
            for op in cases.values():
                rate(op, CALLS, args.seconds / 2)
            for round_number in range(args.rounds):
                print(f"round {round_number + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
                for name, op in cases.items():
                    best[name] = max(best.get(name, 0.0), rate(op, CALLS, args.seconds))
            print("hand-off ...", file=sys.stderr, flush=True)
            delays = handoff_delays(address, token, args.processes, args.grants)
            client.close()
            load_at_end = load_average()
    finally:
        started.stop_all()

    print()
    print(f"Command: python3 benchmarks/python/locks.py --seconds {args.seconds} --rounds {args.rounds} "
          f"--processes {args.processes} --grants {args.grants}")
    print(f"Machine: {machine_note((), load_at_start, load_at_end)}")
    print()
    print("| case | per second | microseconds | in round trips (ping) |")
    print("|---|---|---|---|")
    for name, per_second in best.items():
        unit = best["redis ping" if name.startswith("redis") else "ping"]
        print(f"| {name} | {fmt(per_second)} | {1e6 / per_second:.1f} | {unit / per_second:.2f} |")
    print()
    print(f"lock + release sent {requests} requests to the bridge")
    print(f"Hand-off, release call -> the next holder's grant returns ({len(delays)} hand-offs between "
          f"{args.processes} processes): median {_percentile(delays, 0.5) * 1e3:.2f} ms, p90 "
          f"{_percentile(delays, 0.9) * 1e3:.2f} ms, p99 {_percentile(delays, 0.99) * 1e3:.2f} ms, max "
          f"{delays[-1] * 1e3:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
