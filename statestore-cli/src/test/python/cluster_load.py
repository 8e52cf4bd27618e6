"""Load for the container fault tests: one worker writes keys of its own and increments a counter of its
own through one bridge until the stop file appears, and reports what the bridge acknowledged.

Usage: cluster_load.py NAME ADDRESS STOP_FILE REPORT_FILE    (the token in STATESTORE_TOKEN)

A set that failed is repeated with the same key and value until it is acknowledged (a set is idempotent),
so every key below the acknowledged count must exist afterwards. An increment that failed is not repeated
and is counted as unknown: the counter must end at least at the acknowledged increments and at most at
those plus the unknown ones.
"""

import os
import sys
import time
from typing import Any

from statestore import Client, StateStoreError


def main() -> None:
    name, address, stop_file, report_file = sys.argv[1:5]
    client = Client(address, os.environ["STATESTORE_TOKEN"], timeout=60.0)
    report: dict[str, Any] = {"keys": 0, "increments": 0, "unknown_increments": 0, "errors": {},
                              "slowest_seconds": 0.0}
    errors: dict[str, int] = report["errors"]

    def failed(error: StateStoreError) -> None:
        kind = f"{type(error).__name__}: {str(error)[:160]}"
        errors[kind] = errors.get(kind, 0) + 1
        time.sleep(0.05)

    while not os.path.exists(stop_file):
        started = time.monotonic()
        try:
            client.set(f"{name}:{report['keys']}", report["keys"])
            report["keys"] += 1
        except StateStoreError as error:
            failed(error)
            continue
        try:
            client.incr(f"{name}:count")
            report["increments"] += 1
        except StateStoreError as error:
            report["unknown_increments"] += 1
            failed(error)
        report["slowest_seconds"] = max(report["slowest_seconds"], time.monotonic() - started)
    client.close()
    # A Java properties file: "name=value" lines, errors as "error.N=count kind".
    lines = [f"{field}={report[field]}" for field in ("keys", "increments", "unknown_increments", "slowest_seconds")]
    lines += [f"error.{n}={count} {kind}".replace("\\", "\\\\").replace("\n", " ")
              for n, (kind, count) in enumerate(errors.items())]
    with open(report_file + ".part", "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(report_file + ".part", report_file)


if __name__ == "__main__":
    main()
