"""A request quota and a read-through cache shared by worker processes.

Started by ``statestore run --workers N -- python3 examples/python/rate_limiter.py``. Every worker
sends requests against one shared quota: ``state_incr`` hands out permits atomically, so however
the workers interleave, exactly QUOTA requests are granted. Every worker also reads settings
through a shared cache filled with ``state_cas(key, None, value)``: the first writer wins and every
worker ends up using the same value. The last worker prints the totals.
"""

from __future__ import annotations

import os
import random

from statestore import state_cas, state_get, state_incr

QUOTA = 100
REQUESTS_PER_WORKER = 60
SETTINGS = ("timeout", "retries", "region")


class SharedQuota:
    """A fixed budget of permits shared by every worker."""

    def __init__(self, name: str, limit: int) -> None:
        self.key = name
        self.limit = limit

    def try_acquire(self) -> bool:
        """Take one permit; False once the budget is spent."""
        return state_incr(self.key) <= self.limit


def cached(key: str, compute):
    """Return the shared cached value of key, computing and publishing it if nobody has yet."""
    value = state_get(key)
    if value is None:
        candidate = compute()
        state_cas(key, None, candidate)  # loses quietly if another worker published first
        value = state_get(key)
    return value


def main() -> None:
    run = f"limiter-{os.getppid()}"
    index = int(os.environ.get("STATESTORE_WORKER_INDEX", "0"))
    workers = int(os.environ.get("STATESTORE_WORKER_COUNT", "1"))
    quota = SharedQuota(f"{run}:quota", QUOTA)
    granted = sum(quota.try_acquire() for _ in range(REQUESTS_PER_WORKER))
    state_incr(f"{run}:granted", granted)
    settings = {name: cached(f"{run}:cache:{name}", lambda: f"{name}-from-worker-{index}-"
                             f"{random.randrange(1000)}") for name in SETTINGS}
    state_cas(f"{run}:settings-seen", None, settings)
    agrees = state_get(f"{run}:settings-seen") == settings
    state_incr(f"{run}:agreeing", 1 if agrees else 0)
    print(f"worker {index}: {granted} of {REQUESTS_PER_WORKER} requests granted; "
          f"cache agrees with the others: {agrees}", flush=True)
    if state_incr(f"{run}:finished") == workers:
        total = state_get(f"{run}:granted")
        agreeing = state_get(f"{run}:agreeing")
        print(f"quota: {total} of {workers * REQUESTS_PER_WORKER} requests granted "
              f"(limit {QUOTA}); cache: {agreeing} of {workers} workers saw the same values",
              flush=True)


if __name__ == "__main__":
    main()
