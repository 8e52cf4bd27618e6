"""statestore: shared key-value state for Python workers, served by a statestore bridge on the JVM.

The module-level functions keep the names and signatures of ``py_state``::

    from statestore import state_set, state_get, state_incr

    state_set("config", {"workers": 4})
    state_get("config")            # {'workers': 4}
    state_get("missing", 0)        # 0 (a missing key is never a KeyError)
    state_incr("hits")             # atomic across every worker

They talk to the bridge named by ``STATESTORE_ADDRESS`` and ``STATESTORE_TOKEN`` (set by the bridge
for the workers it launches) through a default client: one connection per thread, opened on the
thread's first call, so threads never wait for each other's round trips; a process made by
``os.fork()`` (or ``multiprocessing`` with the fork start method) opens its own connections and
never touches its parent's. Use :class:`Client` directly for another bridge, for a timeout, or
for pipelines.

Errors are exceptions of the :class:`StateStoreError` hierarchy (see :mod:`statestore.errors`).
"""

import os
import threading
from typing import Any, Dict, Iterable, List, Mapping, Optional

from .client import Client, Pipeline, PROTOCOL_VERSIONS, parse_address
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionLostError,
    CounterOverflowError,
    InvalidArgumentError,
    OutcomeUnknownError,
    ProtocolError,
    StateStoreError,
    StateTypeError,
    WriteNotAppliedError,
)

__version__ = "0.1.0"

__all__ = [
    "state_set", "state_get", "state_delete", "state_keys", "state_clear", "state_incr",
    "state_decr", "state_get_multi", "state_set_multi", "state_cas", "state_size",
    "default_client", "reset_default_client",
    "Client", "Pipeline", "PROTOCOL_VERSIONS", "parse_address",
    "StateStoreError", "ConfigurationError", "ConnectionLostError", "ProtocolError",
    "AuthenticationError", "InvalidArgumentError", "StateTypeError", "CounterOverflowError",
    "WriteNotAppliedError", "OutcomeUnknownError",
]

_per_thread = threading.local()


def _new_default_client() -> Client:
    client = Client()
    _per_thread.client = client
    return client


def default_client() -> Client:
    """Returns this thread's default client (made from the environment on first use)."""
    try:
        return _per_thread.client
    except AttributeError:
        return _new_default_client()


def reset_default_client() -> None:
    """Closes this thread's default client; the next ``state_*`` call opens a new one, reading
    ``STATESTORE_ADDRESS`` and ``STATESTORE_TOKEN`` again."""
    client = getattr(_per_thread, "client", None)
    if client is not None:
        del _per_thread.client
        client.close()


def _after_fork_in_child() -> None:
    # The inherited clients have already dropped their descriptors (statestore.client registers
    # that first); start with no default clients so each thread of the child connects anew.
    global _per_thread
    _per_thread = threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def state_set(key: str, value: Any) -> None:
    """Stores ``value`` under ``key``, replacing what was there."""
    try:
        client = _per_thread.client
    except AttributeError:
        client = _new_default_client()
    client.set(key, value)


def state_get(key: str, default: Any = None) -> Any:
    """Returns the value stored under ``key``, or ``default`` when the key is absent."""
    try:
        client = _per_thread.client
    except AttributeError:
        client = _new_default_client()
    value = client._call("get", key)
    return default if value is None else value


def state_delete(key: str) -> bool:
    """Removes ``key``; returns whether something was removed."""
    try:
        client = _per_thread.client
    except AttributeError:
        client = _new_default_client()
    return client._call("delete", key)


def state_keys(prefix: Optional[str] = None) -> List[str]:
    """Returns a snapshot of all keys, or of those starting with ``prefix``."""
    return default_client().keys(prefix)


def state_clear() -> None:
    """Removes every key."""
    default_client().clear()


def state_incr(key: str, amount: int = 1) -> int:
    """Atomically adds ``amount`` to the integer under ``key`` (absent counts as 0); returns the new
    value. Raises :class:`StateTypeError` for a non-integer value and :class:`CounterOverflowError`
    past the signed 64-bit range, leaving the value unchanged."""
    try:
        client = _per_thread.client
    except AttributeError:
        client = _new_default_client()
    return client._call("incr", key, amount)


def state_decr(key: str, amount: int = 1) -> int:
    """Atomically subtracts ``amount`` from the integer under ``key``; see :func:`state_incr`."""
    try:
        client = _per_thread.client
    except AttributeError:
        client = _new_default_client()
    return client._call("decr", key, amount)


def state_get_multi(keys: Iterable[str]) -> Dict[str, Any]:
    """Returns a dict of those of ``keys`` that are present, with their values."""
    return default_client().get_multi(keys)


def state_set_multi(mapping: Mapping[str, Any]) -> None:
    """Stores every entry of ``mapping``; one bad entry fails the batch and nothing is written."""
    default_client().set_multi(mapping)


def state_cas(key: str, expected: Any, update: Any) -> bool:
    """Compare-and-set: replaces the value under ``key`` with ``update`` (``None``: remove) if it
    equals ``expected`` (``None``: absent); returns whether it did."""
    return default_client().cas(key, expected, update)


def state_size() -> int:
    """Returns the number of keys."""
    return default_client().size()
