"""Watching keys through the bridge: state_watch, Client.watch and the asyncio AsyncWatch (docs/watch.md)."""

import asyncio
import threading
import time

import pytest

import statestore
from statestore import Client, ProtocolError, WatchEvent, aio, state_set, state_watch

WAIT = 10.0  # seconds: the longest a test waits for an event that must come


def _take(events, count: int) -> list:
    taken = []
    while len(taken) < count:
        event = events.next(WAIT)
        assert event is not None, f"only {taken} arrived"
        taken.append(event)
    return taken


def test_every_operation_is_told_in_order(client: Client) -> None:
    with client.watch("w:") as events:
        client.set("other", 1)
        client.set("w:a", {"x": [1, 2]})
        client.incr("w:n", 5)
        client.decr("w:n", 2)
        client.cas("w:a", {"x": [1, 2]}, "replaced")
        client.set_multi({"w:b": b"\x00", "w:c": None})
        client.set("w:c", None)
        client.delete("w:a")
        got = _take(events, 6)  # removing an absent key (w:c) changes nothing and is not told
        client.clear()
        got += _take(events, 2)
    per_key: dict = {}
    for event in got:
        per_key.setdefault(event.key, []).append((event.kind, event.value))
    assert per_key == {
        "w:a": [("set", {"x": [1, 2]}), ("set", "replaced"), ("delete", None)],
        "w:n": [("set", 5), ("set", 3), ("delete", None)],
        "w:b": [("set", b"\x00"), ("delete", None)],
    }
    assert "other" not in per_key


def test_expiry_is_told(client: Client) -> None:
    with client.watch("e:") as events:
        client.set("e:brief", "v", ttl=0.3)
        assert _take(events, 2) == [WatchEvent("set", "e:brief", "v"), WatchEvent("expire", "e:brief")]


def test_next_with_a_timeout_returns_none_when_nothing_changed(client: Client) -> None:
    with client.watch("quiet:") as events:
        started = time.monotonic()
        assert events.next(0.2) is None
        assert time.monotonic() - started >= 0.19


def test_state_watch_iterates_and_the_client_stays_free_for_requests(worker_env) -> None:
    seen: list = []
    ready = threading.Event()

    def watch() -> None:
        with state_watch("m:") as events:
            ready.set()
            for event in events:
                seen.append(event)
                if event.key == "m:last":
                    return

    thread = threading.Thread(target=watch)
    thread.start()
    assert ready.wait(WAIT)
    for i in range(100):
        state_set("m:k", i)
    state_set("m:last", True)
    thread.join(WAIT)
    assert [e.value for e in seen if e.key == "m:k"] == list(range(100))


def test_a_lost_connection_is_told_as_lost_and_the_watch_resubscribes(client: Client) -> None:
    with client.watch("r:") as events:
        sock = events._connection.sock
        assert sock is not None
        sock.shutdown(2)  # as if the network failed
        assert events.next(WAIT) == WatchEvent("lost", None)
        assert events.next(0.1) is None  # subscribed again, on a new connection
        client.set("r:after", 1)
        assert events.next(WAIT) == WatchEvent("set", "r:after", 1)


def test_a_version_1_bridge_is_named(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from statestore import connection as connection_module

    monkeypatch.setattr(connection_module, "VERSIONS", (1,))
    with pytest.raises(ProtocolError, match="protocol version 1; watching needs 2"):
        client.watch("x")


def test_asyncio_watch(bridge) -> None:
    async def run() -> list:
        async with aio.AsyncClient(bridge.address("unix"), bridge.token) as client:
            async with client.watch("a:") as events:
                await client.set("a:1", "one")
                await client.incr("a:n")
                await client.delete("a:1")
                got = []
                async for event in events:
                    got.append(event)
                    if len(got) == 3:
                        break
                # Requests and pushes share the connection: requests still work while watching.
                assert await client.get("a:n") == 1
                return got

    got = asyncio.run(asyncio.wait_for(run(), WAIT))
    assert sorted(got, key=lambda e: (e.key, e.kind)) == [
        WatchEvent("delete", "a:1"), WatchEvent("set", "a:1", "one"), WatchEvent("set", "a:n", 1)]
    assert [e.kind for e in got if e.key == "a:1"] == ["set", "delete"]


def test_asyncio_state_watch_resubscribes_after_a_lost_connection(worker_env) -> None:
    async def run() -> list:
        kinds = []
        async with aio.state_watch("z:") as events:
            await aio.state_set("z:1", 1)
            kinds.append((await events.__anext__()).kind)
            aio.default_client().connection.drop()
            kinds.append((await events.__anext__()).kind)
            waiting = asyncio.ensure_future(events.__anext__())  # subscribes again on a new connection
            await asyncio.sleep(0.2)
            await aio.state_set("z:2", 2)
            kinds.append((await waiting).kind)
        await aio.reset_default_client()
        return kinds

    assert asyncio.run(asyncio.wait_for(run(), WAIT)) == ["set", "lost", "set"]


def test_module_exports() -> None:
    assert statestore.state_watch is state_watch
    assert callable(aio.state_watch)
