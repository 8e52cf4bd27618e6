"""Keys that expire, through the module functions, Client and the asyncio client (docs/expiry.md)."""

import asyncio
import multiprocessing
import time
from collections import Counter
from datetime import timedelta

import pytest

from statestore import (
    Client,
    InvalidArgumentError,
    aio,
    state_cas,
    state_decr,
    state_expire,
    state_get,
    state_incr,
    state_persist,
    state_set,
    state_set_multi,
    state_ttl,
)

SHORT = 0.4  # seconds: a time to live the tests wait out


def test_set_with_ttl_expires_and_ttl_reports_what_is_left(worker_env) -> None:
    state_set("session", {"user": 7}, ttl=60)
    left = state_ttl("session")
    assert left is not None and 59 < left <= 60
    state_set("brief", "v", ttl=SHORT)
    time.sleep(SHORT + 0.05)
    assert state_get("brief") is None
    assert state_ttl("brief") is None
    assert state_get("session") == {"user": 7}


def test_plain_set_ends_an_expiry_and_ttl_of_a_plain_key_is_none(worker_env) -> None:
    state_set("k", 1, ttl=60)
    state_set("k", 2)
    assert state_ttl("k") is None
    assert state_ttl("missing") is None


def test_incr_with_ttl_applies_only_when_it_creates_the_counter(worker_env) -> None:
    assert state_incr("window", 1, ttl=60) == 1
    first = state_ttl("window")
    assert state_incr("window", 1, ttl=5) == 2
    later = state_ttl("window")
    assert first is not None and later is not None and 55 < later <= first
    assert state_decr("down", 2, ttl=timedelta(minutes=1)) == -2
    left = state_ttl("down")
    assert left is not None and 59 < left <= 60


def test_expire_persist_cas_and_set_multi_with_ttl(worker_env) -> None:
    assert state_expire("absent", 10) is False
    state_set("k", "v")
    assert state_expire("k", 30.5) is True
    left = state_ttl("k")
    assert left is not None and 30 < left <= 30.5
    assert state_persist("k") is True
    assert state_persist("k") is False
    assert state_cas("lock", None, "me", ttl=60) is True
    assert state_ttl("lock") is not None
    state_set_multi({"a": 1, "b": 2}, ttl=60)
    assert state_ttl("a") is not None and state_ttl("b") is not None


def test_a_ttl_that_is_not_positive_is_refused_and_nothing_is_written(worker_env) -> None:
    for bad in (0, -1, -0.5):
        with pytest.raises(InvalidArgumentError, match="ttl"):
            state_set("k", "v", ttl=bad)
        with pytest.raises(InvalidArgumentError, match="ttl"):
            state_incr("n", 1, ttl=bad)
    with pytest.raises(InvalidArgumentError, match="ttl"):
        state_set("k", "v", ttl="soon")  # type: ignore[arg-type]
    assert state_get("k") is None
    assert state_get("n") is None


def test_client_methods_take_the_same_ttl(client: Client) -> None:
    client.set("k", "v", ttl=60)
    assert client.ttl("k") is not None
    assert client.expire("k", 120) is True
    left = client.ttl("k")
    assert left is not None and 119 < left <= 120
    assert client.persist("k") is True
    with client.pipeline() as pipe:
        pipe.set("p", 1, ttl=60).incr("q", 1, ttl=60).ttl("p")
        results = pipe.execute()
    assert results[0] is None and results[1] == 1 and results[2] is not None


def test_the_asyncio_client_takes_the_same_ttl(bridge) -> None:
    async def run() -> None:
        async with aio.AsyncClient(bridge.unix_address, bridge.token) as client:
            await client.set("k", "v", ttl=SHORT)
            assert await client.ttl("k") is not None
            assert await client.incr("w", 1, ttl=60) == 1
            assert await client.expire("w", 90) is True
            assert await client.persist("w") is True
            await asyncio.sleep(SHORT + 0.05)
            assert await client.get("k") is None
            await client.delete("w")

    asyncio.run(run())


WINDOW_SECONDS = 1.0
WINDOW_PROCESSES = 8
WINDOW_RUN_SECONDS = 3.0


def _count_in_windows(results: "multiprocessing.Queue[list[tuple[int, float]]]") -> None:
    replies: list[tuple[int, float]] = []
    deadline = time.monotonic() + WINDOW_RUN_SECONDS
    while time.monotonic() < deadline:
        replies.append((state_incr("rate:window", 1, ttl=WINDOW_SECONDS), time.monotonic()))
    results.put(replies)


def test_eight_processes_counting_one_second_windows_count_exactly(worker_env) -> None:
    context = multiprocessing.get_context("fork")
    results: "multiprocessing.Queue[list[tuple[int, float]]]" = context.Queue()
    workers = [context.Process(target=_count_in_windows, args=(results,)) for _ in range(WINDOW_PROCESSES)]
    for worker in workers:
        worker.start()
    replies = [reply for _ in workers for reply in results.get(timeout=60)]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    # Each window hands out 1, 2, ..., n once: the replies are a union of such runs exactly when the count
    # of each value never grows with the value (a lost or doubled increment makes a bump).
    counts = Counter(value for value, _ in replies)
    assert min(counts) == 1 and set(counts) == set(range(1, max(counts) + 1))
    assert all(counts[value] >= counts[value + 1] for value in range(1, max(counts))), counts
    # A window opens when an increment gets 1; the next one opens once it has expired, about a second later.
    openings = sorted(at for value, at in replies if value == 1)
    assert 3 <= len(openings) <= 4, openings
    gaps = [later - earlier for earlier, later in zip(openings, openings[1:])]
    assert all(WINDOW_SECONDS - 0.05 <= gap <= WINDOW_SECONDS + 0.25 for gap in gaps), gaps
    time.sleep(WINDOW_SECONDS + 0.05)
    assert state_get("rate:window") is None
