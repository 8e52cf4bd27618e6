"""Every operation of the bridge, written once.

:class:`Commands` holds one method per operation; the method's name is the operation's name on the
wire and its parameters are the operation's arguments, in order (but ``get``'s ``default``, which
stays in the client). Each method hands its request to :meth:`Commands.execute_command`, which the
front that inherits it defines: :class:`~statestore.client.Client` carries the request out and
returns its result, :class:`~statestore.client.Pipeline` queues it and returns itself, and the
module-level ``state_*`` functions are these methods bound to the calling thread's default client.
An asyncio client reuses them the same way, its ``execute_command`` returning an awaitable.
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Optional, Union

__all__ = ["Commands", "Seconds"]

#: A time to live: seconds (an int or a float), or a :class:`~datetime.timedelta`.
Seconds = Union[float, timedelta]


def _seconds(ttl: Optional[Seconds]) -> Optional[float]:
    """A time to live as the protocol carries it: seconds, or None for no expiry."""
    return ttl.total_seconds() if isinstance(ttl, timedelta) else ttl


class Commands:
    """The operations of the bridge protocol (see docs/protocol.md for each one's semantics)."""

    __slots__ = ()

    def execute_command(self, op: str, args: tuple[Any, ...], if_nil: Any = None) -> Any:
        """Carries out (or queues) one request ``op`` with ``args``; a nil result becomes ``if_nil``."""
        raise NotImplementedError

    @classmethod
    def command_names(cls) -> list[str]:
        """The names of the operations, as defined below."""
        return [name for name, member in vars(Commands).items()
                if callable(member) and not name.startswith("_")
                and name not in ("execute_command", "command_names")]

    def ping(self) -> Any:
        """Checks the connection with one round trip. Result: None."""
        return self.execute_command("ping", ())

    def get(self, key: str, default: Any = None) -> Any:
        """Returns the value stored under ``key``, or ``default`` when the key is absent."""
        return self.execute_command("get", (key,), default)

    def set(self, key: str, value: Any, ttl: Optional[Seconds] = None) -> Any:
        """Stores ``value`` under ``key``, replacing what was there; ``None`` removes the key (as
        :meth:`delete` does), so a key never holds a stored None. With ``ttl`` (seconds, positive)
        the key expires that long from now; without, it does not expire (an expiry it had ends).
        Result: None.

        Raises :class:`~statestore.errors.InvalidArgumentError` for a bad key, a value outside the
        value model or a ttl that is not positive; nothing is written then.
        """
        return self.execute_command("set", (key, value, _seconds(ttl)))

    def delete(self, key: str) -> Any:
        """Removes ``key``. Result: whether something was removed."""
        return self.execute_command("delete", (key,))

    def keys(self, prefix: Optional[str] = None) -> Any:
        """Result: a snapshot of the keys (a list), or of those starting with ``prefix``."""
        return self.execute_command("keys", (prefix,))

    def clear(self) -> Any:
        """Removes every key. Result: None."""
        return self.execute_command("clear", ())

    def size(self) -> Any:
        """Result: the number of keys."""
        return self.execute_command("size", ())

    def incr(self, key: str, amount: int = 1, ttl: Optional[Seconds] = None) -> Any:
        """Atomically adds ``amount`` (a signed 64-bit int) to the integer under ``key`` (an absent
        or expired key counts as 0). When this call creates the key, it expires after ``ttl``
        seconds if given; a key that exists keeps its expiry, so ``incr(window, 1, ttl=1.0)``
        counts a fixed one-second window. Result: the new value.

        Raises :class:`~statestore.errors.StateTypeError` if the key holds a non-integer and
        :class:`~statestore.errors.CounterOverflowError` if the result leaves the signed 64-bit
        range; the stored value is unchanged then.
        """
        return self.execute_command("incr", (key, amount, _seconds(ttl)))

    def decr(self, key: str, amount: int = 1, ttl: Optional[Seconds] = None) -> Any:
        """Atomically subtracts ``amount`` from the integer under ``key``; see :meth:`incr`."""
        return self.execute_command("decr", (key, amount, _seconds(ttl)))

    def get_multi(self, keys: Iterable[str]) -> Any:
        """Result: a dict of those of ``keys`` that are present, with their values."""
        return self.execute_command("get_multi", (keys if isinstance(keys, list) else list(keys),))

    def set_multi(self, entries: Mapping[str, Any], ttl: Optional[Seconds] = None) -> Any:
        """Stores every entry (a ``None`` value removes its key), each expiring after ``ttl``
        seconds if given; a bad entry fails the whole batch and nothing is written. Result: None."""
        return self.execute_command("set_multi", (entries if isinstance(entries, dict) else dict(entries),
                                                  _seconds(ttl)))

    def cas(self, key: str, expected: Any, update: Any, ttl: Optional[Seconds] = None) -> Any:
        """Compare-and-set: if the value under ``key`` equals ``expected`` (``None`` meaning
        "absent", an expired key included), replaces it with ``update`` (``None`` meaning
        "remove"), which expires after ``ttl`` seconds if given. Result: whether it did.
        Equality is value equality (dicts regardless of order)."""
        return self.execute_command("cas", (key, expected, update, _seconds(ttl)))

    def expire(self, key: str, ttl: Seconds) -> Any:
        """Makes ``key`` expire ``ttl`` seconds from now, replacing any expiry it had. Result:
        whether the key was present."""
        return self.execute_command("expire", (key, _seconds(ttl)))

    def persist(self, key: str) -> Any:
        """Removes the expiry of ``key``. Result: whether the key was present and had one."""
        return self.execute_command("persist", (key,))

    def ttl(self, key: str) -> Any:
        """Result: the seconds ``key`` has left (a float), or None when it is absent or does not
        expire."""
        return self.execute_command("ttl", (key,))
