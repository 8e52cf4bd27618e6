"""Locks and semaphores whose leases end with the worker: see docs/locks.md.

::

    with state_lock("model-download", ttl=60) as lease:     # or Client(...).lock(...)
        download(fencing_token=lease.token)

    with state_semaphore("gpu", 2, ttl=30, timeout=5.0):   # at most 2 holders; LockTimeoutError after 5 s
        train()

A lease ends when released, when its ``ttl`` passes without :meth:`Lease.extend`, and when the connection that
took it closes: a worker that dies, however it dies, lets its leases go at once. Its ``token`` (the fencing
token) is larger than any granted on the name before: pass it to what the lock protects, and have that refuse
a token lower than one it has seen, since a pause longer than ``ttl`` can end a lease without its holder
noticing.
"""

import time
from typing import Any, Optional

from .connection import Connection, Endpoint
from .errors import LockTimeoutError
from .protocol import ACQUIRE, EXTEND, RELEASE

__all__ = ["Lease", "LeaseState", "acquire"]


def acquire(connection: Connection, name: str, permits: int, ttl: float, timeout: Optional[float]) -> "Lease":
    """Takes a permit on ``connection``: once at once, and if it is taken and ``timeout`` allows, waiting on a
    connection of its own (the lease then holds that connection until released)."""
    try:
        return Lease(connection, name, ttl, connection.call(ACQUIRE, (name, permits, ttl, 0)))
    except LockTimeoutError:
        if timeout == 0:
            raise
    own = Connection(connection.address, connection.token)
    try:
        return Lease(own, name, ttl, own.call(ACQUIRE, (name, permits, ttl, timeout)), owns_connection=True)
    except BaseException:
        own.close()
        raise


class LeaseState:
    """What a lease keeps, whichever client holds it: the connection it lives on (and which opening of it), its
    id there, its name and token, and when its ttl passes by this process's clock."""

    __slots__ = ("_connection", "_ends_at", "_generation", "_id", "_owns_connection", "name", "released", "token")

    def __init__(self, connection: Endpoint, name: str, ttl: float, granted: Any, owns_connection: bool) -> None:
        self._connection = connection
        self._generation = connection.generation
        self._owns_connection = owns_connection
        self._id, self.token = granted
        self._ends_at = time.monotonic() + ttl
        self.name = name
        self.released = False

    def _renewed(self, ttl: float) -> None:
        self._ends_at = time.monotonic() + ttl

    def _within_ttl(self) -> bool:
        return time.monotonic() < self._ends_at

    def __repr__(self) -> str:
        ended = "" if not self.released and self._within_ttl() else " (ended)"
        return f"<{type(self).__module__}.{type(self).__name__} {self.name!r} token {self.token}{ended}>"


class Lease(LeaseState):
    """A lock or semaphore permit held through the bridge; a context manager that releases it on exit."""

    __slots__ = ()

    def __init__(self, connection: Connection, name: str, ttl: float, granted: Any,
                 owns_connection: bool = False) -> None:
        super().__init__(connection, name, ttl, granted, owns_connection)
        self._connection: Connection = connection

    def _held_connection(self) -> Optional[Connection]:
        """The connection the lease lives on, or None if it closed since (which ended the lease)."""
        connection = self._connection
        if self.released or connection.sock is None or connection.generation != self._generation:
            return None
        return connection

    def extend(self, ttl: float) -> bool:
        """Makes the lease end ``ttl`` seconds from now instead; False if it had already ended."""
        connection = self._held_connection()
        if connection is None or not connection.call(EXTEND, (self._id, ttl)):
            return False
        self._renewed(ttl)
        return True

    def release(self) -> None:
        """Ends the lease now (nothing happens if it had ended). Idempotent."""
        if self.released:
            return
        connection = self._held_connection()
        self.released = True
        try:
            if connection is not None:
                connection.call(RELEASE, (self._id,))
        finally:
            if self._owns_connection:
                self._connection.close()

    @property
    def valid(self) -> bool:
        """Whether the lease may still be held: not released, its connection not lost, its ttl not passed."""
        return self._held_connection() is not None and self._within_ttl()

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.release()
