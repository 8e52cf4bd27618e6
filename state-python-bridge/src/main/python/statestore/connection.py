"""One connection to a statestore bridge: the socket, the framing, the handshake, and what happens
after a fork. It knows no operation but the handshake; the commands (:mod:`statestore.commands`) go
through :meth:`Connection.call` and :meth:`Connection.exchange`.

A connection is a Unix domain socket or TCP speaking the protocol of :mod:`statestore.protocol`:
frames of a 4-byte big-endian length and one msgpack value; requests ``[id, op, args...]``; replies
``[id, 0, result]`` or ``[id, code, message]``. It is not meant to be used by several threads at
once. After ``os.fork()`` a child never touches its parent's socket: every connection the child
inherited reconnects on its first request there.
"""

import contextlib
import os
import socket
import threading
import weakref
from collections.abc import Sequence
from itertools import count
from typing import Any, Optional, Union

import msgpack

from . import codec
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionLostError,
    InvalidArgumentError,
    ProtocolError,
    StateStoreError,
    error_for_code,
)
from .protocol import CLOSING_CODES, FRAME_HEADER, HELLO, VERSIONS

__all__ = ["Connection", "Endpoint", "encode_request", "parse_address", "reply_failure", "resolve"]

_pack_length = FRAME_HEADER.pack
_unpack_length = FRAME_HEADER.unpack_from
_unpack = codec.unpack
_unpackb = msgpack.unpackb
_ext_hook = codec.ext_hook

_INITIAL_BUFFER = 64 * 1024
# How long to wait for the explanation of a server that closed the connection on us.
_REFUSAL_WAIT_SECONDS = 1.0

# Every live connection, so that a forked child can drop the sockets it inherited.
_connections: "weakref.WeakSet[Connection]" = weakref.WeakSet()
_connections_lock = threading.Lock()


def _forget_inherited_sockets() -> None:
    global _connections_lock
    # Another thread of the parent may have held the lock at the fork; that thread does not exist here.
    _connections_lock = threading.Lock()
    for connection in list(_connections):
        connection.abandon()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_sockets)


def parse_address(address: str) -> tuple[int, Any]:
    """Parses ``unix:/path/to.sock``, ``tcp:127.0.0.1:7700`` or ``tcp:[::1]:7700`` into a socket
    family and the address ``socket.connect`` takes."""
    scheme, sep, rest = address.partition(":")
    if sep and scheme == "unix" and rest:
        if not hasattr(socket, "AF_UNIX"):
            raise ConfigurationError(f"address {address!r}: Unix domain sockets are not available here")
        return socket.AF_UNIX, rest
    if sep and scheme == "tcp":
        host, sep, port = rest.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
            family = socket.AF_INET6
        else:
            family = socket.AF_INET
        if sep and host and port.isdigit() and 0 < int(port) < 65536:
            return family, (host, int(port))
    raise ConfigurationError(
        f"address {address!r} is not understood; expected unix:/path/to.sock, tcp:127.0.0.1:7700 "
        f"or tcp:[::1]:7700")


def resolve(address: Optional[str], token: Optional[str]) -> tuple[str, str]:
    """The address and token to use: those given, else ``STATESTORE_ADDRESS`` and ``STATESTORE_TOKEN``."""
    if address is None:
        address = os.environ.get("STATESTORE_ADDRESS")
        if not address:
            raise ConfigurationError(
                "no statestore address: pass Client(address=...) or set STATESTORE_ADDRESS "
                "(e.g. unix:/path/to.sock or tcp:127.0.0.1:7700) as the bridge printed it")
    if token is None:
        token = os.environ.get("STATESTORE_TOKEN")
        if token is None:
            raise ConfigurationError(
                "no statestore token: pass Client(token=...) or set STATESTORE_TOKEN as the "
                "bridge printed it")
    return address, token


def _encode_failure(error: Exception) -> InvalidArgumentError:
    if isinstance(error, UnicodeEncodeError):
        return InvalidArgumentError(
            f"a string holds an unpaired surrogate ({error.object[error.start:error.end]!r} at index "
            f"{error.start}); only valid Unicode can be stored")
    if isinstance(error, ValueError) and "recursion" in str(error):
        return InvalidArgumentError("the value nests lists and dicts too deeply (is there a cycle?)")
    return InvalidArgumentError(f"the value cannot be encoded: {error}")


def encode_request(packer: Any, request_id: int, op: str, args: Sequence[Any]) -> bytes:
    """The whole frame of request ``[request_id, op, *args]``; a value outside the value model raises
    :class:`InvalidArgumentError` naming it."""
    try:
        body: bytes = packer.pack([request_id, op, *args])
    except StateStoreError:
        raise
    except (ValueError, TypeError, OverflowError) as error:
        raise _encode_failure(error) from None
    return _pack_length(len(body)) + body


