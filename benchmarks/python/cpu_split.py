#!/usr/bin/env python3
"""Where a round trip's time goes: CPU time per request on each side, for the echo server and the bridge.

README
======

One Python client makes ``--requests`` round trips, one at a time, of each case: a bare echo round trip
to the Java echo server of the benchmarks module, ``Client.get`` and ``Client.incr`` against a bridge over
``memory:``, all on their Unix sockets. Every process (and every thread of the servers) is pinned to one
CPU, so that nothing runs in parallel and the CPU times add up to the wall time. For each case it prints
the wall time per request and the CPU time per request split into the client's user and system time, the
server process's, and the server's busiest thread's (the one serving the connection), from ``os.times()``
and ``/proc``. Two passes; the second is after every path was compiled.

Needs: Java 17+, ``statestore-cli/target/statestore.jar`` and ``benchmarks/target/benchmarks.jar``
(``./mvnw -q -pl statestore-cli,benchmarks -am package -DskipTests``), the ``msgpack`` package, Linux.

Run from the repository root::

    python3 benchmarks/python/cpu_split.py            # about 30 s
"""

from __future__ import annotations  # noqa: I001  (harness first: it puts statestore on sys.path)

import argparse
import os
import sys
import time
from pathlib import Path

from harness import (
    KEY,
    ROOT,
    VALUE,
    Started,
    echo_class_path,
    echo_round_trips,
    load_average,
    machine_note,
    missing_java_or_jar,
    pin,
    start_bridge,
    start_echo,
)

import statestore  # the package from this source tree (harness puts it on sys.path)

TICKS = os.sysconf("SC_CLK_TCK")


def thread_times(pid: int) -> dict[str, tuple[float, float]]:
    """User and system seconds of every thread of ``pid``."""
    times = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended
        times[tid] = (int(fields[11]) / TICKS, int(fields[12]) / TICKS)
    return times


def split(loop: object, server_pid: int, requests: int) -> str:
    """Runs ``loop(requests)`` and returns its per-request wall and CPU times as one line."""
    before_threads, before_client, started_at = thread_times(server_pid), os.times(), time.perf_counter()
    loop(requests)  # type: ignore[operator]
    wall = time.perf_counter() - started_at
    client, after_threads = os.times(), thread_times(server_pid)

    def spent(tid: str) -> tuple[float, float]:
        user, system = before_threads.get(tid, (0.0, 0.0))
        return after_threads[tid][0] - user, after_threads[tid][1] - system
    server_user = sum(spent(tid)[0] for tid in after_threads)
    server_system = sum(spent(tid)[1] for tid in after_threads)
    busiest = spent(max(after_threads, key=lambda tid: sum(spent(tid))))

    def us(seconds: float) -> str:
        return f"{seconds / requests * 1e6:5.2f}"
    return (f"| {us(wall)} | {us(client.user - before_client.user)} | {us(client.system - before_client.system)} "
            f"| {us(server_user)} | {us(server_system)} | {us(busiest[0])} | {us(busiest[1])} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", type=Path, default=ROOT / "statestore-cli" / "target" / "statestore.jar")
    parser.add_argument("--echo-jar", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=200_000, help="round trips per case and pass")
    parser.add_argument("--cpu", type=int, default=1, help="the CPU every process is pinned to")
    args = parser.parse_args()
    echo_jar = echo_class_path(args.echo_jar)
    cannot_start = missing_java_or_jar(args.jar) or (None if echo_jar else "no echo server: build benchmarks")
    if cannot_start:
        print(cannot_start, file=sys.stderr)
        return 2
    started = Started()
    try:
        load_at_start = load_average()
        echo_sock = start_echo(started, echo_jar)
        echo_pid = started.processes[-1].pid
        address, token = start_bridge(started, args.jar, "memory:")
        bridge_pid = started.processes[-1].pid
        pin(args.cpu, [echo_pid, bridge_pid])
        client = statestore.Client(address, token)
        client.set(KEY, VALUE)
        echo = echo_round_trips(echo_sock, 1)

        def echo_loop(count: int) -> None:
            for _ in range(count):
                echo()

        def get_loop(count: int) -> None:
            get = client.get
            for _ in range(count):
                get(KEY)

        def incr_loop(count: int) -> None:
            incr = client.incr
            for _ in range(count):
                incr("bench:counter")

        cases = (("echo", echo_loop, echo_pid), ("get", get_loop, bridge_pid), ("incr", incr_loop, bridge_pid))
        for _, loop, _ in cases:
            loop(args.requests // 10)  # warm up
        print(f"Command: python3 benchmarks/python/cpu_split.py --requests {args.requests} --cpu {args.cpu}")
        print()
        print("| us per request | wall | client user | client sys | server user | server sys "
              "| connection thread user | connection thread sys |")
        print("|---|---|---|---|---|---|---|---|")
        for pass_number in (1, 2):
            for name, loop, pid in cases:
                print(f"| {name}, pass {pass_number} " + split(loop, pid, args.requests))
        print()
        print(f"Machine: {machine_note(load_at_start=load_at_start, load_at_end=load_average())}; "
              f"everything pinned to CPU {args.cpu}")
        client.close()
        return 0
    finally:
        started.stop_all()


if __name__ == "__main__":
    sys.exit(main())
