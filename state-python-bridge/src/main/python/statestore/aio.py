"""The asyncio client: every operation of :class:`statestore.Client` as a coroutine, many tasks on one connection.

::

    from statestore.aio import AsyncClient, state_get, state_incr

    async with AsyncClient() as client:          # STATESTORE_ADDRESS / STATESTORE_TOKEN by default
        await client.set("config", {"workers": 4})
        hits = await client.incr("hits")
        async with client.pipeline() as pipe:
            pipe.incr("a").get("b", 0)
            a, b = await pipe.execute()

    await state_incr("hits")                     # the default client of the running event loop

The operations are those of :class:`~statestore.commands.Commands`, written once for every front; here each
returns an awaitable. Any number of tasks share one connection: a request is written as soon as it is made,
and replies, which the bridge sends in request order, are matched to the waiting requests in that order, so
no lock is held across a round trip and there is no pool to run out of. A task cancelled while it waits only
gives up its reply: the reply is read and dropped, and the connection stays in step for the others. When the
connection is lost, every waiting request fails with :class:`ConnectionLostError` (it may or may not have
been carried out) and the next request connects again.

A client belongs to the event loop it first connects on; a process made by ``os.fork()`` makes its own
clients rather than use its parent's. ``timeout`` (seconds) bounds each request's wait for its reply
(:class:`TimeoutError` then; the late reply is dropped) and the connect.
"""

import asyncio
import weakref
from collections import deque
from collections.abc import Awaitable, Generator, Sequence
from typing import Any, Optional, Union

from . import codec
from .commands import Commands
from .connection import Endpoint, reply_failure, resolve
from .errors import AuthenticationError, ConnectionLostError, LockTimeoutError, ProtocolError, StateStoreError
from .lease import LeaseState
from .protocol import ACQUIRE, EXTEND, FRAME_HEADER, HELLO, RELEASE, UNWATCH, WATCH, WATCH_VERSION
from .watch import LOST, WatchEvent, pushed_event

__all__ = [
    "AsyncClient",
    "AsyncLease",
    "AsyncPipeline",
    "AsyncWatch",
    "LeaseRequest",
    "default_client",
    "reset_default_client",
    "state_cas",
    "state_clear",
    "state_decr",
    "state_delete",
    "state_expire",
    "state_get",
    "state_get_multi",
    "state_incr",
    "state_keys",
    "state_lock",
    "state_persist",
    "state_ping",
    "state_semaphore",
    "state_set",
    "state_set_multi",
    "state_size",
    "state_ttl",
    "state_watch",
]

_unpack_length = FRAME_HEADER.unpack_from
_unpack = codec.unpack

#: A request waiting for its reply: its id, op, result for nil, and the future its caller awaits.
_Waiting = tuple[int, str, Any, "asyncio.Future[Any]"]
#: How many events a watch holds for a task that has not taken them; beyond, they become one "lost".
_WATCH_BUFFER = 10_000
_LOST = WatchEvent(LOST, None)
Outcome = Union[Any, StateStoreError]


class _BridgeProtocol(asyncio.Protocol):
    """Cuts the byte stream into frames and hands each decoded reply to the connection."""

    def __init__(self, connection: "AsyncConnection") -> None:
        self._connection = connection
        self._buffer = bytearray()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        try:
            buffer = self._buffer
            if not buffer and len(data) > 4 and _unpack_length(data)[0] + 4 == len(data):
                self._connection.reply(_unpack(memoryview(data)[4:]), self)  # the common case: one whole reply
                return
            buffer += data
            start, end = 0, len(buffer)
            while end - start >= 4:
                stop = start + 4 + _unpack_length(buffer, start)[0]
                if stop > end:
                    break
                reply = _unpack(bytes(buffer[start + 4:stop]))
                start = stop
                self._connection.reply(reply, self)
            del buffer[:start]
        except Exception as error:  # an undecodable reply: nothing after it can be trusted
            self._connection.lost(ProtocolError(f"the server sent a reply this client cannot read: {error}"), self)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._connection.lost(ConnectionLostError(
            f"connection to {self._connection.address} lost: {exc or 'closed by the bridge'}"), self)
        if not self.closed.done():
            self.closed.set_result(None)


