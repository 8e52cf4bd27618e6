"""Locks and semaphores through one bridge (docs/locks.md): exclusion, tokens, timeouts, and a lease that ends
with its holder's connection, shown against a frozen holder whose connection stays open."""

import asyncio
import os
import signal
import time

import pytest
from statestore import (
    Client,
    LockTimeoutError,
    StateStoreError,
    aio,
    state_lock,
    state_semaphore,
)

from lock_workers import grant_after


def test_lock_context_manager_tokens_and_timeout(worker_env) -> None:
    with state_lock("job", ttl=5) as first:
        assert first.valid and first.name == "job"
        with pytest.raises(LockTimeoutError) as refused:
            state_lock("job", timeout=0)
        assert isinstance(refused.value, TimeoutError) and isinstance(refused.value, StateStoreError)
        started = time.monotonic()
        with pytest.raises(LockTimeoutError):
            state_lock("job", timeout=0.3)
        assert time.monotonic() - started >= 0.29
    assert not first.valid
    with state_lock("job") as second:
        assert second.token > first.token
        assert second.extend(60)
    first.release()  # an ended lease: nothing happens
    assert not second.extend(60)


def test_a_semaphore_admits_its_permits(worker_env) -> None:
    held = [state_semaphore("gpu", 2, timeout=0), state_semaphore("gpu", 2, timeout=0)]
    with pytest.raises(LockTimeoutError):
        state_semaphore("gpu", 2, timeout=0)
    held[0].release()
    with state_semaphore("gpu", 2, timeout=0) as third:
        assert third.token > held[1].token
    held[1].release()


def test_a_lease_ends_when_its_ttl_passes(client: Client) -> None:
    lease = client.lock("brief", ttl=0.4)
    taken = time.monotonic()
    with client.lock("brief", ttl=5, timeout=5):
        assert time.monotonic() - taken >= 0.39
    assert not lease.valid


def test_asyncio_lock(bridge) -> None:
    async def run() -> list[int]:
        async with aio.AsyncClient(bridge.address("unix"), bridge.token) as client:
            order: list[int] = []

            async def worker(index: int) -> None:
                async with client.lock("async-job", ttl=5, timeout=10) as lease:
                    order.append(lease.token)
                    await asyncio.sleep(0.01)

            await asyncio.gather(*(worker(i) for i in range(5)))
            with pytest.raises(LockTimeoutError):
                held = await client.lock("async-held", timeout=0)
                try:
                    await client.lock("async-held", timeout=0)
                finally:
                    await held.release()
            return order

    order = asyncio.run(asyncio.wait_for(run(), 30))
    assert order == sorted(order) and len(set(order)) == 5


def test_a_killed_holder_lets_the_waiter_in_at_once_and_a_frozen_one_only_after_its_ttl(bridge) -> None:
    delay, _ = grant_after(bridge, bridge, 30, lambda holder: os.kill(holder.pid, signal.SIGKILL))
    print(f"\nwaiter granted {delay * 1e3:.1f} ms after the holder was killed (same bridge)")
    assert delay < 0.1

    # Control: the same holder frozen (SIGSTOP), its connection open: nothing ends the lease but its ttl.
    ttl = 2.0
    delay, _ = grant_after(bridge, bridge, ttl, lambda holder: os.kill(holder.pid, signal.SIGSTOP))
    print(f"control: waiter granted {delay * 1e3:.0f} ms after the holder was frozen (ttl {ttl:.0f} s)")
    assert delay > 1.0
