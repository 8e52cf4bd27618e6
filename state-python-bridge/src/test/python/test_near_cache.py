"""The near cache (statestore.nearcache, docs/watch.md): served from the process, dropped on the bridge's events,
a process reads its own writes, and a fetch that races an invalidation is never kept (hazelcast#25304)."""

import os
import subprocess
import sys
import time
from typing import Any

import pytest

import statestore
from statestore import Client, nearcache

WAIT = 10.0


def _eventually(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.001)


class _CountingConnection:
    """The client's own connection, counting the requests that reach the bridge."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.requests = 0

    def call(self, op: str, args: Any, if_nil: Any = None) -> Any:
        self.requests += 1
        return self.connection.call(op, args, if_nil)


def _set_and_settle(client: Client, key: str, value: Any) -> None:
    """Sets ``key`` and waits until the near cache has had the set's own event (which would drop what a read
    kept before it arrived)."""
    cache = client.near_cache
    assert cache is not None
    told = cache.events
    client.set(key, value)
    _eventually(lambda: cache.events > told, f"the event of setting {key} never arrived")


@pytest.fixture
def cached(bridge) -> Any:
    with bridge.client("unix", near_cache=["c:", "cfg:"]) as client:
        client.clear()
        yield client


def test_reads_after_the_first_are_served_in_the_process(cached: Client) -> None:
    _set_and_settle(cached, "c:k", {"a": [1, 2]})
    real = cached.connection
    counting = _CountingConnection(real)
    cached.connection = counting  # type: ignore[assignment]
    try:
        for _ in range(1000):
            assert cached.get("c:k") == {"a": [1, 2]}
        assert counting.requests == 1
        mine = cached.get("c:k")
        mine["a"].append(3)  # what a caller does to its copy does not change what others read
        assert cached.get("c:k") == {"a": [1, 2]}
        for _ in range(10):
            assert cached.get("elsewhere", "default") == "default"  # not under a prefix: asked every time
        assert counting.requests == 11
    finally:
        cached.connection = real


def test_a_change_by_another_client_is_seen(bridge, cached: Client) -> None:
    assert cached.get("c:x") is None  # absent keys are kept too
    with bridge.client("tcp") as other:
        for value in range(20):
            other.set("c:x", value)
            _eventually(lambda: cached.get("c:x") == value, f"the near cache never showed {value}")
        other.delete("c:x")
        _eventually(lambda: cached.get("c:x", "gone") == "gone", "the delete never reached the near cache")


def test_a_process_reads_its_own_writes(cached: Client) -> None:
    cached.get("c:own")
    for value in range(200):
        cached.set("c:own", value)
        assert cached.get("c:own") == value  # no wait for the event
        assert cached.incr("c:n") == value + 1
        assert cached.get("c:n") == value + 1
    with cached.pipeline() as pipe:
        pipe.set("c:own", "piped").set_multi({"c:m": 1})
        pipe.execute()
    assert cached.get("c:own") == "piped"
    assert cached.get("c:m") == 1
    cached.clear()
    assert cached.get("c:own") is None


def test_bounded_in_entries(bridge) -> None:
    with bridge.client("unix", near_cache=["b:"], near_cache_size=10) as client:
        for i in range(50):
            _set_and_settle(client, f"b:{i}", i)
        for i in range(50):
            assert client.get(f"b:{i}") == i
        assert client.near_cache is not None and len(client.near_cache.values) == 10


def test_a_lost_watch_connection_drops_everything_then_caching_resumes(cached: Client) -> None:
    _set_and_settle(cached, "c:a", 1)
    cached.get("c:a")
    cache = cached.near_cache
    assert cache is not None and cache.values
    sock = cache._connection.sock
    assert sock is not None
    sock.shutdown(2)  # as if the network failed
    _eventually(lambda: not cache.values, "the near cache kept values after its watch was lost")
    _eventually(lambda: cache._watching, "the near cache did not watch again")
    assert cached.get("c:a") == 1
    assert cache.values == {"c:a": 1}


def test_a_lost_event_drops_everything(cached: Client) -> None:
    _set_and_settle(cached, "c:a", 1)
    cached.get("c:a")
    cache = cached.near_cache
    assert cache is not None
    cache._event(1, statestore.WatchEvent("lost", None))
    assert cache.values == {}


def _fetch_racing_a_change(bridge, client: Client) -> None:
    """Makes a fetch of c:race read the old value, then, before its reply is taken, has another client change
    the key and waits until the cache has the change's event: the order hazelcast#25304 got wrong."""
    cache = client.near_cache
    assert cache is not None
    real = client.connection

    class Racing:
        def call(self, op: str, args: Any, if_nil: Any = None) -> Any:
            reply = real.call(op, args, if_nil)  # the bridge read the old value
            told = cache.events
            with bridge.client("tcp") as other:
                other.set("c:race", "new")
            # the event of the change reaches the cache before the fetch's reply is looked at
            _eventually(lambda: cache.events > told, "the change's event never arrived")
            return reply

    told = cache.events
    client.set("c:race", "old")
    _eventually(lambda: cache.events > told, "the event of the first value never arrived")
    assert cache.get(Racing(), "c:race", None) == "old"  # type: ignore[arg-type]


