"""A multiprocessing pool whose processes share counters and results through statestore.

Started by ``statestore run --workers 1 -- python3 examples/python/pool_workers.py``. The parent
uses the store, then forks a pool: each child opens its own connection (the client notices the
fork), squares its numbers, counts them in a shared counter and stores each result. The parent
then reads the results back and checks the totals.
"""

from __future__ import annotations

import multiprocessing
import os

from statestore import state_get_multi, state_incr, state_set

TASKS = 200
PROCESSES = 4


def square(n: int) -> int:
    """Square n in a pool process, recording the result and the work done in the shared store."""
    run = os.environ["POOL_RUN"]
    state_set(f"{run}:square:{n}", n * n)
    state_incr(f"{run}:done")
    state_incr(f"{run}:by-pid:{os.getpid()}")
    return n * n


def main() -> None:
    run = f"pool-{os.getppid()}"
    os.environ["POOL_RUN"] = run
    state_set(f"{run}:started", True)  # the parent's connection exists before the fork
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        local = pool.map(square, range(TASKS), chunksize=10)
    shared = state_get_multi([f"{run}:square:{n}" for n in range(TASKS)])
    done = state_incr(f"{run}:done", 0)
    same = all(shared[f"{run}:square:{n}"] == local[n] for n in range(TASKS))
    print(f"pool of {PROCESSES} processes squared {TASKS} numbers; shared counter says {done} done; "
          f"sum of squares {sum(shared.values())}; results match: {same}", flush=True)
    if done != TASKS or not same:
        raise SystemExit("shared state does not match the pool's work")


if __name__ == "__main__":
    main()
