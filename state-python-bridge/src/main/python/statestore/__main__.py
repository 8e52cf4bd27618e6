"""``python -m statestore protocol``: prints the protocol as this package speaks it, as JSON
(``versions``, ``error_codes`` and ``operations`` with their arguments in order)."""

import json
import sys

from .protocol import VERSIONS, ErrorCode, operations


def main(argv: list[str]) -> int:
    if argv != ["protocol"]:
        print("usage: python -m statestore protocol", file=sys.stderr)
        return 2
    print(json.dumps({
        "versions": list(VERSIONS),
        "error_codes": {code.name: code.value for code in ErrorCode},
        "operations": operations(),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
