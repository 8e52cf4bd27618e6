#!/usr/bin/env python3
"""Compare the statestore Python bridge with Redis (redis-py) and multiprocessing.Manager.

README
======

What it measures, in one run on one machine (read the ratios, not the absolute figures):

* ``statestore``: a bridge started from the jar over ``memory:``, reached over its Unix socket
  with the module-level functions (``state_get``/``state_set``/``state_incr``) and ``Pipeline``;
* ``redis``: a private ``redis-server`` (no persistence, port 0, a Unix socket in a temp
  directory) reached with redis-py over that socket (``pipeline(transaction=False)``);
* ``Manager``: a ``multiprocessing.Manager().dict()`` (incr = read and write under a manager
  ``Lock``, the usual way to make it atomic; no pipelines);
* the reference ``echo``: a bare Python socket round trip against the Java echo server of the
  benchmarks module (a frame the size of a ``state_get`` request sent, the echoed frame read),
  i.e. the least a request over this socket can cost from Python.

Cases: get, set and incr one at a time on one connection; pipelined batches of 100; and 4
processes in parallel (each with its own connection). After a warm-up of every case (the JVM
compiles the server's hot paths in its first seconds), each measurement runs ``--seconds`` and
the best of ``--rounds`` interleaved rounds is kept.

Needs: Java 17+, ``statestore-cli/target/statestore.jar`` (``./mvnw -q -pl
statestore-cli -am package -DskipTests``), ``benchmarks/target/benchmarks.jar`` for the
echo reference (``./mvnw -q -pl benchmarks -am package -DskipTests``), the ``msgpack`` package,
and for the Redis column ``redis-server`` on PATH plus the ``redis`` package (``apt-get install
redis-server``, ``pip install redis``). Whatever is missing is named and its column left out.

Run from the repository root::

    python3 benchmarks/python/compare.py            # about a minute
    python3 benchmarks/python/compare.py --seconds 0.5 --rounds 1   # quick look

Every process the script starts (bridge, echo server, redis-server, manager, workers) is
stopped before it exits, also on errors and Ctrl-C.
"""

from __future__ import annotations  # noqa: I001  (harness first: it puts statestore on sys.path)

import argparse
import importlib.util
import multiprocessing
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness import (
    ECHO_FRAME,
    ECHO_SERVER,
    KEY,
    PROCESSES,
    ROOT,
    VALUE,
    Started,
    echo_class_path,
    echo_round_trips,
    fmt,
    load_average,
    machine_note,
    missing_java_or_jar,
    parallel_rate,
    pin,
    rate,
    ratio,
    start_bridge,
    start_echo,
    start_redis,
)

import statestore  # the package from this source tree (harness puts it on sys.path)

if TYPE_CHECKING:
    from collections.abc import Callable

    from harness import Op

BATCH = 100
# The second bridge, with metrics published, measured beside the first when --metrics is given.
METERED = "statestore+metrics"
# ---------------------------------------------------------------------------------------------
# measuring


def repeat(function: Callable[[str], None], times: int) -> Op:
    loop = range(times)

    def run() -> None:
        for _ in loop:
            function(KEY)
    return run


# ---------------------------------------------------------------------------------------------
# the systems


class System:
    name = ""

    def cases(self) -> dict[str, Callable[[float], float | None]]:
        raise NotImplementedError


class StateStoreSystem(System):
    def __init__(self, address: str, token: str, name: str = "statestore") -> None:
        self.name = name
        self.address = address
        self.token = token
        self.use()
        statestore.state_set(KEY, VALUE)
        statestore.state_set("bench:counter", 0)
        self.client = statestore.Client(address, token)

    def use(self) -> None:
        """Points the module-level functions, and the processes forked for a case, at this bridge."""
        if os.environ.get("STATESTORE_ADDRESS") != self.address:
            os.environ["STATESTORE_ADDRESS"] = self.address
            os.environ["STATESTORE_TOKEN"] = self.token
            statestore.reset_default_client()

    def cases(self) -> dict[str, Callable[[float], float | None]]:
        self.use()
        get, sset, incr = statestore.state_get, statestore.state_set, statestore.state_incr
        client = self.client

        def pipelined(op_name: str) -> Op:
            key = KEY if op_name == "get" else "bench:counter"

            def run() -> None:
                pipe = client.pipeline()
                queue = getattr(pipe, op_name)
                for _ in range(BATCH):
                    queue(key)
                pipe.execute()
            return run

        def set_value(key: str) -> None:
            sset(key, VALUE)

        def incr_counter(_: str) -> None:
            incr("bench:counter")

        def parallel(op: Callable[[str], object]) -> Callable[[], Op]:
            def make() -> Op:
                statestore.reset_default_client()  # fresh per process (forking does this too)
                return repeat(op, 100)
            return make

        return {
            "get": lambda s: rate(repeat(get, 1000), 1000, s),
            "set": lambda s: rate(repeat(set_value, 1000), 1000, s),
            "incr": lambda s: rate(repeat(incr_counter, 1000), 1000, s),
            f"pipeline {BATCH} x get": lambda s: rate(pipelined("get"), BATCH, s),
            f"pipeline {BATCH} x incr": lambda s: rate(pipelined("incr"), BATCH, s),
            f"{PROCESSES} processes get": lambda s: parallel_rate(parallel(get), s),
            f"{PROCESSES} processes incr": lambda s: parallel_rate(parallel(incr_counter), s),
        }


