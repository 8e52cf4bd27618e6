"""The connection to a statestore bridge: :class:`Client` and its :class:`Pipeline`.

A client holds one connection (a Unix domain socket or TCP) and speaks protocol v1: frames of a
4-byte big-endian length and one msgpack value; requests ``[id, op, args...]``; replies
``[id, 0, result]`` or ``[id, code, message]``.

A ``Client`` is one connection and is not meant to be used by several threads at once; give each
thread its own (the module-level ``state_*`` functions do exactly that). After ``os.fork()`` a
child never touches its parent's connection: every client the child inherited reconnects on its
first request there.
"""

import os
import socket
import struct
import threading
import weakref
from itertools import count
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

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

__all__ = ["Client", "Pipeline", "PROTOCOL_VERSIONS", "parse_address"]

#: The protocol versions this client speaks, offered in the handshake.
PROTOCOL_VERSIONS = [1]

_LENGTH = struct.Struct(">I")
_pack_length = _LENGTH.pack
_unpack_length = _LENGTH.unpack_from
_unpack = codec.unpack
_unpackb = msgpack.unpackb
_ext_hook = codec.ext_hook

_INITIAL_BUFFER = 64 * 1024
# A pipeline flushes its queued requests at this size and reads their replies before queuing
# more, so that neither side can block writing while the other blocks writing too.
_PIPELINE_CHUNK = 64 * 1024
# How long to wait for the explanation of a server that closed the connection on us.
_REFUSAL_WAIT_SECONDS = 1.0
# The server closes the connection after these errors.
_CLOSING_CODES = frozenset({2, 3, 8, 10})

# Every live client, so that a forked child can drop the connections it inherited.
_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()
_clients_lock = threading.Lock()


def _forget_inherited_connections() -> None:
    global _clients_lock
    # Another thread of the parent may have held the lock at the fork; that thread does not exist here.
    _clients_lock = threading.Lock()
    for client in list(_clients):
        client._abandon()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_connections)


def parse_address(address: str) -> Tuple[int, Any]:
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


def _encode_failure(error: Exception) -> InvalidArgumentError:
    if isinstance(error, UnicodeEncodeError):
        return InvalidArgumentError(
            f"a string holds an unpaired surrogate ({error.object[error.start:error.end]!r} at index "
            f"{error.start}); only valid Unicode can be stored")
    if isinstance(error, ValueError) and "recursion" in str(error):
        return InvalidArgumentError("the value nests lists and dicts too deeply (is there a cycle?)")
    return InvalidArgumentError(f"the value cannot be encoded: {error}")


