"""The synchronous fronts of the commands: :class:`Client` and its :class:`Pipeline`."""

from collections.abc import Iterable
from typing import Any, Optional

from .commands import Commands
from .connection import Connection, Outcome, parse_address, resolve
from .errors import StateStoreError
from .lease import Lease, acquire
from .nearcache import DEFAULT_MAX_ENTRIES, NearCache
from .protocol import VERSIONS
from .watch import Watch

__all__ = ["PROTOCOL_VERSIONS", "Client", "Pipeline", "parse_address"]

#: The protocol versions this client speaks, offered in the handshake.
PROTOCOL_VERSIONS = list(VERSIONS)

# A pipeline flushes its queued requests at this size and reads their replies before queuing more,
# so that neither side can block writing while the other blocks writing too.
_PIPELINE_CHUNK = 64 * 1024


class Client(Commands):
    """One connection to a statestore bridge, with a method for each operation
    (see :class:`~statestore.commands.Commands`) that returns its result.

    ``address`` (``unix:/path`` or ``tcp:host:port``) and ``token`` default to the environment
    variables ``STATESTORE_ADDRESS`` and ``STATESTORE_TOKEN``; :class:`ConfigurationError` says
    which is missing. The connection is opened and authenticated in the constructor (so a wrong
    token raises :class:`AuthenticationError` here) and reopened on the next request after it
    broke or after a fork. ``timeout`` (seconds) bounds each socket operation; ``None`` waits
    forever. A client is not meant to be used by several threads at once; give each thread its own
    (the module-level ``state_*`` functions do exactly that). Use as a context manager, or call
    :meth:`close`.

    ``near_cache`` (a list of key prefixes) keeps the values of those keys in this process once read,
    dropped when the bridge tells of a change (see :class:`~statestore.nearcache.NearCache` and
    docs/watch.md); at most ``near_cache_size`` keys.
    """

    __slots__ = ("__weakref__", "_token", "address", "connection", "near_cache")

    def __init__(self, address: Optional[str] = None, token: Optional[str] = None, *,
                 timeout: Optional[float] = None, near_cache: Optional[Iterable[str]] = None,
                 near_cache_size: int = DEFAULT_MAX_ENTRIES) -> None:
        address, token = resolve(address, token)
        self.address = address
        self._token = token
        self.connection = Connection(address, token, timeout)
        self.near_cache: Optional[NearCache] = None
        if near_cache is not None:
            self.near_cache = NearCache(address, token, near_cache, near_cache_size)

    @property
    def server_info(self) -> Any:
        """What the server said in the handshake: ``version``, ``server``, ``max_frame``."""
        return self.connection.server_info

    def execute_command(self, op: str, args: tuple[Any, ...], if_nil: Any = None) -> Any:
        cache = self.near_cache
        if cache is None:
            return self.connection.call(op, args, if_nil)
        return cache.call(self.connection, op, args, if_nil)

    def get(self, key: str, default: Any = None) -> Any:
        cache = self.near_cache
        if cache is None:
            return self.connection.call("get", (key,), default)
        return cache.get(self.connection, key, default)

    get.__doc__ = Commands.get.__doc__

    def watch(self, prefix: str = "") -> Watch:
        """Watches the keys under ``prefix`` (every key by default) on a connection of its own: a
        :class:`~statestore.watch.Watch`, an iterator of events to use as a context manager."""
        return Watch(self.address, self._token, prefix)

    def lock(self, name: str, ttl: float = 30.0, timeout: Optional[float] = None) -> Lease:
        """Takes the lock ``name`` for ``ttl`` seconds, waiting at most ``timeout`` seconds (None: as long as
        it takes; 0: try once): a :class:`~statestore.lease.Lease` (a context manager). Raises
        :class:`~statestore.errors.LockTimeoutError` when not granted in time. See docs/locks.md."""
        return acquire(self.connection, name, 1, ttl, timeout)

    def semaphore(self, name: str, permits: int, ttl: float = 30.0, timeout: Optional[float] = None) -> Lease:
        """Takes one of the ``permits`` permits of the semaphore ``name``, as :meth:`lock` does."""
        return acquire(self.connection, name, permits, ttl, timeout)

    def pipeline(self, raise_on_error: bool = True) -> "Pipeline":
        """Returns a :class:`Pipeline` that queues requests and sends them together. Its reads do not use
        the near cache; its writes drop what they change from it after :meth:`Pipeline.execute`."""
        return Pipeline(self.connection, raise_on_error, self.near_cache)

    def close(self) -> None:
        """Closes the connection (and the near cache). Later requests raise :class:`ConnectionLostError`."""
        self.connection.close()
        if self.near_cache is not None:
            self.near_cache.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.connection.closed else ("connected" if self.connection.sock else "idle")
        return f"<statestore.Client {self.address} {state}>"


class Pipeline(Commands):
    """Queues requests and sends them together, then reads all replies.

    Each command method queues one request and returns the pipeline, so calls chain::

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

    __slots__ = ("_connection", "_frames", "_near_cache", "_queued", "_results", "_written", "raise_on_error")

    def __init__(self, connection: Connection, raise_on_error: bool = True,
                 near_cache: Optional[NearCache] = None) -> None:
        self._connection = connection
        self._near_cache = near_cache
        self.raise_on_error = raise_on_error
        self._frames = bytearray()
        self._queued: list[tuple[int, str, Any]] = []  # not yet sent: (request id, op, result for nil)
        self._results: list[Outcome] = []
        self._written: list[tuple[str, tuple[Any, ...]]] = []  # ops queued, for the near cache to forget

    def __len__(self) -> int:
        return len(self._results) + len(self._queued)

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.reset()

    def reset(self) -> None:
        """Forgets every queued request that was not sent."""
        self._frames = bytearray()
        self._queued = []
        self._results = []
        self._written = []

    def execute_command(self, op: str, args: tuple[Any, ...], if_nil: Any = None) -> "Pipeline":
        request_id, frame = self._connection.encode(op, args)
        if self._frames and len(self._frames) + len(frame) > _PIPELINE_CHUNK:
            self._flush()  # a large request goes alone, after the replies to what came before
        self._frames += frame
        self._queued.append((request_id, op, if_nil))
        if self._near_cache is not None:
            self._written.append((op, args))
        if len(self._frames) >= _PIPELINE_CHUNK:
            self._flush()
        return self

    def _flush(self) -> None:
        frames, queued = self._frames, self._queued
        self._frames, self._queued = bytearray(), []
        written, self._written = self._written, []
        try:
            self._results += self._connection.exchange(frames, queued)
        finally:
            if self._near_cache is not None:
                for op, args in written:
                    self._near_cache.forget_written(op, args)

    def execute(self, raise_on_error: Optional[bool] = None) -> list[Any]:
        """Sends what is queued, reads every reply and returns the results in request order.

        ``raise_on_error`` overrides the pipeline's setting for this call (see the class
        documentation). The pipeline is empty afterwards and can be reused.
        """
        if raise_on_error is None:
            raise_on_error = self.raise_on_error
        try:
            if self._queued:
                self._flush()
            results = self._results
        finally:
            self.reset()
        if raise_on_error:
            for result in results:
                if isinstance(result, StateStoreError):
                    raise result
        return results