class RedisSystem(System):
    name = "redis"

    def __init__(self, sock: Path) -> None:
        import redis
        self.redis = redis
        self.sock = str(sock)
        self.client = redis.Redis(unix_socket_path=self.sock)
        self.client.set(KEY, VALUE)
        self.client.set("bench:counter", 0)

    def cases(self) -> dict[str, Callable[[float], float | None]]:
        client = self.client

        def pipelined(op_name: str) -> Op:
            key = KEY if op_name == "get" else "bench:counter"

            def run() -> None:
                pipe = client.pipeline(transaction=False)
                queue = getattr(pipe, op_name)
                for _ in range(BATCH):
                    queue(key)
                pipe.execute()
            return run

        def set_value(key: str) -> None:
            client.set(key, VALUE)

        def incr_counter(_: str) -> None:
            client.incr("bench:counter")

        def parallel(op_name: str) -> Callable[[], Op]:
            def make() -> Op:
                own = self.redis.Redis(unix_socket_path=self.sock)
                if op_name == "get":
                    return repeat(own.get, 100)
                return repeat(lambda _: own.incr("bench:counter"), 100)
            return make

        return {
            "get": lambda s: rate(repeat(client.get, 1000), 1000, s),
            "set": lambda s: rate(repeat(set_value, 1000), 1000, s),
            "incr": lambda s: rate(repeat(incr_counter, 1000), 1000, s),
            f"pipeline {BATCH} x get": lambda s: rate(pipelined("get"), BATCH, s),
            f"pipeline {BATCH} x incr": lambda s: rate(pipelined("incr"), BATCH, s),
            f"{PROCESSES} processes get": lambda s: parallel_rate(parallel("get"), s),
            f"{PROCESSES} processes incr": lambda s: parallel_rate(parallel("incr"), s),
        }

    def close(self) -> None:
        self.client.close()


class ManagerSystem(System):
    name = "Manager"

    def __init__(self, started: Started) -> None:
        self.manager = multiprocessing.get_context("fork").Manager()
        started.cleanups.append(self.manager.shutdown)
        self.state = self.manager.dict()
        self.lock = self.manager.Lock()
        self.state[KEY] = VALUE
        self.state["bench:counter"] = 0

    def manager_pid(self) -> int:
        """The manager's server process."""
        return self.manager._process.pid

    def cases(self) -> dict[str, Callable[[float], float | None]]:
        state, lock = self.state, self.lock

        def get(key: str) -> None:
            state.get(key)

        def set_value(key: str) -> None:
            state[key] = VALUE

        def incr_counter(_: str) -> None:
            with lock:
                state["bench:counter"] = state.get("bench:counter", 0) + 1

        return {
            "get": lambda s: rate(repeat(get, 1000), 1000, s),
            "set": lambda s: rate(repeat(set_value, 1000), 1000, s),
            "incr": lambda s: rate(repeat(incr_counter, 1000), 1000, s),
            f"pipeline {BATCH} x get": lambda s: None,
            f"pipeline {BATCH} x incr": lambda s: None,
            f"{PROCESSES} processes get": lambda s: parallel_rate(lambda: repeat(get, 100), s),
            f"{PROCESSES} processes incr": lambda s: parallel_rate(lambda: repeat(incr_counter, 100), s),
        }


