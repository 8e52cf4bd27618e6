#!/usr/bin/env python3
"""The asyncio client against redis-py's asyncio client, and against the sync client, in one run.

README
======

What it measures: ``get`` and ``incr`` of one small key through ``statestore.aio.AsyncClient`` (one
connection) against a bridge over ``memory:`` on its Unix socket, and through ``redis.asyncio.Redis`` (its
default connection pool) against a private ``redis-server`` (no persistence) on its Unix socket: from 1 task,
and from 100 concurrent tasks of one event loop. In the same run, the sync ``statestore.Client`` one request
at a time (the 1-task reference), and the floor of any asyncio client: a bare ``asyncio.Protocol`` round trip
to the Java echo server of the benchmarks module with a frame the size of a get request. Each case runs for
``--seconds`` in ``--rounds`` interleaved rounds after a warm-up; the best round is shown (ops/s).
``--uvloop`` runs every asyncio case on uvloop's event loop instead of the standard one.

Needs: Java 17+, ``statestore-cli/target/statestore.jar`` and, for the echo floor,
``benchmarks/target/benchmarks.jar`` (``./mvnw -q -pl statestore-cli,benchmarks -am package -DskipTests``),
the ``msgpack`` package; for the Redis column ``redis-server`` and the ``redis`` package.

Run from the repository root::

    python3 benchmarks/python/async_compare.py            # about a minute

Every process the script starts is stopped before it exits, also on errors and Ctrl-C.
"""

from __future__ import annotations  # noqa: I001  (harness first: it puts statestore on sys.path)

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable, Coroutine

from harness import (
    ECHO_FRAME,
    KEY,
    ROOT,
    VALUE,
    Started,
    echo_class_path,
    fmt,
    load_average,
    machine_note,
    missing_java_or_jar,
    ratio,
    start_bridge,
    start_echo,
    start_redis,
)

import statestore  # the package from this source tree (harness puts it on sys.path)
from statestore.aio import AsyncClient

TASKS = 100
COUNTER = "bench:counter"

#: Makes ``count`` operations' worth of awaits; one case of one system.
Case = Callable[[int], Coroutine[Any, Any, None]]


async def rate(case: Case, tasks: int, seconds: float) -> float:
    """Runs ``case`` in ``tasks`` concurrent tasks, batch after batch, for ``seconds``; returns ops/s."""
    done, batch = 0, 200
    started = time.perf_counter()
    while True:
        await asyncio.gather(*(case(batch) for _ in range(tasks)))
        done += batch * tasks
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def repeat(operation: Callable[..., Any], *args: Any) -> Case:
    async def run(count: int) -> None:
        for _ in range(count):
            await operation(*args)
    return run


class EchoProtocol(asyncio.Protocol):
    """One request at a time: the future of the reply being waited for."""

    def __init__(self) -> None:
        self.waiting: asyncio.Future[bytes] | None = None

    def data_received(self, data: bytes) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(data)


async def echo_case(sock: Path) -> Case:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_unix_connection(EchoProtocol, str(sock))

    async def run(count: int) -> None:
        for _ in range(count):
            protocol.waiting = loop.create_future()
            transport.write(ECHO_FRAME)
            await protocol.waiting
    return run


