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
from typing import Any

from .client import PROTOCOL_VERSIONS, Client, Pipeline, parse_address
from .commands import Commands
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
    "PROTOCOL_VERSIONS",
    "AuthenticationError",
    "Client",
    "Commands",
    "ConfigurationError",
    "ConnectionLostError",
    "CounterOverflowError",
    "InvalidArgumentError",
    "OutcomeUnknownError",
    "Pipeline",
    "ProtocolError",
    "StateStoreError",
    "StateTypeError",
    "WriteNotAppliedError",
    "default_client",
    "parse_address",
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
    "state_persist",
    "state_ping",
    "state_set",
    "state_set_multi",
    "state_size",
    "state_ttl",
]

_per_thread = threading.local()


def _new_default_client() -> Client:
    client = Client()
    _per_thread.client = client
    return client


def default_client() -> Client:
    """Returns this thread's default client (made from the environment on first use)."""
    try:
        client: Client = _per_thread.client
        return client
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
    # The inherited connections have already dropped their sockets (statestore.connection registers
    # that first); start with no default clients so each thread of the child connects anew.
    global _per_thread
    _per_thread = threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _ThreadsDefaultClient(Commands):
    """The commands, each carried out by the calling thread's default client."""

    __slots__ = ()

    def execute_command(self, op: str, args: tuple[Any, ...], if_nil: Any = None) -> Any:
        try:
            client: Client = _per_thread.client
        except AttributeError:
            client = _new_default_client()
        return client.connection.call(op, args, if_nil)


# The functions of py_state (and the rest of the commands), each one the command of
# statestore.commands bound to the calling thread's default client.
_default = _ThreadsDefaultClient()
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
