"""The exceptions of the statestore package: one hierarchy under :class:`StateStoreError`.

Each error the bridge server reports carries a numeric code (see the protocol document); the
client turns it into the class below that matches, keeping the server's message.
"""

from typing import Optional

from .protocol import ErrorCode

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConnectionLostError",
    "CounterOverflowError",
    "InvalidArgumentError",
    "LockTimeoutError",
    "OutcomeUnknownError",
    "ProtocolError",
    "StateStoreError",
    "StateTypeError",
    "WriteNotAppliedError",
    "error_for_code",
]


class StateStoreError(Exception):
    """The root of every error this package raises.

    ``code`` is the protocol error code the server sent, or ``None`` for errors found on the
    Python side. ``str(error)`` is the message (the server's own when it came from the server).
    """

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code


class ConfigurationError(StateStoreError):
    """The client cannot be set up: no address or token given and none in the environment,
    or an address that is not ``unix:PATH`` / ``tcp:HOST:PORT``."""


class ConnectionLostError(StateStoreError, ConnectionError):
    """The bridge cannot be reached, or the connection broke during a request.

    The request may or may not have been carried out. The client drops the connection and
    opens a fresh one on its next request.
    """


class ProtocolError(StateStoreError):
    """The two sides do not understand each other: malformed frames, an unknown operation,
    no common protocol version, or a frame above the server's size limit."""


class AuthenticationError(StateStoreError):
    """The server refused the token."""


class InvalidArgumentError(StateStoreError, ValueError):
    """A bad key (not a string, empty, longer than 64 KiB of UTF-8, unpaired surrogates), a value
    outside the value model (a set, a datetime, an arbitrary object), or wrong arguments. Nothing was written."""


class StateTypeError(StateStoreError, TypeError):
    """An operation met a stored value of the wrong type, e.g. ``incr`` on a key holding a
    string. The stored value is unchanged."""


class CounterOverflowError(StateStoreError, OverflowError):
    """``incr``/``decr`` would leave the signed 64-bit range. The stored value is unchanged."""


class WriteNotAppliedError(StateStoreError):
    """The store refused a write before applying any of it, e.g. because its disk is full: nothing
    changed, and the message names the cause (the file and the operating system's error). The store
    keeps serving reads, and the same write may succeed later, once the cause is gone."""


class OutcomeUnknownError(StateStoreError):
    """A write failed after the store may have applied it, e.g. the disk failed while the write was
    being made durable: readers may see it, and a crash may lose it. The message names the cause. A
    caller that must know reads the key back, or repeats the write if it is idempotent (a ``set``,
    unlike an ``incr``)."""


class LockTimeoutError(StateStoreError, TimeoutError):
    """A lock or semaphore permit was not granted within the timeout; nothing is held."""


_CLASS_BY_CODE: dict[int, type[StateStoreError]] = {
    ErrorCode.MALFORMED: ProtocolError,
    ErrorCode.UNAUTHORIZED: AuthenticationError,
    ErrorCode.UNSUPPORTED_VERSION: ProtocolError,
    ErrorCode.UNKNOWN_OP: ProtocolError,
    ErrorCode.BAD_ARGUMENT: InvalidArgumentError,
    ErrorCode.WRONG_TYPE: StateTypeError,
    ErrorCode.OVERFLOW: CounterOverflowError,
    ErrorCode.FRAME_TOO_LARGE: ProtocolError,
    ErrorCode.STORE_ERROR: StateStoreError,
    ErrorCode.SERVER_BUSY: StateStoreError,
    ErrorCode.NOT_APPLIED: WriteNotAppliedError,
    ErrorCode.OUTCOME_UNKNOWN: OutcomeUnknownError,
    ErrorCode.TIMEOUT: LockTimeoutError,
}


def error_for_code(code: int, message: object) -> StateStoreError:
    """Returns the exception for an error reply: the class mapped to ``code`` (the root class for a
    code this client does not know) holding the server's message."""
    cls = _CLASS_BY_CODE.get(code, StateStoreError)
    return cls(message if isinstance(message, str) else repr(message), code)