class Client:
    """One connection to a statestore bridge.

    ``address`` (``unix:/path`` or ``tcp:host:port``) and ``token`` default to the environment
    variables ``STATESTORE_ADDRESS`` and ``STATESTORE_TOKEN``; :class:`ConfigurationError` says
    which is missing. The connection is opened and authenticated in the constructor (so a wrong
    token raises :class:`AuthenticationError` here) and reopened on the next request after it
    broke or after a fork. ``timeout`` (seconds) bounds each socket operation; ``None`` waits
    forever. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, address: Optional[str] = None, token: Optional[str] = None, *,
                 timeout: Optional[float] = None) -> None:
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
        self.address: str = address
        self._family, self._target = parse_address(address)
        self._token = token
        self._timeout = timeout
        self._packer = codec.new_packer()
        self._ids = count(1)
        self._sock: Optional[socket.socket] = None
        self._buffer = bytearray(_INITIAL_BUFFER)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self._closed = False
        #: What the server said in the handshake: ``version``, ``server``, ``max_frame``.
        self.server_info: Dict[str, Any] = {}
        with _clients_lock:
            _clients.add(self)
        self._connect()

    # -- connection ---------------------------------------------------------------------------

    def _connect(self) -> socket.socket:
        if self._closed:
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
        self._sock = sock
        self._start = self._end = 0
        try:
            info = self._call("hello", PROTOCOL_VERSIONS, self._token)
        except AuthenticationError as error:
            self._drop()
            raise AuthenticationError(f"the bridge at {self.address} refused the token: {error}",
                                      error.code) from None
        except BaseException:
            self._drop()
            raise
        self.server_info = info if isinstance(info, dict) else {}
        return sock

    def _drop(self) -> None:
        sock, self._sock = self._sock, None
        self._start = self._end = 0
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def _abandon(self) -> None:
        # In a forked child: close our copy of the descriptor without shutdown(), which would
        # cut the parent's connection too; the next request connects afresh.
        self._drop()

    def close(self) -> None:
        """Closes the connection. Later requests raise :class:`ConnectionLostError`."""
        self._closed = True
        self._drop()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._drop()
        except Exception:  # interpreter shutdown
            pass

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("connected" if self._sock else "idle")
        return f"<statestore.Client {self.address} {state}>"

    # -- wire ---------------------------------------------------------------------------------

    def _encode(self, request: List[Any]) -> bytes:
        try:
            body = self._packer.pack(request)
        except StateStoreError:
            raise
        except (ValueError, TypeError, OverflowError) as error:
            raise _encode_failure(error) from None
        return _pack_length(len(body)) + body

    def _call(self, op: str, *args: Any) -> Any:
        """Sends one request and returns its result, or raises the error the server replied."""
        request_id = next(self._ids)
        try:
            frame = self._packer.pack([request_id, op, *args])
        except StateStoreError:
            raise
        except (ValueError, TypeError, OverflowError) as error:
            raise _encode_failure(error) from None
        sock = self._sock or self._connect()
        try:
            sock.sendall(_pack_length(len(frame)) + frame)
            # Fast path: the whole reply in one read (the buffer is empty between requests).
            received = sock.recv_into(self._view)
            if received > 4 and _unpack_length(self._buffer)[0] + 4 == received:
                reply = _unpackb(self._view[4:received], raw=False, strict_map_key=False,
                                 ext_hook=_ext_hook)
            else:
                if not received:
                    raise ConnectionResetError("the bridge closed the connection")
                self._end = received
                reply = self._read_reply()
        except BaseException as error:
            # Whatever happened mid-request (lost connection, timeout, KeyboardInterrupt), the
            # stream may hold a reply nobody will read: never reuse it.
            refusal = None
            if isinstance(error, OSError) and not isinstance(error, socket.timeout):
                refusal = self._waiting_refusal()
            self._drop()
            if refusal is not None:
                raise refusal from None
            if isinstance(error, OSError):
                raise ConnectionLostError(f"connection to {self.address} lost during {op!r}: "
                                          f"{error}") from error
            raise
        if reply[1] == 0 and reply[0] == request_id:
            return reply[2]
        raise self._reply_error(reply, request_id, op)

    def _waiting_refusal(self) -> Optional[StateStoreError]:
        """After a failed write: the error reply a server sent before closing (too many connections,
        a frame too large), if one is waiting to be read."""
        try:
            self._sock.settimeout(_REFUSAL_WAIT_SECONDS)
            reply = self._read_reply()
            code = reply[1]
            if code:
                return error_for_code(code, reply[2])
        except Exception:  # nothing readable: the write error stands
            pass
        return None

    def _reply_error(self, reply: Any, request_id: int, op: str) -> StateStoreError:
        try:
            reply_id, code, message = reply
        except (TypeError, ValueError):
            self._drop()
            return ProtocolError(f"the server sent {reply!r:.200} instead of [id, code, result]")
        if code == 0 or (reply_id is not None and reply_id != request_id):
            self._drop()
            return ProtocolError(f"reply {reply_id!r} does not answer request {request_id} ({op!r}); "
                                 f"the connection was reset")
        if reply_id is None or code in _CLOSING_CODES:
            # The server closes after these (or could not read an id): start afresh next time.
            self._drop()
        return error_for_code(code, message)

    def _read_reply(self) -> Any:
        """Reads one frame, decodes it and returns the reply list."""
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
            received = self._sock.recv_into(self._view[end:])
            if not received:
                raise ConnectionResetError("the bridge closed the connection")
            end += received
            self._end = end

    # -- operations ---------------------------------------------------------------------------

    def ping(self) -> None:
        """Checks the connection with one round trip."""
        self._call("ping")

    def get(self, key: str, default: Any = None) -> Any:
        """Returns the value stored under ``key``, or ``default`` when the key is absent."""
        value = self._call("get", key)
        return default if value is None else value

    def set(self, key: str, value: Any) -> None:
        """Stores ``value`` under ``key``, replacing what was there.

        Raises :class:`InvalidArgumentError` for a bad key or a value outside the value model
        (including a top-level ``None``: use :meth:`delete`); nothing is written then.
        """
        if value is None:
            raise InvalidArgumentError(f"cannot store None under {key!r:.60}: absence is not a value; "
                                       f"use delete() to remove a key")
        self._call("set", key, value)

    def delete(self, key: str) -> bool:
        """Removes ``key``; returns whether something was removed."""
        return self._call("delete", key)

    def keys(self, prefix: Optional[str] = None) -> List[str]:
        """Returns a snapshot of the keys, or of those starting with ``prefix``."""
        return self._call("keys", prefix)

    def clear(self) -> None:
        """Removes every key."""
        self._call("clear")

    def size(self) -> int:
        """Returns the number of keys."""
        return self._call("size")

    def incr(self, key: str, amount: int = 1) -> int:
        """Atomically adds ``amount`` (a signed 64-bit int) to the integer under ``key`` (an absent
        key counts as 0) and returns the new value.

        Raises :class:`StateTypeError` if the key holds a non-integer and
        :class:`CounterOverflowError` if the result leaves the signed 64-bit range; the stored value
        is unchanged then.
        """
        return self._call("incr", key, amount)

    def decr(self, key: str, amount: int = 1) -> int:
        """Atomically subtracts ``amount`` from the integer under ``key``; see :meth:`incr`."""
        return self._call("decr", key, amount)

    def get_multi(self, keys: Iterable[str]) -> Dict[str, Any]:
        """Returns a dict of the given keys that are present, with their values."""
        return self._call("get_multi", list(keys))

    def set_multi(self, mapping: Mapping[str, Any]) -> None:
        """Stores every entry of ``mapping``; a bad entry fails the whole batch and nothing is
        written."""
        if not isinstance(mapping, dict):
            mapping = dict(mapping)
        self._call("set_multi", mapping)

    def cas(self, key: str, expected: Any, update: Any) -> bool:
        """Compare-and-set: if the value under ``key`` equals ``expected`` (``None`` meaning
        "absent"), replaces it with ``update`` (``None`` meaning "remove") and returns True;
        otherwise changes nothing and returns False. Equality is value equality (dicts regardless
        of order)."""
        return self._call("cas", key, expected, update)

    def pipeline(self, raise_on_error: bool = True) -> "Pipeline":
        """Returns a :class:`Pipeline` that queues requests and sends them together."""
        return Pipeline(self, raise_on_error)


_GET = object()  # marks a queued get, whose None result becomes its default


class Pipeline:
    """Queues requests and sends them together, then reads all replies.

    Each method queues one request and returns the pipeline, so calls chain::

        with client.pipeline() as pipe:
            pipe.incr("hits").get("config", {}).set("seen", True)
            hits, config, _ = pipe.execute()

    Requests go out in one write (one per 64 KiB of requests for very large batches, reading the
    replies of each part before sending the next, so that neither side can block the other). A
    value outside the value model is rejected when it is queued, before anything is sent. The
    server carries out the requests in order; each one is independent (a pipeline is not a
    transaction): a failing request does not stop the others.

    :meth:`execute` returns the results in request order. When a request failed, then with
    ``raise_on_error=True`` (the default) it raises the first such error after all replies were read
    (the connection stays usable), and with ``raise_on_error=False`` the exception object stands in
    the list in place of that result.
    """

    def __init__(self, client: Client, raise_on_error: bool = True) -> None:
        self._client = client
        self.raise_on_error = raise_on_error
        self._frames = bytearray()
        self._pending: List[Tuple[int, str, Any]] = []  # (request id, op, default for a get)
        self._sent = 0  # requests of _pending already flushed
        self._results: List[Any] = []

    def __len__(self) -> int:
        return len(self._pending)

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.reset()

    def reset(self) -> None:
        """Forgets every queued request that was not sent."""
        self._frames = bytearray()
        self._pending = []
        self._sent = 0
        self._results = []

    def _queue(self, op: str, args: Tuple[Any, ...], default: Any = None) -> "Pipeline":
        request_id = next(self._client._ids)
        frame = self._client._encode([request_id, op, *args])
        if self._frames and len(self._frames) + len(frame) > _PIPELINE_CHUNK:
            self._flush()  # a large request goes alone, after the replies to what came before
        self._frames += frame
        self._pending.append((request_id, op, default))
        if len(self._frames) >= _PIPELINE_CHUNK:
            self._flush()
        return self

    def _flush(self) -> None:
        client = self._client
        frames, self._frames = self._frames, bytearray()
        waiting = self._pending[self._sent:]
        self._sent = len(self._pending)
        sock = client._sock or client._connect()
        try:
            sock.sendall(frames)
            replies = [client._read_reply() for _ in waiting]
        except BaseException as error:
            client._drop()
            if isinstance(error, OSError):
                raise ConnectionLostError(f"connection to {client.address} lost during a pipeline "
                                          f"of {len(self._pending)} requests: {error}") from error
            raise
        results = self._results
        for (request_id, op, default), reply in zip(waiting, replies):
            if reply[1] == 0 and reply[0] == request_id:
                value = reply[2]
                results.append(default if value is None and op == "get" else value)
            else:
                error = client._reply_error(reply, request_id, op)
                if isinstance(error, ProtocolError) and error.code is None:
                    raise error  # out of step with the server: the results cannot be trusted
                results.append(error)

    def execute(self, raise_on_error: Optional[bool] = None) -> List[Any]:
        """Sends what is queued, reads every reply and returns the results in request order.

        ``raise_on_error`` overrides the pipeline's setting for this call (see the class
        documentation). The pipeline is empty afterwards and can be reused.
        """
        if raise_on_error is None:
            raise_on_error = self.raise_on_error
        try:
            if self._sent < len(self._pending):
                self._flush()
            results = self._results
        finally:
            self.reset()
        if raise_on_error:
            for result in results:
                if isinstance(result, StateStoreError):
                    raise result
        return results

    def ping(self) -> "Pipeline":
        """Queues a ping (result None)."""
        return self._queue("ping", ())

    def get(self, key: str, default: Any = None) -> "Pipeline":
        """Queues a get; its result is the value or ``default``."""
        return self._queue("get", (key,), default)

    def set(self, key: str, value: Any) -> "Pipeline":
        """Queues a set (result None)."""
        if value is None:
            raise InvalidArgumentError(f"cannot store None under {key!r:.60}: absence is not a value; "
                                       f"use delete() to remove a key")
        return self._queue("set", (key, value))

    def delete(self, key: str) -> "Pipeline":
        """Queues a delete (result: whether something was removed)."""
        return self._queue("delete", (key,))

    def keys(self, prefix: Optional[str] = None) -> "Pipeline":
        """Queues a keys snapshot (result: list of keys)."""
        return self._queue("keys", (prefix,))

    def clear(self) -> "Pipeline":
        """Queues a clear (result None)."""
        return self._queue("clear", ())

    def size(self) -> "Pipeline":
        """Queues a size (result: number of keys)."""
        return self._queue("size", ())

    def incr(self, key: str, amount: int = 1) -> "Pipeline":
        """Queues an incr (result: the new value)."""
        return self._queue("incr", (key, amount))

    def decr(self, key: str, amount: int = 1) -> "Pipeline":
        """Queues a decr (result: the new value)."""
        return self._queue("decr", (key, amount))

    def get_multi(self, keys: Iterable[str]) -> "Pipeline":
        """Queues a get_multi (result: dict of present keys)."""
        return self._queue("get_multi", (list(keys),))

    def set_multi(self, mapping: Mapping[str, Any]) -> "Pipeline":
        """Queues a set_multi (result None)."""
        return self._queue("set_multi", (mapping if isinstance(mapping, dict) else dict(mapping),))

    def cas(self, key: str, expected: Any, update: Any) -> "Pipeline":
        """Queues a compare-and-set (result: bool)."""
        return self._queue("cas", (key, expected, update))