class AsyncConnection(Endpoint):
    """One connection to a bridge, shared by every task of one event loop; opened (and the token checked) on
    the first request, or by :meth:`ensure`, and opened again on the request after it was lost."""

    def __init__(self, address: str, token: str, timeout: Optional[float] = None) -> None:
        super().__init__(address, token, timeout)
        self._transport: Optional[asyncio.Transport] = None
        self._protocol: Optional[_BridgeProtocol] = None
        self._connecting: Optional[asyncio.Task[None]] = None
        self._waiting: deque[_Waiting] = deque()
        # The watches of the current connection, by subscription id.
        self._watches: dict[int, AsyncWatch] = {}
        self.closed = False

    @property
    def connected(self) -> bool:
        return self._transport is not None

    async def ensure(self) -> None:
        """Connects and shakes hands unless connected; tasks that ask meanwhile share the one attempt."""
        while self._transport is None:
            if self.closed:
                raise ConnectionLostError(f"this client of {self.address} is closed")
            if self._connecting is None:
                self._connecting = asyncio.get_running_loop().create_task(self._connect())
            connecting = self._connecting
            try:
                # Shielded: a caller cancelled while connecting must not abort the others' connect.
                await asyncio.shield(connecting)
            finally:
                if connecting.done() and self._connecting is connecting:
                    self._connecting = None

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        protocol = _BridgeProtocol(self)
        try:
            if isinstance(self._target, str):
                opening = loop.create_unix_connection(lambda: protocol, self._target)
            else:
                host, port = self._target
                opening = loop.create_connection(lambda: protocol, host, port)
            transport, _ = await asyncio.wait_for(opening, self._timeout)
        except (OSError, asyncio.TimeoutError) as error:
            raise ConnectionLostError(f"cannot connect to the statestore bridge at {self.address}: "
                                      f"{error or 'timed out'}") from error
        self._transport, self._protocol = transport, protocol
        self.generation += 1
        try:
            info = await self.request(HELLO, self.hello_arguments(), connect=False)
        except AuthenticationError as error:
            self.drop()
            raise self.refused(error) from None
        except BaseException:
            self.drop()
            raise
        self.greeted(info)

    async def request(self, op: str, args: Sequence[Any], if_nil: Any = None, *, connect: bool = True) -> Any:
        """Sends one request and returns its result (``if_nil`` for a nil result), or raises the error the
        server replied; connects first unless connected (or ``connect`` is false, for the handshake)."""
        request_id, frame = self.encode(op, args)
        if connect and self._transport is None:
            await self.ensure()
        return await self._send([(request_id, op, if_nil)], frame)[0]

    def _send(self, requests: Sequence[tuple[int, str, Any]], frames: bytes) -> list[Awaitable[Any]]:
        """Writes ``frames`` and returns, for each request in it, an awaitable of its result."""
        transport = self._transport
        if transport is None:
            raise ConnectionLostError(f"connection to {self.address} lost before the request was sent")
        loop = asyncio.get_running_loop()
        waits: list[Awaitable[Any]] = []
        for request_id, op, if_nil in requests:
            future: asyncio.Future[Any] = loop.create_future()
            self._waiting.append((request_id, op, if_nil, future))
            waits.append(future if self._timeout is None else asyncio.wait_for(future, self._timeout))
        transport.write(frames)
        return waits

    async def exchange(self, frames: bytes, requests: Sequence[tuple[int, str, Any]]) -> list[Outcome]:
        """Sends ``frames`` (made by :meth:`encode`) in one write and returns each request's result, or the
        error it got."""
        if self._transport is None:
            await self.ensure()
        outcomes = await asyncio.gather(*self._send(requests, frames), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, StateStoreError):
                raise outcome
        return outcomes

    def reply(self, reply: Any, protocol: _BridgeProtocol) -> None:
        """Called with each reply ``protocol`` read, in the order the server sent them."""
        if protocol is not self._protocol or self._transport is None:
            return  # from a connection already given up: nobody waits for it
        pushed = pushed_event(reply)
        if pushed is not None:
            watch = self._watches.get(pushed[0])
            if watch is not None:
                watch.deliver(pushed[1])
            return
        if not self._waiting:
            self.lost(ProtocolError(f"the server sent {reply!r:.200} when no request was waiting"), protocol)
            return
        request_id, op, if_nil, future = self._waiting.popleft()
        if reply[1] == 0 and reply[0] == request_id:
            result = reply[2]
            if op == WATCH:
                # Registered now, before the pushes that follow this reply are read; if_nil is the watch.
                self._watches[result] = if_nil
                if_nil.subscribed(result)
            if not future.done():  # else its task was cancelled or timed out: the reply is dropped
                future.set_result(if_nil if result is None else result)
            return
        error, closes = reply_failure(reply, request_id, op)
        if not future.done():
            future.set_exception(error)
        if closes:
            self.lost(ConnectionLostError(f"the bridge at {self.address} closed the connection after: {error}"),
                      protocol)

    def lost(self, error: StateStoreError, protocol: Optional[_BridgeProtocol]) -> None:
        """Closes the connection ``protocol`` serves and fails every request waiting on it with ``error``; the
        next request connects again. A connection given up earlier is not the current one: nothing to do."""
        if protocol is not self._protocol or protocol is None:
            return
        transport, self._transport, self._protocol = self._transport, None, None
        waiting, self._waiting = self._waiting, deque()
        watches, self._watches = self._watches, {}
        if transport is not None:
            transport.close()
        for _, _, _, future in waiting:
            if not future.done():
                future.set_exception(error)
        for watch in watches.values():
            watch.connection_lost()

    async def watch(self, watch: "AsyncWatch") -> None:
        """Subscribes ``watch`` on this connection (connecting first if need be)."""
        if self._transport is None:
            await self.ensure()
        version = self.server_info.get("version", 1)
        if version < WATCH_VERSION:
            raise ProtocolError(f"the bridge at {self.address} speaks protocol version {version}; watching "
                                f"needs {WATCH_VERSION} (a newer bridge)")
        request_id, frame = self.encode(WATCH, (watch.prefix,))
        await self._send([(request_id, WATCH, watch)], frame)[0]

    def unwatch(self, subscription: int) -> None:
        """Ends a subscription without waiting for the reply."""
        if self._watches.pop(subscription, None) is not None and self._transport is not None:
            request_id, frame = self.encode(UNWATCH, (subscription,))
            self._send([(request_id, UNWATCH, None)], frame)

    def drop(self) -> None:
        """Closes the connection; requests waiting on it fail, and the next request connects again."""
        self.lost(ConnectionLostError(f"connection to {self.address} closed by this client"), self._protocol)

    async def close(self) -> None:
        """Closes the connection for good, once the transport has closed."""
        self.closed = True
        protocol = self._protocol
        self.drop()
        if protocol is not None:
            await protocol.closed


