"""Locks across two JVMs, each a Hazelcast member serving a bridge (docs/locks.md): 8 worker processes share
one lock 2,000 times and a semaphore of 2; a holder killed on one JVM lets a waiter on the other in; a JVM
killed under its holder's lease keeps it until its ttl passes, and not longer than needed after."""

import itertools
import multiprocessing
import os
import signal
import time
from typing import Any

from statestore import Client

from lock_workers import grant_after

ACQUISITIONS = 2_000
WORKERS_PER_JVM = 4


def _take_turns(address: str, token: str, name: str, permits: int, total: int, hold: float, start: Any,
                results: Any) -> None:
    """Takes the lease until ``total`` grants were made in all, noting each grant's token and times."""
    held = []
    with Client(address, token) as client:
        start.wait()
        while True:
            with client.semaphore(name, permits, ttl=30, timeout=60) as lease:
                acquired = time.monotonic()
                count = client.incr(f"{name}:grants")
                if hold:
                    time.sleep(hold)
                released = time.monotonic()
            if count > total:
                break
            held.append((lease.token, acquired, released))
    results.put(held)


def _run_workers(cluster: list[Any], name: str, permits: int, total: int, hold: float) -> list[tuple]:
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_take_turns, args=(bridge.address("unix"), bridge.token, name, permits,
                                                         total, hold, start, results))
               for bridge in cluster for _ in range(WORKERS_PER_JVM)]
    for worker in workers:
        worker.start()
    try:
        start.set()
        grants = [grant for _ in workers for grant in results.get(timeout=300)]
    finally:
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.kill()
    return grants


def test_eight_processes_on_two_jvms_share_one_lock_2000_times(cluster: list[Any]) -> None:
    started = time.monotonic()
    grants = sorted(_run_workers(cluster, "mutex", 1, ACQUISITIONS, 0.0), key=lambda grant: grant[1])
    elapsed = time.monotonic() - started
    assert len(grants) == ACQUISITIONS
    for (token, _, released), (next_token, acquired, _) in itertools.pairwise(grants):
        assert acquired >= released, f"token {next_token} was held from {acquired} before {token} ended at {released}"
        assert next_token > token, f"token {next_token} granted after {token}"
    print(f"\n{ACQUISITIONS} grants of one lock to {2 * WORKERS_PER_JVM} processes on 2 JVMs in {elapsed:.1f} s: "
          f"no overlap, tokens strictly increasing in grant order")


def test_a_semaphore_of_two_never_has_three_holders(cluster: list[Any]) -> None:
    grants = _run_workers(cluster, "pair", 2, 300, 0.003)
    events = sorted([(acquired, 1) for _, acquired, _ in grants] + [(released, -1) for _, _, released in grants])
    holding = most = 0
    for _, change in events:
        holding += change
        most = max(most, holding)
    assert len(grants) == 300
    assert most == 2, f"at most {most} holders at once"


def test_a_holder_killed_on_one_jvm_lets_a_waiter_on_the_other_in(cluster: list[Any]) -> None:
    delay, _ = grant_after(cluster[1], cluster[0], 30, lambda holder: os.kill(holder.pid, signal.SIGKILL))
    print(f"\nwaiter on the other JVM granted {delay * 1e3:.1f} ms after the holder was killed")
    assert delay < 0.5


def test_a_killed_jvm_holds_its_holders_lease_until_the_ttl_passes(cluster: list[Any]) -> None:
    """Last in this module: it kills the second JVM (member and bridge) with kill -9."""
    ttl = 4.0
    since_kill, since_request = grant_after(cluster[1], cluster[0], ttl, lambda _: cluster[1].process.kill())
    print(f"\nJVM of the holder killed {since_request - since_kill:.2f} s into a {ttl:.0f} s lease; the waiter on the"
          f" other JVM was granted {since_request:.2f} s after the lease was asked for")
    assert since_request >= ttl, "granted before the lease's ttl passed"
    assert since_request < ttl + 10
