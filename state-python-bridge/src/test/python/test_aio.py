"""The asyncio client against real bridges: every operation, many tasks on one connection, cancellation,
a bridge that goes away and comes back."""

import asyncio
from collections.abc import Awaitable
from typing import Any, Callable, TypeVar

import pytest
from conftest import Bridge

from statestore import ConnectionLostError, InvalidArgumentError, StateTypeError, aio
from statestore.aio import AsyncClient

T = TypeVar("T")


def run(coroutine: Awaitable[T]) -> T:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


@pytest.fixture(params=["unix", "tcp"])
def address(bridge: Bridge, request: pytest.FixtureRequest) -> str:
    return bridge.address(request.param)


def test_every_operation(bridge: Bridge, address: str) -> None:
    async def scenario() -> None:
        async with AsyncClient(address, bridge.token) as client:
            await client.clear()
            assert await client.ping() is None
            await client.set("a", 1)
            assert await client.get("a") == 1
            assert await client.get("missing", "d") == "d"
            assert await client.incr("n", 3) == 3
            assert await client.decr("n") == 2
            await client.set_multi({"b": 2, "c": 3})
            assert await client.get_multi(["a", "b", "c", "zz"]) == {"a": 1, "b": 2, "c": 3}
            assert sorted(await client.keys()) == ["a", "b", "c", "n"]
            assert await client.keys("b") == ["b"]
            assert await client.size() == 4
            assert await client.cas("a", 1, 10) is True
            assert await client.cas("a", 1, 11) is False
            assert await client.delete("a") is True
            await client.set("b", None)
            assert await client.get("b", "gone") == "gone"
            await client.set("c-text", "x")
            with pytest.raises(StateTypeError):
                await client.incr("c-text")
            with pytest.raises(InvalidArgumentError, match="set"):
                await client.set("bad", {1, 2})
            async with client.pipeline() as pipe:
                pipe.incr("p").incr("p").get("p").get("nothing", 0)
                assert await pipe.execute() == [1, 2, 2, 0]
            pipe = client.pipeline(raise_on_error=False)
            results = await pipe.incr("c-text").incr("p").execute()
            assert isinstance(results[0], StateTypeError) and results[1] == 3
            assert client.server_info.get("version") == 2
            await client.clear()
    run(scenario())


def test_module_functions_use_a_default_client_per_event_loop(bridge: Bridge,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in bridge.env("unix").items():
        monkeypatch.setenv(name, value)

    async def scenario() -> int:
        await aio.state_clear()
        await aio.state_set("config", {"workers": 4})
        assert await aio.state_get("config") == {"workers": 4}
        await asyncio.gather(*(aio.state_incr("hits") for _ in range(50)))
        first = aio.default_client()
        assert aio.default_client() is first
        value: int = await aio.state_get("hits")
        await aio.reset_default_client()
        return value
    assert run(scenario()) == 50
    assert run(scenario()) == 50  # a new loop gets its own default client


def test_a_thousand_tasks_on_one_connection_count_exactly(bridge: Bridge) -> None:
    async def scenario() -> list[Any]:
        async with AsyncClient(bridge.unix_address, bridge.token) as client:
            await client.delete("a")
            await client.delete("b")

            async def task(number: int) -> None:
                for _ in range(20):
                    await client.incr("a")
                    await client.incr("b", number)
            await asyncio.gather(*(task(number) for number in range(1000)))
            return [await client.get("a"), await client.get("b")]
    assert run(scenario()) == [20_000, 20 * sum(range(1000))]


def test_a_task_cancelled_mid_request_leaves_the_connection_usable(bridge: Bridge) -> None:
    async def scenario() -> None:
        async with AsyncClient(bridge.unix_address, bridge.token) as client:
            await client.set("k", 0)
            for round_number in range(50):
                others = [asyncio.ensure_future(client.incr("k")) for _ in range(5)]
                victim = asyncio.ensure_future(client.get_multi([f"x{i}" for i in range(200)]))
                later = [asyncio.ensure_future(client.incr("k")) for _ in range(5)]
                await asyncio.sleep(0)  # every request is written; none has its reply yet
                victim.cancel()
                results = await asyncio.gather(*others, *later)
                assert len(set(results)) == 10, "every increment got its own reply"
                with pytest.raises(asyncio.CancelledError):
                    await victim
                assert await client.get("k") == 10 * (round_number + 1)
    run(scenario())


def test_a_bridge_restarted_mid_run_fails_waiting_tasks_and_later_calls_succeed(
        private_bridge: Callable[..., Bridge]) -> None:
    first = private_bridge(tcp=False)

    async def scenario() -> None:
        client = AsyncClient(first.unix_address, first.token, timeout=30)
        await client.set("before", 1)
        waiting = [asyncio.ensure_future(client.incr("n")) for _ in range(200)]
        await asyncio.sleep(0)
        # Killed while the requests are in flight: each either got its reply or fails as lost.
        first.process.kill()
        first.process.wait(15)
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
        lost = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        assert all(isinstance(outcome, ConnectionLostError) for outcome in lost), lost[:3]
        with pytest.raises(ConnectionLostError):
            await client.get("before")
        second = Bridge("memory:", first.socket_path.parent, token=first.token, tcp=False)
        try:
            assert await client.get("before") is None  # reconnected, to a new (empty) memory store
            assert await client.incr("n") == 1
        finally:
            await client.close()
            second.stop()
    run(scenario())