# ---------------------------------------------------------------------------------------------
# report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", type=Path, default=ROOT / "statestore-cli" / "target" / "statestore.jar")
    parser.add_argument("--echo-jar", type=Path, default=None,
                        help="class path of the echo server (default: benchmarks/target/benchmarks.jar, "
                             "else benchmarks/target/classes)")
    parser.add_argument("--seconds", type=float, default=0.6, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the best is kept")
    parser.add_argument("--metrics", action="store_true",
                        help="also measure a second bridge that publishes metrics (serve --metrics), in the same"
                             " rounds: what publishing them costs")
    parser.add_argument("--pin", type=int, default=None, metavar="CPU",
                        help="run every server (all their threads) and every client on this one CPU, so that a"
                             " round trip never wakes an idle core")
    args = parser.parse_args()

    missing = []
    cannot_start = missing_java_or_jar(args.jar)
    if cannot_start:
        print(cannot_start, file=sys.stderr)
        return 2
    redis_reason = None
    if shutil.which("redis-server") is None:
        redis_reason = "redis-server is not on PATH (apt-get install redis-server)"
    else:
        if importlib.util.find_spec("redis") is None:
            redis_reason = "the redis package is not installed (pip install redis)"
    if redis_reason:
        missing.append(f"Redis column left out: {redis_reason}")
    echo_jar = echo_class_path(args.echo_jar)
    if echo_jar is None:
        missing.append(f"echo reference left out: no {ECHO_SERVER} in {args.echo_jar or 'benchmarks/target'} "
                       f"(build: ./mvnw -q -pl benchmarks -am package -DskipTests)")
    for line in missing:
        print("missing: " + line, file=sys.stderr)

    started = Started()
    try:
        note = machine_note()
        address, token = start_bridge(started, args.jar, "memory:", [])
        systems: list[System] = [StateStoreSystem(address, token)]
        if args.metrics:
            address, token = start_bridge(started, args.jar, "memory:", ["--metrics", "127.0.0.1:0"],
                                          socket_name="bridge-metrics.sock")
            systems.append(StateStoreSystem(address, token, METERED))
        if not redis_reason:
            systems.append(RedisSystem(start_redis(started)))
            started.cleanups.append(systems[-1].close)
        systems.append(ManagerSystem(started))
        echo_sock = start_echo(started, echo_jar) if echo_jar is not None else None
        if args.pin is not None:
            pin(args.pin, [process.pid for process in started.processes]
                + [system.manager_pid() for system in systems if isinstance(system, ManagerSystem)])

        case_names = list(systems[0].cases())
        best: dict[tuple[str, str], float | None] = {}
        echo_best: float | None = None
        # The JVM compiles the server's hot paths during the first seconds: warm every case first.
        print("warming up ...", file=sys.stderr, flush=True)
        if echo_sock is not None:
            rate(echo_round_trips(echo_sock, 1000), 1000, args.seconds / 2)
        for case in case_names:
            for system in systems:
                if not case.startswith(f"{PROCESSES} processes"):
                    system.cases()[case](args.seconds / 2)
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
            for case in case_names:
                if echo_sock is not None and case in ("get", "incr"):
                    # The reference next to the cases it is the floor of, so both see the same load.
                    echo_best = max(echo_best or 0.0, rate(echo_round_trips(echo_sock, 1000), 1000, args.seconds))
                for system in systems:
                    measured = system.cases()[case](args.seconds)
                    previous = best.get((system.name, case))
                    best[(system.name, case)] = (measured if previous is None or measured is None
                                                 else max(previous, measured))

        names = [system.name for system in systems]
        header = ["case"] + [f"{name} ops/s" for name in names]
        header += ["statestore / redis"] if "redis" in names else []
        header += ["statestore / Manager"]
        header += ["metrics on / off"] if METERED in names else []
        print()
        pinned = ("" if args.pin is None else f" --pin {args.pin}") + (" --metrics" if args.metrics else "")
        print(f"Command: python3 benchmarks/python/compare.py --seconds {args.seconds} --rounds {args.rounds}{pinned}")
        print(f"Machine: {note}, {load_average()} at end"
              + ("" if args.pin is None else f"; every server and client pinned to CPU {args.pin}"))
        print()
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for case in case_names:
            ours = best[("statestore", case)]
            row = [case] + [fmt(best[(name, case)]) for name in names]
            if "redis" in names:
                row.append(ratio(ours, best[("redis", case)]))
            row.append(ratio(ours, best[("Manager", case)]))
            if METERED in names:
                row.append(ratio(best[(METERED, case)], ours))
            print("| " + " | ".join(row) + " |")
        print()
        if echo_best:
            print(f"Reference: bare Python echo round trip over the Unix socket (Java EchoServer, "
                  f"{len(ECHO_FRAME)}-byte "
                  f"frame): {fmt(echo_best)} round trips/s")
            for case in ("get", "incr"):
                ours = best[("statestore", case)]
                print(f"  state_{case} costs {echo_best / ours:.2f}x an echo round trip "
                      f"({1e6 / ours:.1f} us vs {1e6 / echo_best:.1f} us)")
        for line in missing:
            print("missing: " + line)
        return 0
    finally:
        statestore.reset_default_client()
        started.stop_all()


if __name__ == "__main__":
    sys.exit(main())