class AsyncClient(Commands):
    """A connection to a statestore bridge whose operations (see :class:`~statestore.commands.Commands`)
    are coroutines. ``address`` and ``token`` default to ``STATESTORE_ADDRESS`` and ``STATESTORE_TOKEN``.
    The connection opens on ``async with`` (or :meth:`connect`, or the first request)."""

    __slots__ = ("__weakref__", "address", "connection")

    def __init__(self, address: Optional[str] = None, token: Optional[str] = None, *,
                 timeout: Optional[float] = None) -> None:
        address, token = resolve(address, token)
        self.address = address
        self.connection = AsyncConnection(address, token, timeout)

    @property
    def server_info(self) -> dict[str, Any]:
        """What the server said in the handshake: ``version``, ``server``, ``max_frame``."""
        return self.connection.server_info

    def execute_command(self, op: str, args: tuple[Any, ...], if_nil: Any = None) -> Awaitable[Any]:
        return self.connection.request(op, args, if_nil)

    def pipeline(self, raise_on_error: bool = True) -> "AsyncPipeline":
        """An :class:`AsyncPipeline` on this client's connection."""
        return AsyncPipeline(self.connection, raise_on_error)

    def lock(self, name: str, ttl: float = 30.0, timeout: Optional[float] = None) -> "LeaseRequest":
        """Takes the lock ``name`` (see :meth:`statestore.Client.lock`): ``async with client.lock("m") as
        lease:``, or ``lease = await client.lock("m")`` for an :class:`AsyncLease`. Tried once on this client's
        connection; when taken, waited for on a connection of its own, so the other tasks' requests never wait
        behind it."""
        return LeaseRequest(self.connection, name, 1, ttl, timeout)

    def semaphore(self, name: str, permits: int, ttl: float = 30.0, timeout: Optional[float] = None) -> "LeaseRequest":
        """Takes one of the ``permits`` permits of the semaphore ``name``, as :meth:`lock` does."""
        return LeaseRequest(self.connection, name, permits, ttl, timeout)

    def watch(self, prefix: str = "") -> "AsyncWatch":
        """Watches the keys under ``prefix`` (every key by default) on this client's connection: an
        :class:`AsyncWatch`, to use with ``async with`` and ``async for``."""
        return AsyncWatch(self.connection, prefix)

    async def connect(self) -> None:
        """Opens the connection and checks the token now (:class:`AuthenticationError` if refused)."""
        await self.connection.ensure()

    async def close(self) -> None:
        """Closes the connection; requests still waiting fail with :class:`ConnectionLostError`."""
        await self.connection.close()

    async def __aenter__(self) -> "AsyncClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self.connection.closed else ("connected" if self.connection.connected else "idle")
        return f"<statestore.aio.AsyncClient {self.address} {state}>"


