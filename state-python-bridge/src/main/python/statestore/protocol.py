"""The bridge protocol as the Python package speaks it, defined once: the versions, the error codes,
the framing and the handshake. The operations are the methods of :class:`statestore.commands.Commands`.

``python -m statestore protocol`` prints this table as JSON (``versions``, ``error_codes`` and
``operations`` with their argument names in order), which the build compares with the Java table
and docs/protocol.md.
"""

import enum
import inspect
import struct

__all__ = [
    "ACQUIRE",
    "CLIENT_SIDE_PARAMETERS",
    "CLOSING_CODES",
    "EVENT_PUSH",
    "EXTEND",
    "FRAME_HEADER",
    "HELLO",
    "HELLO_ARGUMENTS",
    "RELEASE",
    "UNWATCH",
    "VERSIONS",
    "WATCH",
    "WATCH_VERSION",
    "ErrorCode",
    "operations",
]

#: The protocol versions this package speaks, offered in the handshake.
VERSIONS: tuple[int, ...] = (1, 2)

#: The first version whose connections may watch keys and receive push frames.
WATCH_VERSION = 2

#: Starts a subscription to the keys under a prefix (answered with its id); ends one.
WATCH = "watch"
WATCH_ARGUMENTS: tuple[str, ...] = ("prefix",)
UNWATCH = "unwatch"
UNWATCH_ARGUMENTS: tuple[str, ...] = ("subscription",)

#: Takes a permit of a semaphore (a lock has one), answered ``[lease, fencing token]``; extends and releases one.
ACQUIRE = "acquire"
ACQUIRE_ARGUMENTS: tuple[str, ...] = ("name", "permits", "ttl", "wait")
EXTEND = "extend"
EXTEND_ARGUMENTS: tuple[str, ...] = ("lease", "ttl")
RELEASE = "release"
RELEASE_ARGUMENTS: tuple[str, ...] = ("lease",)

#: A push frame ``[nil, "event", subscription, kind, key, value]`` carries a watched change.
EVENT_PUSH = "event"

#: A frame is this 4-byte big-endian length, then one msgpack value of that many bytes.
FRAME_HEADER = struct.Struct(">I")

#: The first request on every connection, answered with a map (version, server, max_frame).
HELLO = "hello"
HELLO_ARGUMENTS: tuple[str, ...] = ("versions", "token")

#: Parameters of a command method that stay in the client (``get``'s default for an absent key).
CLIENT_SIDE_PARAMETERS: frozenset[str] = frozenset({"default"})


class ErrorCode(enum.IntEnum):
    """The codes of error replies ``[id, code, message]``."""

    MALFORMED = 1
    UNAUTHORIZED = 2
    UNSUPPORTED_VERSION = 3
    UNKNOWN_OP = 4
    BAD_ARGUMENT = 5
    WRONG_TYPE = 6
    OVERFLOW = 7
    FRAME_TOO_LARGE = 8
    STORE_ERROR = 9
    SERVER_BUSY = 10
    NOT_APPLIED = 11
    OUTCOME_UNKNOWN = 12
    TIMEOUT = 13


#: The server closes the connection after replying with one of these.
CLOSING_CODES: frozenset[int] = frozenset({ErrorCode.UNAUTHORIZED, ErrorCode.UNSUPPORTED_VERSION,
                                           ErrorCode.FRAME_TOO_LARGE, ErrorCode.SERVER_BUSY})


def operations() -> dict[str, list[str]]:
    """Every operation this package sends, with its wire arguments in order: the handshake, watching, leases, and each
    command of :class:`~statestore.commands.Commands` (named as its method, its arguments being the
    method's parameters but those in :data:`CLIENT_SIDE_PARAMETERS`)."""
    from .commands import Commands

    table = {HELLO: list(HELLO_ARGUMENTS), WATCH: list(WATCH_ARGUMENTS), UNWATCH: list(UNWATCH_ARGUMENTS),
             ACQUIRE: list(ACQUIRE_ARGUMENTS), EXTEND: list(EXTEND_ARGUMENTS), RELEASE: list(RELEASE_ARGUMENTS)}
    for name in Commands.command_names():
        parameters = inspect.signature(getattr(Commands, name)).parameters
        table[name] = [p for p in parameters if p != "self" and p not in CLIENT_SIDE_PARAMETERS]
    return table
