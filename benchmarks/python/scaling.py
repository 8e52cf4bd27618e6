#!/usr/bin/env python3
"""How the bridge's aggregate throughput holds as client processes multiply, against Redis.

README
======

What it measures, in one run on one machine: ``state_get`` of one small key from N forked Python
processes at once, each with its own connection, against a bridge over ``memory:`` on its Unix socket,
redis-py's ``get`` against a private ``redis-server`` (no persistence) on its Unix socket, and bare round
trips of a frame the size of a get request to the Java echo server of the benchmarks module (a thread per
connection that sends every frame back and does nothing else: what any server costs; and the same with
one thread serving every connection through a selector, as Redis does), for N in
``--processes`` (default 1, 4, 16, 64, 128, 256). For each N: the total operations per second (median of
``--rounds`` interleaved rounds), its share of the system's best total over every N ("of peak"), and the
bridge JVM's threads and resident memory while the N clients are connected (from ``/proc``).

The bridge is started with ``--max-connections`` above the largest N, so that every client is served.

Needs: Java 17+, ``statestore-cli/target/statestore.jar`` (``./mvnw -q -pl statestore-cli -am package
-DskipTests``), the ``msgpack`` package; for the Redis column ``redis-server`` and the ``redis`` package.

Run from the repository root::

    python3 benchmarks/python/scaling.py                    # about 3 minutes
    python3 benchmarks/python/scaling.py --processes 1,16,256 --seconds 1 --rounds 1

Every process the script starts is stopped before it exits, also on errors and Ctrl-C.
"""

from __future__ import annotations  # noqa: I001  (harness first: it puts statestore on sys.path)

import argparse
import os
import statistics
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from harness import (
    ECHO_SERVER,
    KEY,
    ROOT,
    VALUE,
    Started,
    echo_class_path,
    echo_round_trips,
    fmt,
    load_average,
    machine_note,
    missing_java_or_jar,
    parallel_measure,
    start_bridge,
    start_echo,
    start_redis,
)

import statestore  # the package from this source tree (harness puts it on sys.path)

if TYPE_CHECKING:
    from harness import Op

OPS_PER_CALL = 100


def bridge_resources(pid: int) -> tuple[int, int]:
    """The bridge JVM's thread count and resident memory in MiB, from /proc (0, 0 where there is none)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    threads = int(fields.get("Threads", "0").strip())
    rss_kib = int(fields.get("VmRSS", "0 kB").split()[0])
    return threads, rss_kib // 1024


class Sampler:
    """Samples the bridge's threads and memory in the background while a measurement runs; keeps the most."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.most = (0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            threads, rss = bridge_resources(self.pid)
            self.most = (max(self.most[0], threads), max(self.most[1], rss))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def statestore_op(address: str, token: str) -> Op:
    """Made in each child after the fork: its own connection, then 100 gets per call."""
    os.environ["STATESTORE_ADDRESS"] = address
    os.environ["STATESTORE_TOKEN"] = token
    statestore.reset_default_client()
    get = statestore.state_get
    loop = range(OPS_PER_CALL)

    def run() -> None:
        for _ in loop:
            get(KEY)
    return run


def redis_op(sock: Path) -> Op:
    import redis
    client = redis.Redis(unix_socket_path=str(sock))
    get = client.get
    loop = range(OPS_PER_CALL)

    def run() -> None:
        for _ in loop:
            get(KEY)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", type=Path, default=ROOT / "statestore-cli" / "target" / "statestore.jar")
    parser.add_argument("--echo-jar", type=Path, default=None,
                        help="class path of the echo server (default: benchmarks/target/benchmarks.jar, "
                             "else benchmarks/target/classes)")
    parser.add_argument("--processes", default="1,4,16,64,128,256",
                        help="comma-separated numbers of client processes")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is shown")
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    cannot_start = missing_java_or_jar(args.jar)
    if cannot_start:
        print(cannot_start, file=sys.stderr)
        return 2
    started = Started()
    try:
        load_at_start = load_average()
        address, token = start_bridge(started, args.jar, "memory:",
                                      ["--max-connections", str(max(counts) + 16)])
        bridge_pid = started.processes[-1].pid
        with statestore.Client(address, token) as client:
            client.set(KEY, VALUE)
        systems: dict[str, object] = {"statestore": lambda: statestore_op(address, token)}
        echo_jar = echo_class_path(args.echo_jar)
        if echo_jar is None:
            print(f"echo column left out: no {ECHO_SERVER} in {args.echo_jar or 'benchmarks/target'} "
                  f"(./mvnw -q -pl benchmarks -am package -DskipTests)", file=sys.stderr)
        else:
            echo_sock = start_echo(started, echo_jar)
            systems["echo"] = lambda: echo_round_trips(echo_sock, OPS_PER_CALL)
            loop_sock = start_echo(started, echo_jar, event_loop=True)
            systems["echo, event loop"] = lambda: echo_round_trips(loop_sock, OPS_PER_CALL)
        try:
            import redis
            sock = start_redis(started)
            redis.Redis(unix_socket_path=str(sock)).set(KEY, VALUE)
            systems["redis"] = lambda: redis_op(sock)
        except (ImportError, OSError, RuntimeError) as error:
            print(f"Redis column left out: {error}", file=sys.stderr)
        rates: dict[tuple[str, int], list[float]] = {}
        resources: dict[int, tuple[int, int]] = {}
        for round_number in range(args.rounds):
            for count in counts:
                for name, make in systems.items():
                    sampler = Sampler(bridge_pid)
                    sampler.start()
                    try:
                        measured = parallel_measure(make, args.seconds, OPS_PER_CALL, processes=count)
                    finally:
                        sampler.stop()
                    rates.setdefault((name, count), []).append(measured.rate)
                    print(f"  round {round_number + 1}: {count:4d} processes {name:10s} {measured.rate:>10,.0f}"
                          f" ops/s", file=sys.stderr, flush=True)
                    if name == "statestore":
                        resources[count] = max(resources.get(count, (0, 0)), sampler.most)
        median = {key: statistics.median(values) for key, values in rates.items()}
        peaks = {name: max(median[(name, count)] for count in counts) for name in systems}
        print()
        print(f"Command: python3 benchmarks/python/scaling.py --processes {args.processes} "
              f"--seconds {args.seconds} --rounds {args.rounds}")
        print(f"Machine: {machine_note(load_at_start=load_at_start, load_at_end=load_average())}")
        print()
        header = ["processes"]
        for name in systems:
            header += [f"{name} ops/s", "of peak"]
        header += ["bridge threads (most)", "bridge RSS MiB (most)"]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for count in counts:
            row = [str(count)]
            for name in systems:
                row += [fmt(median[(name, count)]), f"{median[(name, count)] / peaks[name]:.0%}"]
            threads, rss = resources.get(count, (0, 0))
            row += [str(threads), str(rss)]
            print("| " + " | ".join(row) + " |")
        return 0
    finally:
        statestore.reset_default_client()
        started.stop_all()


if __name__ == "__main__":
    sys.exit(main())