class AsyncPipeline(Commands):
    """Queues requests (each command returns the pipeline, so calls chain) and sends them together on
    ``await pipe.execute()``, which returns the results in order; the rules are those of
    :class:`statestore.Pipeline`. Other tasks' requests may go out on the same connection meanwhile."""

    __slots__ = ("_connection", "_frames", "_queued", "raise_on_error")

    def __init__(self, connection: AsyncConnection, raise_on_error: bool = True) -> None:
        self._connection = connection
        self.raise_on_error = raise_on_error
        self._frames = bytearray()
        self._queued: list[tuple[int, str, Any]] = []

    def __len__(self) -> int:
        return len(self._queued)

    async def __aenter__(self) -> "AsyncPipeline":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.reset()

    def reset(self) -> None:
        """Forgets every queued request."""
        self._frames = bytearray()
        self._queued = []

    def execute_command(self, op: str, args: tuple[Any, ...], if_nil: Any = None) -> "AsyncPipeline":
        request_id, frame = self._connection.encode(op, args)
        self._frames += frame
        self._queued.append((request_id, op, if_nil))
        return self

    async def execute(self, raise_on_error: Optional[bool] = None) -> list[Any]:
        """Sends what is queued and returns the results in request order (see :class:`statestore.Pipeline`)."""
        if raise_on_error is None:
            raise_on_error = self.raise_on_error
        frames, queued = bytes(self._frames), self._queued
        self.reset()
        if not queued:
            return []
        results = await self._connection.exchange(frames, queued)
        if raise_on_error:
            for result in results:
                if isinstance(result, StateStoreError):
                    raise result
        return results


class LeaseRequest:
    """A lock or semaphore permit asked for: awaiting it gives the :class:`AsyncLease`; ``async with`` takes it
    and releases it on leaving."""

    def __init__(self, connection: "AsyncConnection", name: str, permits: int, ttl: float,
                 timeout: Optional[float]) -> None:
        self._arguments = (connection, name, permits, ttl, timeout)
        self._lease: Optional[AsyncLease] = None

    def __await__(self) -> Generator[Any, None, "AsyncLease"]:
        return _acquire(*self._arguments).__await__()

    async def __aenter__(self) -> "AsyncLease":
        self._lease = await _acquire(*self._arguments)
        return self._lease

    async def __aexit__(self, *exc_info: object) -> None:
        if self._lease is not None:
            await self._lease.release()


async def _acquire(connection: AsyncConnection, name: str, permits: int, ttl: float,
                   timeout: Optional[float]) -> "AsyncLease":
    try:
        return AsyncLease(connection, name, ttl, await connection.request(ACQUIRE, (name, permits, ttl, 0)))
    except LockTimeoutError:
        if timeout == 0:
            raise
    own = AsyncConnection(connection.address, connection.token)
    try:
        granted = await own.request(ACQUIRE, (name, permits, ttl, timeout))
        return AsyncLease(own, name, ttl, granted, owns_connection=True)
    except BaseException:
        await own.close()
        raise


class AsyncLease(LeaseState):
    """A lock or semaphore permit held through the bridge (see :class:`statestore.Lease`); ``async with``
    releases it."""

    __slots__ = ()

    def __init__(self, connection: AsyncConnection, name: str, ttl: float, granted: Any,
                 owns_connection: bool = False) -> None:
        super().__init__(connection, name, ttl, granted, owns_connection)
        self._connection: AsyncConnection = connection

    def _held(self) -> bool:
        return not self.released and self._connection.connected and self._connection.generation == self._generation

    async def extend(self, ttl: float) -> bool:
        """Makes the lease end ``ttl`` seconds from now instead; False if it had already ended."""
        if not self._held() or not await self._connection.request(EXTEND, (self._id, ttl), connect=False):
            return False
        self._renewed(ttl)
        return True

    async def release(self) -> None:
        """Ends the lease now (nothing happens if it had ended). Idempotent."""
        if self.released:
            return
        held = self._held()
        self.released = True
        try:
            if held:
                await self._connection.request(RELEASE, (self._id,), connect=False)
        finally:
            if self._owns_connection:
                await self._connection.close()

    @property
    def valid(self) -> bool:
        """Whether the lease may still be held: not released, its connection not lost, its ttl not passed."""
        return self._held() and self._within_ttl()

    async def __aenter__(self) -> "AsyncLease":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.release()