def reply_failure(reply: Any, request_id: int, op: str) -> tuple[StateStoreError, bool]:
    """The error an unsuccessful reply to request ``request_id`` stands for, and whether the connection is
    done for (the server closes after this error, or the reply is out of step)."""
    try:
        reply_id, code, message = reply
    except (TypeError, ValueError):
        return ProtocolError(f"the server sent {reply!r:.200} instead of [id, code, result]"), True
    if code == 0 or (reply_id is not None and reply_id != request_id):
        return ProtocolError(f"reply {reply_id!r} does not answer request {request_id} ({op!r}); "
                             f"the connection was reset"), True
    # The server closes after the closing codes, and after an error it could not give an id.
    return error_for_code(code, message), reply_id is None or code in CLOSING_CODES


#: What :meth:`Connection.exchange` returns for each request: its result, or the error it got.
Outcome = Union[Any, StateStoreError]


class Endpoint:
    """What every connection to a bridge holds, whatever does its I/O: the address, the token, the timeout,
    the request ids and the encoder of requests."""

    def __init__(self, address: str, token: str, timeout: Optional[float] = None) -> None:
        self.address = address
        self._family, self._target = parse_address(address)
        self._token = token
        self._timeout = timeout
        self._packer = codec.new_packer()
        self._ids = count(1)
        #: What the server said in the handshake: ``version``, ``server``, ``max_frame``.
        self.server_info: dict[str, Any] = {}
        #: How many times the connection was opened: what the bridge ties to a connection (a lease) ended with the
        #: one before.
        self.generation = 0

    def encode(self, op: str, args: Sequence[Any]) -> tuple[int, bytes]:
        """Returns a new request id and the whole frame of request ``op``; a value outside the value
        model raises :class:`InvalidArgumentError` here, before anything is sent."""
        request_id = next(self._ids)
        return request_id, encode_request(self._packer, request_id, op, args)

    @property
    def token(self) -> str:
        """The token this connection presents."""
        return self._token

    def hello_arguments(self) -> tuple[Any, ...]:
        """The arguments of the handshake this connection opens with."""
        return list(VERSIONS), self._token

    def refused(self, error: AuthenticationError) -> AuthenticationError:
        """The error for a handshake the bridge refused, naming the bridge."""
        return AuthenticationError(f"the bridge at {self.address} refused the token: {error}", error.code)

    def greeted(self, info: Any) -> None:
        """Keeps what the server said in the handshake."""
        self.server_info = info if isinstance(info, dict) else {}