def test_a_fetch_racing_an_invalidation_is_not_kept(bridge, cached: Client) -> None:
    _fetch_racing_a_change(bridge, cached)
    assert "c:race" not in cached.near_cache.values  # type: ignore[union-attr]
    assert cached.get("c:race") == "new"


def test_control_without_the_reservation_a_racing_fetch_stays_stale(bridge, cached: Client,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The same race with the check of the reservation taken out (keep whatever the fetch read): the stale value
    stays in the cache after its invalidation arrived. The check above is what prevents it."""

    def keep_every_fetch(self: nearcache.NearCache, connection: Any, key: str) -> Any:
        value = connection.call("get", (key,))
        self.values[key] = value
        return value

    monkeypatch.setattr(nearcache.NearCache, "_fetch", keep_every_fetch)
    _fetch_racing_a_change(bridge, cached)
    time.sleep(0.2)  # no later event will come to correct it
    assert cached.get("c:race") == "old"


def test_configure_gives_the_functions_a_near_cache(worker_env) -> None:
    try:
        statestore.configure(near_cache=["cfg:"])
        assert statestore.state_get("cfg:a") is None
        cache = statestore.default_client().near_cache
        assert cache is not None and cache.values == {"cfg:a": None}
        _set_and_settle(statestore.default_client(), "cfg:a", 1)
        assert statestore.state_get("cfg:a") == 1
        assert cache.values == {"cfg:a": 1}
        statestore.state_set("cfg:a", 2)
        assert statestore.state_get("cfg:a") == 2
    finally:
        statestore.configure()
    assert statestore.default_client().near_cache is None


def test_the_environment_variable_and_a_forked_child(worker_env) -> None:
    script = """
import multiprocessing, os, statestore
from statestore import state_get, state_set
state_set("cfg:k", "parent")
assert state_get("cfg:k") == "parent"
cache = statestore.default_client().near_cache
assert cache.prefixes == ("cfg:", "model:"), cache.prefixes
assert cache.max_entries == 5

def child(queue):
    # the inherited cache is emptied and watches again from the child
    queue.put((dict(statestore.default_client().near_cache.values), state_get("cfg:k")))

queue = multiprocessing.get_context("fork").Queue()
process = multiprocessing.get_context("fork").Process(target=child, args=(queue,))
process.start()
print(queue.get(timeout=30))
process.join(30)
"""
    env = dict(os.environ, STATESTORE_NEAR_CACHE="cfg:, model:", STATESTORE_NEAR_CACHE_SIZE="5")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "({}, 'parent')"
    bad = subprocess.run([sys.executable, "-c", "import statestore; statestore.state_get('x')"],
                         env=dict(os.environ, STATESTORE_NEAR_CACHE=" , "), capture_output=True, text=True,
                         timeout=60)
    assert "STATESTORE_NEAR_CACHE=' , ' names no key prefix" in bad.stderr
