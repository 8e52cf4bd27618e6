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

``state_watch(prefix)`` watches keys (see :mod:`statestore.watch`); :func:`configure` (or the environment
variable ``STATESTORE_NEAR_CACHE``) gives the functions a near cache (see :mod:`statestore.nearcache`).

Errors are exceptions of the :class:`StateStoreError` hierarchy (see :mod:`statestore.errors`).
"""

import os
import threading
from collections.abc import Iterable
from typing import Any, Optional

from .client import PROTOCOL_VERSIONS, Client, Pipeline, parse_address
from .commands import Commands
from .connection import resolve
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionLostError,
    CounterOverflowError,
    InvalidArgumentError,
    LockTimeoutError,
    OutcomeUnknownError,
    ProtocolError,
    StateStoreError,
    StateTypeError,
    WriteNotAppliedError,
)
from .lease import Lease
from .nearcache import DEFAULT_MAX_ENTRIES, NearCache, parse_prefixes
from .watch import Watch, WatchEvent

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
    "Lease",
    "LockTimeoutError",
    "NearCache",
    "OutcomeUnknownError",
    "Pipeline",
    "ProtocolError",
    "StateStoreError",
    "StateTypeError",
    "Watch",
    "WatchEvent",
    "WriteNotAppliedError",
    "configure",
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

_per_thread = threading.local()

#: The environment variables that give the module-level functions a near cache (read at their first use,
#: unless :func:`configure` said otherwise): key prefixes, comma-separated (``*`` for every key), and a size.
NEAR_CACHE_VARIABLE = "STATESTORE_NEAR_CACHE"
NEAR_CACHE_SIZE_VARIABLE = "STATESTORE_NEAR_CACHE_SIZE"

# What configure() said: None until it was called (then the environment decides), else (prefixes, size).
_near_cache_settings: Optional[tuple[list[str], int]] = None
# The process's near cache, made at the first call that needs it; shared by every thread.
_near_cache: Optional[NearCache] = None
_near_cache_lock = threading.Lock()


def configure(*, near_cache: Optional[Iterable[str]] = None, near_cache_size: int = DEFAULT_MAX_ENTRIES) -> None:
    """Sets how the module-level functions work in this process (and in processes it forks).

    ``near_cache``: key prefixes whose values are kept in this process once read, dropped when the bridge
    tells of a change (see :class:`~statestore.nearcache.NearCache`); ``None`` (or an empty list) for none.
    Without a call, ``STATESTORE_NEAR_CACHE`` (prefixes, comma-separated, ``*`` for every key) and
    ``STATESTORE_NEAR_CACHE_SIZE`` decide, which ``statestore run --near-cache`` sets for its workers.
    Call it before other threads use the functions: their clients keep the cache they started with.
    """
    global _near_cache_settings, _near_cache
    prefixes = list(near_cache or [])
    with _near_cache_lock:
        old, _near_cache = _near_cache, None
        _near_cache_settings = (prefixes, near_cache_size)
    if old is not None:
        old.close()
    client = getattr(_per_thread, "client", None)
    if client is not None:
        client.near_cache = _process_near_cache()


def _near_cache_wanted() -> Optional[tuple[list[str], int]]:
    if _near_cache_settings is not None:
        return _near_cache_settings if _near_cache_settings[0] else None
    text = os.environ.get(NEAR_CACHE_VARIABLE, "")
    if not text.strip():
        return None
    size = os.environ.get(NEAR_CACHE_SIZE_VARIABLE, "")
    try:
        return parse_prefixes(text), int(size) if size.strip() else DEFAULT_MAX_ENTRIES
    except ValueError:
        raise ConfigurationError(f"{NEAR_CACHE_SIZE_VARIABLE}={size!r} is not a number of keys") from None


def _process_near_cache() -> Optional[NearCache]:
    """The near cache of the module-level functions, made on first use if one is wanted."""
    global _near_cache
    wanted = _near_cache_wanted()
    if wanted is None:
        return None
    with _near_cache_lock:
        if _near_cache is None:
            address, token = resolve(None, None)
            _near_cache = NearCache(address, token, wanted[0], wanted[1])
        return _near_cache


def _new_default_client() -> Client:
    client = Client()
    client.near_cache = _process_near_cache()
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
        client.near_cache = None  # the process's, shared with other threads: it stays
        client.close()


def state_lock(name: str, ttl: float = 30.0, timeout: Optional[float] = None) -> Lease:
    """Takes the lock ``name`` (see :meth:`Client.lock`) on this thread's default connection: the lease ends
    when released, when ``ttl`` passes without an extend, or when this process's connection closes::

        with state_lock("model-download") as lease:
            download(fencing_token=lease.token)
    """
    return default_client().lock(name, ttl, timeout)


def state_semaphore(name: str, permits: int, ttl: float = 30.0, timeout: Optional[float] = None) -> Lease:
    """Takes one of the ``permits`` permits of the semaphore ``name`` (see :meth:`Client.semaphore`)."""
    return default_client().semaphore(name, permits, ttl, timeout)


def state_watch(prefix: str = "") -> Watch:
    """Watches the keys under ``prefix`` (every key by default): a context manager and an iterator of
    :class:`WatchEvent`, on a connection of its own::

        with state_watch("config:") as events:
            for event in events:
                print(event.kind, event.key, event.value)
    """
    return default_client().watch(prefix)


def _after_fork_in_child() -> None:
    # The inherited connections have already dropped their sockets (statestore.connection registers
    # that first); start with no default clients so each thread of the child connects anew.
    global _per_thread, _near_cache_lock
    _per_thread = threading.local()
    _near_cache_lock = threading.Lock()


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
        return client.execute_command(op, args, if_nil)


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
