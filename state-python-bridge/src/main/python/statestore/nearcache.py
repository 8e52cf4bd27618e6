"""A near cache: values of chosen key prefixes kept in the process, dropped when the bridge says they changed.

A :class:`NearCache` watches its prefixes on a connection of its own, read by a daemon thread that drops a
key at each event for it (and everything at a ``"lost"`` or a lost connection). Reads of a covered key are
answered from the process once fetched; a miss is fetched through the caller's connection and kept only if no
event for the key arrived while the fetch was under way (see docs/watch.md for why that is enough):

1. the fetch *reserves* the key (a fresh token) before sending ``get``;
2. an event for the key, a write of the key by this process, a ``"lost"`` or a lost watch connection drops
   the reservation (and the cached value);
3. the reply is kept only if the reservation is still the one the fetch made.

The watch subscribes before any reservation can be made, so every change applied after a fetch read the
value is told by an event that reaches the cache after the reservation was made: either before the reply is
kept (the reply is then not kept) or after (the kept value is then dropped). No value stays cached after the
event of a later change arrived.

Values are kept as they arrive; lists and dicts are kept encoded and decoded at each read, so a caller that
changes what it got cannot change what others read. The cache holds at most ``max_entries`` keys (the oldest
kept leaves first).
"""

import contextlib
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from typing import Any, Optional

import msgpack

from . import codec
from .connection import Connection
from .errors import ConfigurationError, StateStoreError
from .watch import LOST, WatchEvent, pushed_event, subscribe

__all__ = ["DEFAULT_MAX_ENTRIES", "NearCache", "parse_prefixes"]

#: How many keys a near cache holds unless told otherwise.
DEFAULT_MAX_ENTRIES = 10_000

# What the cache holds for a key it knows nothing of; distinct from None, which a cached absent key holds.
_MISS = object()
# Ops that change the keys named by their first argument; "set_multi" names a dict of them; "clear" all.
_WRITES_OF_ONE_KEY = frozenset({"set", "delete", "incr", "decr", "cas", "expire", "persist"})
_RECONNECT_DELAYS = (0.05, 0.1, 0.2, 0.5, 1.0)


# Every cache, so that a forked child restarts their watches (the parent's thread does not exist there).
_caches: "weakref.WeakSet[NearCache]" = weakref.WeakSet()


def _restart_after_fork() -> None:
    for cache in list(_caches):
        cache._restart()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_restart_after_fork)


class _Packed(bytes):
    """A list or dict as the bridge sent it, decoded at each read."""


def parse_prefixes(text: str) -> list[str]:
    """The prefixes of ``STATESTORE_NEAR_CACHE``: comma-separated (``config:,model:``); ``*`` alone is every
    key."""
    if text.strip() == "*":
        return [""]
    prefixes = [part.strip() for part in text.split(",") if part.strip()]
    if not prefixes:
        raise ConfigurationError(f"STATESTORE_NEAR_CACHE={text!r} names no key prefix; write e.g. "
                                 f"config:,model: (or * for every key)")
    return prefixes


