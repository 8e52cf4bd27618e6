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
from typing import Any, Optional

__all__ = ["Commands"]


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

    def set(self, key: str, value: Any) -> Any:
        """Stores ``value`` under ``key``, replacing what was there; ``None`` removes the key (as
        :meth:`delete` does), so a key never holds a stored None. Result: None.

        Raises :class:`~statestore.errors.InvalidArgumentError` for a bad key or a value outside the
        value model; nothing is written then.
        """
        return self.execute_command("set", (key, value))

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

    def incr(self, key: str, amount: int = 1) -> Any:
        """Atomically adds ``amount`` (a signed 64-bit int) to the integer under ``key`` (an absent
        key counts as 0). Result: the new value.

        Raises :class:`~statestore.errors.StateTypeError` if the key holds a non-integer and
        :class:`~statestore.errors.CounterOverflowError` if the result leaves the signed 64-bit
        range; the stored value is unchanged then.
        """
        return self.execute_command("incr", (key, amount))

    def decr(self, key: str, amount: int = 1) -> Any:
        """Atomically subtracts ``amount`` from the integer under ``key``; see :meth:`incr`."""
        return self.execute_command("decr", (key, amount))

    def get_multi(self, keys: Iterable[str]) -> Any:
        """Result: a dict of those of ``keys`` that are present, with their values."""
        return self.execute_command("get_multi", (keys if isinstance(keys, list) else list(keys),))

    def set_multi(self, entries: Mapping[str, Any]) -> Any:
        """Stores every entry (a ``None`` value removes its key); a bad entry fails the whole batch
        and nothing is written. Result: None."""
        return self.execute_command("set_multi", (entries if isinstance(entries, dict) else dict(entries),))

    def cas(self, key: str, expected: Any, update: Any) -> Any:
        """Compare-and-set: if the value under ``key`` equals ``expected`` (``None`` meaning
        "absent"), replaces it with ``update`` (``None`` meaning "remove"). Result: whether it did.
        Equality is value equality (dicts regardless of order)."""
        return self.execute_command("cas", (key, expected, update))