async def measure(args: argparse.Namespace, address: str, token: str, redis_sock: Path | None,
                  echo_sock: Path | None) -> dict[tuple[str, str], float]:
    client = AsyncClient(address, token)
    await client.set(KEY, VALUE)
    await client.set(COUNTER, 0)
    cases: dict[tuple[str, str], tuple[Case, int]] = {}
    for tasks, label in ((1, "1 task"), (TASKS, f"{TASKS} tasks")):
        cases[("statestore.aio", f"get, {label}")] = (repeat(client.get, KEY), tasks)
        cases[("statestore.aio", f"incr, {label}")] = (repeat(client.incr, COUNTER), tasks)
    if redis_sock is not None:
        import redis.asyncio
        redis_client = redis.asyncio.Redis(unix_socket_path=str(redis_sock))
        await redis_client.set(KEY, VALUE)
        for tasks, label in ((1, "1 task"), (TASKS, f"{TASKS} tasks")):
            cases[("redis.asyncio", f"get, {label}")] = (repeat(redis_client.get, KEY), tasks)
            cases[("redis.asyncio", f"incr, {label}")] = (repeat(redis_client.incr, COUNTER), tasks)
    if echo_sock is not None:
        cases[("asyncio echo", "get, 1 task")] = (await echo_case(echo_sock), 1)
    sync_client = statestore.Client(address, token)

    def sync_rate(operation: Callable[[str], Any], key: str, seconds: float) -> float:
        done, started = 0, time.perf_counter()
        while True:
            for _ in range(1000):
                operation(key)
            done += 1000
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                return done / elapsed

    best: dict[tuple[str, str], float] = {}
    for (system, case), (run, tasks) in cases.items():  # warm-up
        await rate(run, tasks, args.seconds / 3)
    for round_number in range(args.rounds):
        print(f"round {round_number + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
        for key, (run, tasks) in cases.items():
            best[key] = max(best.get(key, 0.0), await rate(run, tasks, args.seconds))
        for case, operation, key in (("get, 1 task", sync_client.get, KEY), ("incr, 1 task", sync_client.incr,
                                                                            COUNTER)):
            best[("statestore sync", case)] = max(best.get(("statestore sync", case), 0.0),
                                                  sync_rate(operation, key, args.seconds))
    sync_client.close()
    await client.close()
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", type=Path, default=ROOT / "statestore-cli" / "target" / "statestore.jar")
    parser.add_argument("--echo-jar", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=0.6, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best is kept")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop's event loop (pip install uvloop)")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    cannot_start = missing_java_or_jar(args.jar)
    if cannot_start:
        print(cannot_start, file=sys.stderr)
        return 2
    started = Started()
    try:
        load_at_start = load_average()
        address, token = start_bridge(started, args.jar, "memory:")
        redis_sock: Path | None = None
        try:
            import redis.asyncio  # noqa: F401  (only to know it is there)
            redis_sock = start_redis(started)
        except (ImportError, OSError, RuntimeError) as error:
            print(f"Redis column left out: {error}", file=sys.stderr)
        echo_jar = echo_class_path(args.echo_jar)
        echo_sock = start_echo(started, echo_jar) if echo_jar is not None else None
        best = asyncio.run(measure(args, address, token, redis_sock, echo_sock))
        print()
        print(f"Command: python3 benchmarks/python/async_compare.py --seconds {args.seconds} --rounds {args.rounds}"
              + (" --uvloop" if args.uvloop else ""))
        print(f"Machine: {machine_note(load_at_start=load_at_start, load_at_end=load_average())}")
        print()
        print("| case | statestore.aio ops/s | redis.asyncio ops/s | statestore.aio / redis.asyncio "
              "| statestore sync ops/s | aio time / sync time |")
        print("|---|---|---|---|---|---|")
        for case in ("get, 1 task", "incr, 1 task", f"get, {TASKS} tasks", f"incr, {TASKS} tasks"):
            ours, theirs = best.get(("statestore.aio", case)), best.get(("redis.asyncio", case))
            sync = best.get(("statestore sync", case))
            print(f"| {case} | {fmt(ours)} | {fmt(theirs)} | {ratio(ours, theirs)} | {fmt(sync)} "
                  f"| {ratio(sync, ours)} |")
        echo = best.get(("asyncio echo", "get, 1 task"))
        if echo:
            print()
            print(f"Floor: a bare asyncio.Protocol round trip to the Java echo server, 1 task: {fmt(echo)}/s "
                  f"({1e6 / echo:.1f} us); the sync client's get takes "
                  f"{1e6 / best[('statestore sync', 'get, 1 task')]:.1f} us")
        return 0
    finally:
        started.stop_all()


if __name__ == "__main__":
    sys.exit(main())
