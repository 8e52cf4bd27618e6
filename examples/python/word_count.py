"""Count words across worker processes that share their counters through statestore.

Started by ``statestore run --workers N -- python3 examples/python/word_count.py``: every worker
takes its share of the lines, counts the words locally, adds its counts to shared counters (one
``state_incr`` per distinct word), stores a summary under ``<run>:result:<index>`` and bumps a
shared ``<run>:finished`` counter. The worker whose bump returns the expected number of workers
is the last one, and it prints the shared totals; the others wait for it.

Keys are namespaced by a run id (default: the launching JVM's process id), so runs against a
durable store do not mix. Workers started by several JVMs that share a cluster pass the same
``--run-id``, the total ``--expect-workers`` and each JVM its ``--first-index``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from statestore import state_get, state_get_multi, state_incr, state_keys, state_set

WORDS = ("state", "shared", "worker", "python", "java", "counter", "cache", "result",
         "cluster", "file", "memory", "bridge", "atomic", "value", "key", "store")


def corpus(lines: int) -> list[str]:
    """Return a deterministic corpus: line i holds 12 words, common ones more often."""
    return [" ".join(WORDS[(i * 7 + j * j) % (4 + j)] for j in range(12)) for i in range(lines)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=400, help="lines in the corpus (default 400)")
    parser.add_argument("--run-id", default=None, help="namespace of this run's keys")
    parser.add_argument("--first-index", type=int, default=0,
                        help="index of this JVM's first worker among all (default 0)")
    parser.add_argument("--expect-workers", type=int,
                        default=int(os.environ.get("STATESTORE_WORKER_COUNT", "1")),
                        help="how many workers take part in all (default: this JVM's workers)")
    args = parser.parse_args()
    run = args.run_id or f"wordcount-{os.getppid()}"
    index = args.first_index + int(os.environ.get("STATESTORE_WORKER_INDEX", "0"))

    mine = corpus(args.lines)[index::args.expect_workers]
    counts = Counter(word for line in mine for word in line.split())
    for word, count in sorted(counts.items()):
        state_incr(f"{run}:word:{word}", count)
    state_incr(f"{run}:lines", len(mine))
    words = sum(counts.values())
    state_set(f"{run}:result:{index}",
              {"worker": index, "lines": len(mine), "words": words,
               "distinct": len(counts)})
    print(f"worker {index}: counted {words} words in {len(mine)} lines "
          f"({len(counts)} distinct)", flush=True)

    finished = state_incr(f"{run}:finished")
    if finished == args.expect_workers:
        report(run, args.expect_workers)
    else:
        await_everyone(run, args.expect_workers)


def await_everyone(run: str, workers: int, timeout: float = 120.0) -> None:
    """Wait until every worker has finished.

    Workers of several JVMs sharing a cluster wait for each other, so that no JVM shuts its cluster
    member down (taking its share of the data along) while others still count.
    """
    deadline = time.monotonic() + timeout
    while state_get(f"{run}:finished", 0) < workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {workers} workers after {timeout:.0f} s")
        time.sleep(0.05)


def report(run: str, workers: int) -> None:
    """Print the shared totals; called by the last worker to finish."""
    word_keys = sorted(state_keys(f"{run}:word:"))
    counts = state_get_multi(word_keys)
    results = state_get_multi(sorted(state_keys(f"{run}:result:")))
    total = sum(counts.values())
    by_workers = sum(result["words"] for result in results.values())
    print(f"totals for {run}: {workers} workers, {state_get(f'{run}:lines')} lines, "
          f"{total} words, {len(counts)} distinct", flush=True)
    for key in sorted(word_keys, key=lambda k: (-counts[k], k)):
        print(f"  {key.rsplit(':', 1)[1]:<8} {counts[key]}")
    verdict = "exact" if total == by_workers else "MISMATCH"
    print(f"check: shared word counters sum to {total}, workers reported {by_workers}: {verdict}",
          flush=True)


if __name__ == "__main__":
    main()
