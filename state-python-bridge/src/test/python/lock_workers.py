"""Worker processes of the lock tests (test_locks.py, test_locks_cluster.py): a holder that takes the lock
"victim" and then sleeps until it is killed or frozen, and a waiter that notes when it is granted."""

import multiprocessing
import time
from typing import Any, Callable

from statestore import Client


def _hold(address: str, token: str, ttl: float, held: Any) -> None:
    with Client(address, token) as client:
        requested = time.monotonic()
        client.lock("victim", ttl=ttl)
        held.put(requested)
        time.sleep(600)


def _wait_for_lock(address: str, token: str, waiting: Any, granted: Any) -> None:
    with Client(address, token) as client:
        waiting.set()
        client.lock("victim", ttl=30, timeout=60)
        granted.put(time.monotonic())


def holder_then_waiter(holder_bridge: Any, waiter_bridge: Any, ttl: float) -> tuple[Any, Any, Any, float]:
    """Starts a process holding "victim" for ``ttl`` through ``holder_bridge``, then one waiting for it through
    ``waiter_bridge``; returns both processes, the queue the waiter puts its grant's time in, and when the holder
    asked for its lease (monotonic clock)."""
    context = multiprocessing.get_context("fork")
    held, waiting, granted = context.Queue(), context.Event(), context.Queue()
    holder = context.Process(target=_hold, args=(holder_bridge.address("unix"), holder_bridge.token, ttl, held))
    holder.start()
    requested = held.get(timeout=30)
    waiter = context.Process(target=_wait_for_lock, args=(waiter_bridge.address("unix"), waiter_bridge.token,
                                                          waiting, granted))
    waiter.start()
    assert waiting.wait(30)
    time.sleep(0.5)  # the waiter is waiting in its bridge
    return holder, waiter, granted, requested


def grant_after(holder_bridge: Any, waiter_bridge: Any, ttl: float, fault: Callable[[Any], None]) -> tuple[float, float]:
    """Has a holder take "victim" through ``holder_bridge`` for ``ttl`` and a waiter wait for it through
    ``waiter_bridge``, does ``fault`` to the holder's process, and returns how long after the fault, and after the
    holder asked for its lease, the waiter was granted it. Both processes are gone afterwards."""
    holder, waiter, granted, requested = holder_then_waiter(holder_bridge, waiter_bridge, ttl)
    try:
        faulted = time.monotonic()
        fault(holder)
        at = granted.get(timeout=60)
    finally:
        for process in (holder, waiter):
            process.kill()
            process.join(10)
    return at - faulted, at - requested