class AsyncWatch:
    """The :class:`~statestore.watch.WatchEvent` of the keys under ``prefix``, as an async iterator::

        async with client.watch("config:") as events:
            async for event in events:
                ...

    Events come on the client's connection, between replies. Up to 10,000 wait for a task that does not take
    them; beyond, they are replaced by one ``"lost"``. When the connection is lost the watch yields ``"lost"``
    and subscribes again (on a new connection) when the next event is asked for. The unwatch request is sent
    on leaving the ``async with`` (or :meth:`close`), without waiting for its reply.
    """

    def __init__(self, connection: AsyncConnection, prefix: str = "") -> None:
        self._connection = connection
        self.prefix = prefix
        self._events: deque[WatchEvent] = deque()
        self._arrived: Optional[asyncio.Event] = None
        self._subscription: Optional[int] = None
        self._closed = False

    async def __aenter__(self) -> "AsyncWatch":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    async def start(self) -> None:
        """Subscribes now (else the first wait for an event does)."""
        self._arrived = asyncio.Event()
        await self._connection.watch(self)

    def subscribed(self, subscription: int) -> None:
        self._subscription = subscription

    def deliver(self, event: WatchEvent) -> None:
        if len(self._events) >= _WATCH_BUFFER:
            self._events.clear()
            event = _LOST
        self._events.append(event)
        if self._arrived is not None:
            self._arrived.set()

    def connection_lost(self) -> None:
        self._subscription = None
        self.deliver(_LOST)

    def __aiter__(self) -> "AsyncWatch":
        return self

    async def __anext__(self) -> WatchEvent:
        if self._closed:
            raise StopAsyncIteration
        while not self._events:
            if self._subscription is None or self._arrived is None:
                await self.start()
                continue
            self._arrived.clear()
            await self._arrived.wait()
        return self._events.popleft()

    def close(self) -> None:
        """Stops watching."""
        self._closed = True
        if self._subscription is not None:
            self._connection.unwatch(self._subscription)
            self._subscription = None

    def __repr__(self) -> str:
        return f"<statestore.aio.AsyncWatch {self.prefix!r} on {self._connection.address}>"


def state_lock(name: str, ttl: float = 30.0, timeout: Optional[float] = None) -> LeaseRequest:
    """Takes the lock ``name`` through the running loop's default client (``async with state_lock("model") as
    lease: ...``)."""
    return default_client().lock(name, ttl, timeout)


def state_semaphore(name: str, permits: int, ttl: float = 30.0, timeout: Optional[float] = None) -> LeaseRequest:
    """Takes one of the ``permits`` permits of the semaphore ``name`` through the running loop's default client."""
    return default_client().semaphore(name, permits, ttl, timeout)


def state_watch(prefix: str = "") -> AsyncWatch:
    """Watches the keys under ``prefix`` through the running loop's default client (``async with
    state_watch("config:") as events: async for event in events: ...``)."""
    return default_client().watch(prefix)


# One default client per event loop, made from the environment on first use.
_default_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncClient]" = weakref.WeakKeyDictionary()


def default_client() -> AsyncClient:
    """The running event loop's default client (made from the environment on first use)."""
    loop = asyncio.get_running_loop()
    client = _default_clients.get(loop)
    if client is None:
        client = _default_clients[loop] = AsyncClient()
    return client


async def reset_default_client() -> None:
    """Closes the running loop's default client; the next ``state_*`` call makes a new one, reading
    ``STATESTORE_ADDRESS`` and ``STATESTORE_TOKEN`` again."""
    client = _default_clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.close()


class _LoopsDefaultClient(Commands):
    """The commands, each carried out by the running event loop's default client."""

    __slots__ = ()

    def execute_command(self, op: str, args: tuple[Any, ...], if_nil: Any = None) -> Awaitable[Any]:
        return default_client().connection.request(op, args, if_nil)


# The functions of py_state (and the rest of the commands) as coroutines, each one the command of
# statestore.commands bound to the running loop's default client.
_default = _LoopsDefaultClient()
state_ping = _default.ping
state_set = _default.set
state_get = _default.get
state_delete = _default.delete
state_keys = _default.keys
state_clear = _default.clear
state_size = _default.size
state_incr = _default.incr
state_decr = _default.decr
state_get_multi = _default.get_multi
state_set_multi = _default.set_multi
state_cas = _default.cas
state_expire = _default.expire
state_persist = _default.persist
state_ttl = _default.ttl
