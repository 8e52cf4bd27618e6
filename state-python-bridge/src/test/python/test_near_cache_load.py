"""One writer process updates a key 10,000 times while 4 reader processes read it through their near caches in
a loop: no reader ever goes back to an older value, and each sees every update within a bound (docs/watch.md
gives the figures this prints)."""

import multiprocessing
import time
from typing import Any

from statestore import Client

UPDATES = 10_000
READERS = 4
KEY = "cfg:version"
#: The most a reader may take to see the last acknowledged update; far above what was measured (docs/watch.md).
LAST_UPDATE_BOUND_SECONDS = 5.0
DEADLINE_SECONDS = 120.0


def _writer(address: str, token: str, start: Any, results: Any) -> None:
    acknowledged = []
    with Client(address, token) as client:
        start.wait()
        for value in range(1, UPDATES + 1):
            client.set(KEY, value)
            acknowledged.append(time.monotonic())
    results.put(("writer", acknowledged))


def _reader(index: int, address: str, token: str, ready: Any, start: Any, results: Any) -> None:
    changes: list[tuple[float, int]] = []
    went_back = []
    with Client(address, token, near_cache=["cfg:"]) as client:
        last = client.get(KEY, 0)
        ready.put(index)
        start.wait()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while last < UPDATES and time.monotonic() < deadline:
            value = client.get(KEY, 0)
            if value != last:
                if value < last:
                    went_back.append((last, value))
                changes.append((time.monotonic(), value))
                last = value
    results.put((index, changes, went_back))


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def test_readers_never_go_back_and_see_every_update_in_time(bridge) -> None:
    address, token = bridge.address("unix"), bridge.token
    with Client(address, token) as client:
        client.delete(KEY)
    context = multiprocessing.get_context("fork")
    ready, results = context.Queue(), context.Queue()
    start = context.Event()
    processes = [context.Process(target=_reader, args=(i, address, token, ready, start, results))
                 for i in range(READERS)]
    processes.append(context.Process(target=_writer, args=(address, token, start, results)))
    for process in processes:
        process.start()
    try:
        for _ in range(READERS):
            ready.get(timeout=60)
        start.set()
        outcome = dict((item[0], item[1:]) for item in (results.get(timeout=DEADLINE_SECONDS + 30)
                                                        for _ in processes))
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
    (acknowledged,) = outcome["writer"]
    assert len(acknowledged) == UPDATES
    delays = []
    last_update_delays = []
    for index in range(READERS):
        changes, went_back = outcome[index]
        assert went_back == [], f"reader {index} went back to older values: {went_back[:5]}"
        assert changes and changes[-1][1] == UPDATES, f"reader {index} never saw the last update"
        # For each update, how long after its acknowledgement the reader first showed it or a later one.
        position = 0
        for value in range(1, UPDATES + 1):
            while changes[position][1] < value:
                position += 1
            delays.append(max(0.0, changes[position][0] - acknowledged[value - 1]))
        last_update_delays.append(delays[-1])
    delays.sort()
    print(f"\nnear cache, {READERS} readers x {UPDATES} updates ({bridge.store_uri.split(':')[0]}): delay from a write's "
          f"acknowledgement to a reader showing it: median {_percentile(delays, 0.5) * 1e3:.2f} ms, "
          f"p99 {_percentile(delays, 0.99) * 1e3:.2f} ms, max {delays[-1] * 1e3:.2f} ms; last update "
          f"{', '.join(f'{d * 1e3:.2f}' for d in last_update_delays)} ms; writer "
          f"{UPDATES / (acknowledged[-1] - acknowledged[0] + 1e-9):,.0f} updates/s")
    assert max(last_update_delays) < LAST_UPDATE_BOUND_SECONDS