class Connection(Endpoint):
    """One authenticated connection; opened (and the token checked) in the constructor, reopened on
    the next request after it broke or after a fork. ``timeout`` (seconds) bounds each socket
    operation; ``None`` waits forever."""

    def __init__(self, address: str, token: str, timeout: Optional[float] = None) -> None:
        super().__init__(address, token, timeout)
        #: The socket while connected, else None.
        self.sock: Optional[socket.socket] = None
        self._buffer = bytearray(_INITIAL_BUFFER)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self.closed = False
        with _connections_lock:
            _connections.add(self)
        self.connect()

    def connect(self) -> socket.socket:
        """Opens the socket and shakes hands; raises :class:`AuthenticationError` for a refused token."""
        if self.closed:
            raise ConnectionLostError(f"this client of {self.address} is closed")
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        try:
            if self._timeout is not None:
                sock.settimeout(self._timeout)
            sock.connect(self._target)
            if self._family != getattr(socket, "AF_UNIX", None):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as error:
            sock.close()
            raise ConnectionLostError(f"cannot connect to the statestore bridge at {self.address}: "
                                      f"{error}") from error
        self.sock = sock
        self.generation += 1
        self._start = self._end = 0
        try:
            info = self.call(HELLO, self.hello_arguments())
        except AuthenticationError as error:
            self.drop()
            raise self.refused(error) from None
        except BaseException:
            self.drop()
            raise
        self.greeted(info)
        return sock

    def drop(self) -> None:
        """Closes the socket; the next request connects afresh."""
        sock, self.sock = self.sock, None
        self._start = self._end = 0
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def abandon(self) -> None:
        """In a forked child: closes this copy of the descriptor without shutdown(), which would cut
        the parent's connection too."""
        self.drop()

    def close(self) -> None:
        """Closes the connection for good: later requests raise :class:`ConnectionLostError`."""
        self.closed = True
        self.drop()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown anything may be gone
            self.drop()

    def call(self, op: str, args: Sequence[Any], if_nil: Any = None) -> Any:
        """Sends one request and returns its result (``if_nil`` for a nil result), or raises the
        error the server replied."""
        request_id, frame = self.encode(op, args)
        sock = self.sock or self.connect()
        try:
            sock.sendall(frame)
            # Fast path: the whole reply in one read (the buffer is empty between requests).
            received = sock.recv_into(self._view)
            if received > 4 and _unpack_length(self._buffer)[0] + 4 == received:
                reply = _unpackb(self._view[4:received], raw=False, strict_map_key=False,
                                 ext_hook=_ext_hook)
            else:
                if not received:
                    raise ConnectionResetError("the bridge closed the connection")
                self._end = received
                reply = self.read_reply()
        except BaseException as error:
            failure = self._broken(error, f"during {op!r}")
            if failure is error:
                raise
            raise failure from failure.__cause__
        if reply[1] == 0 and reply[0] == request_id:
            result = reply[2]
            return if_nil if result is None else result
        raise self.reply_error(reply, request_id, op)

    def exchange(self, frames: Union[bytes, bytearray], requests: Sequence[tuple[int, str, Any]]) -> list[Outcome]:
        """Sends ``frames`` (made by :meth:`encode`) in one write and reads a reply for each of
        ``requests`` (request id, op, result for nil); returns each result, or the error it got."""
        sock = self.sock or self.connect()
        try:
            sock.sendall(frames)
            replies = [self.read_reply() for _ in requests]
        except BaseException as error:
            failure = self._broken(error, f"during a pipeline of {len(requests)} requests")
            if failure is error:
                raise
            raise failure from failure.__cause__
        outcomes: list[Outcome] = []
        for (request_id, op, if_nil), reply in zip(requests, replies):
            if reply[1] == 0 and reply[0] == request_id:
                result = reply[2]
                outcomes.append(if_nil if result is None else result)
            else:
                failure = self.reply_error(reply, request_id, op)
                if isinstance(failure, ProtocolError) and failure.code is None:
                    raise failure  # out of step with the server: the results cannot be trusted
                outcomes.append(failure)
        return outcomes

    def _broken(self, error: BaseException, during: str) -> BaseException:
        """The exception to raise for ``error`` met mid-request; its ``__cause__`` is the one to chain."""
        # Whatever happened mid-request (lost connection, timeout, KeyboardInterrupt), the stream may
        # hold a reply nobody will read: never reuse it.
        refusal = None
        if isinstance(error, OSError) and not isinstance(error, socket.timeout):
            refusal = self._waiting_refusal()
        self.drop()
        if refusal is not None:
            return refusal
        if isinstance(error, OSError):
            lost = ConnectionLostError(f"connection to {self.address} lost {during}: {error}")
            lost.__cause__ = error
            return lost
        return error

    def _waiting_refusal(self) -> Optional[StateStoreError]:
        """After a failed write: the error reply a server sent before closing (too many connections,
        a frame too large), if one is waiting to be read."""
        if self.sock is None:
            return None
        try:
            self.sock.settimeout(_REFUSAL_WAIT_SECONDS)
            reply = self.read_reply()
            code = reply[1]
            if code:
                return error_for_code(code, reply[2])
        except Exception:  # nothing readable: the write error stands
            pass
        return None

    def reply_error(self, reply: Any, request_id: int, op: str) -> StateStoreError:
        """The error an unsuccessful reply to request ``request_id`` stands for; drops the socket
        when the server closes it after this error or the reply is out of step."""
        error, closes = reply_failure(reply, request_id, op)
        if closes:
            self.drop()
        return error

    def buffered_frame(self) -> bool:
        """Whether a whole frame is already read into the buffer (so reading it will not wait)."""
        start, end = self._start, self._end
        return end - start >= 4 and start + 4 + _unpack_length(self._buffer, start)[0] <= end

    def read_reply(self) -> Any:
        """Reads one frame, decodes it and returns the reply list."""
        sock = self.sock
        if sock is None:
            raise ConnectionResetError("not connected")
        buffer = self._buffer
        start = self._start
        end = self._end
        while True:
            if end - start >= 4:
                stop = start + 4 + _unpack_length(buffer, start)[0]
                if stop <= end:
                    reply = _unpack(self._view[start + 4:stop])
                    if stop == end:
                        self._start = self._end = 0
                    else:
                        self._start = stop
                        self._end = end
                    return reply
                needed = stop - start
            else:
                needed = 4
            if start + needed > len(buffer):
                # Move what we have to the front, into a larger buffer if the frame needs one.
                if needed > len(buffer):
                    bigger = bytearray(max(needed, 2 * len(buffer)))
                    bigger[:end - start] = self._view[start:end]
                    self._view.release()
                    self._buffer = buffer = bigger
                    self._view = memoryview(bigger)
                else:
                    buffer[:end - start] = self._view[start:end]
                end -= start
                start = 0
                self._start = 0
                self._end = end
            received = sock.recv_into(self._view[end:])
            if not received:
                raise ConnectionResetError("the bridge closed the connection")
            end += received
            self._end = end