class NearCache:
    """Values of the keys under ``prefixes``, kept in this process and dropped on the bridge's events. Made by
    :class:`~statestore.Client` (``near_cache=[...]``) or :func:`statestore.configure`; shared by the threads
    that read through it."""

    def __init__(self, address: str, token: str, prefixes: Iterable[str],
                 max_entries: int = DEFAULT_MAX_ENTRIES, timeout: Optional[float] = None) -> None:
        self.prefixes = tuple(prefixes)
        if not self.prefixes or not all(isinstance(p, str) for p in self.prefixes):
            raise ConfigurationError(f"near_cache takes a list of key prefixes (strings), got {prefixes!r}")
        if max_entries < 1:
            raise ConfigurationError(f"near_cache_size must be at least 1, got {max_entries}")
        self.max_entries = max_entries
        self.values: dict[str, Any] = {}
        self._pending: dict[str, object] = {}
        self._lock = threading.Lock()
        # True while the watch is subscribed: only then may a fetch be kept.
        self._watching = False
        self._closed = False
        #: How many events the watch has delivered (each drops a key, or everything).
        self.events = 0
        self._connection = Connection(address, token, timeout)
        self._subscribe()
        self._start()
        _caches.add(self)

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._read_events, name="statestore-near-cache", daemon=True)
        self._thread.start()

    def _restart(self) -> None:
        """In a forked child: nothing kept is trusted, and the watch starts again on a connection of its own."""
        self._lock = threading.Lock()
        self._watching = False
        self.values.clear()
        self._pending.clear()
        if not self._closed:
            self._start()

    # ---- reads and writes, from the threads that use the cache

    def get(self, connection: Connection, key: str, default: Any) -> Any:
        """The value of ``key``: from the cache when held, else fetched through ``connection``."""
        value = self.values.get(key, _MISS)
        if value is _MISS:
            value = self._fetch(connection, key)
        elif type(value) is _Packed:
            value = msgpack.unpackb(value, raw=False, strict_map_key=False, ext_hook=codec.ext_hook)
        return default if value is None else value

    def covers(self, key: Any) -> bool:
        return type(key) is str and key.startswith(self.prefixes)

    def _fetch(self, connection: Connection, key: str) -> Any:
        if not self.covers(key):
            return connection.call("get", (key,))
        reservation = object()
        with self._lock:
            if self._watching:
                self._pending[key] = reservation
        value = connection.call("get", (key,))
        with self._lock:
            if self._pending.get(key) is reservation:
                del self._pending[key]
                if len(self.values) >= self.max_entries:
                    self.values.pop(next(iter(self.values)))
                self.values[key] = _Packed(codec.new_packer().pack(value)) if isinstance(value, (list, dict)) \
                    else value
        return value

    def call(self, connection: Connection, op: str, args: Sequence[Any], if_nil: Any) -> Any:
        """Carries out a request through ``connection``: a ``get`` through the cache, a write dropping what it may
        change."""
        if op == "get":
            return self.get(connection, args[0], if_nil)
        try:
            return connection.call(op, args, if_nil)
        finally:
            # Also after a failure: the write may have been applied.
            self.forget_written(op, args)

    def forget_written(self, op: str, args: Sequence[Any]) -> None:
        """Drops what request ``op`` may have changed: so a process reads its own writes."""
        if op in _WRITES_OF_ONE_KEY:
            self.invalidate(args[0])
        elif op == "set_multi":
            for key in args[0]:
                self.invalidate(key)
        elif op == "clear":
            self.invalidate_all()

    def invalidate(self, key: Any) -> None:
        """Forgets ``key`` and any fetch of it under way."""
        with self._lock:
            self.values.pop(key, None)
            self._pending.pop(key, None)

    def invalidate_all(self) -> None:
        with self._lock:
            self.values.clear()
            self._pending.clear()

    def close(self) -> None:
        """Stops watching; the cache keeps nothing more."""
        self._closed = True
        with self._lock:
            self._watching = False
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._connection.close()
        self.invalidate_all()

    # ---- the watch, on the cache's own thread

    def _event(self, _subscription: int, event: WatchEvent) -> None:
        self.events += 1
        if event.kind == LOST:
            self.invalidate_all()
        else:
            self.invalidate(event.key)

    def _subscribe(self) -> None:
        subscribe(self._connection, list(self.prefixes), self._event)
        with self._lock:
            self._watching = True

    def _read_events(self) -> None:
        attempt = 0
        while not self._closed:
            try:
                if self._connection.sock is None:
                    self._subscribe()
                    attempt = 0
                while True:
                    pushed = pushed_event(self._connection.read_reply())
                    if pushed is not None:
                        self._event(*pushed)
            except (OSError, StateStoreError):
                # Until subscribed again nothing is kept, and nothing kept may be trusted.
                with self._lock:
                    self._watching = False
                    self.values.clear()
                    self._pending.clear()
                self._connection.drop()
                if self._closed:
                    return
                time.sleep(_RECONNECT_DELAYS[min(attempt, len(_RECONNECT_DELAYS) - 1)])
                attempt += 1

    def __repr__(self) -> str:
        return f"<statestore.NearCache {list(self.prefixes)!r}, {len(self.values)} of {self.max_entries} keys>"
