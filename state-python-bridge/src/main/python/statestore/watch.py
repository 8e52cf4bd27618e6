"""Watching keys: the events the bridge pushes (protocol version 2), read by a blocking iterator.

::

    with client.watch("config:") as events:        # or statestore.state_watch("config:")
        for event in events:
            if event.kind == "set":
                reload(event.key, event.value)
            elif event.kind == "lost":             # events may have been missed: read afresh
                reload_all()

A watch has a connection of its own, so the client it came from stays free for requests. Per key, events
arrive in the order the changes were applied. ``"lost"`` says that events may have been missed: the
bridge's buffer for a watcher that reads too slowly overflowed, or the connection was lost (the next
event is read on a new connection, subscribed afresh).
"""

import select
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .connection import Connection
from .errors import ConnectionLostError, ProtocolError
from .protocol import EVENT_PUSH, WATCH, WATCH_VERSION

__all__ = ["DELETE", "EXPIRE", "LOST", "SET", "Watch", "WatchEvent", "pushed_event", "subscribe"]

#: The kinds of :class:`WatchEvent`, as push frames name them.
SET = "set"
DELETE = "delete"
EXPIRE = "expire"
LOST = "lost"


@dataclass(frozen=True)
class WatchEvent:
    """A change to a watched key: ``kind`` is ``"set"`` (``value`` is the new value), ``"delete"`` or
    ``"expire"``; or ``"lost"`` (``key`` None): events may have been missed, read afresh what you need."""

    kind: str
    key: Optional[str]
    value: Any = None


_LOST = WatchEvent(LOST, None)


def pushed_event(frame: Any) -> Optional[tuple[int, WatchEvent]]:
    """The subscription and event of a push frame ``[nil, "event", subscription, kind, key, value]``, or
    None when ``frame`` is a reply."""
    if type(frame) is list and len(frame) == 6 and frame[0] is None and frame[1] == EVENT_PUSH:
        return frame[2], WatchEvent(frame[3], frame[4], frame[5])
    return None


def subscribe(connection: Connection, prefixes: list[str],
              on_event: Callable[[int, WatchEvent], None]) -> list[int]:
    """Subscribes ``connection`` to each prefix and returns the subscriptions' ids. Events of the first
    subscriptions may arrive before the replies to the later ones: they go to ``on_event``."""
    if connection.sock is None:
        connection.connect()
    version = connection.server_info.get("version", 1)
    if version < WATCH_VERSION:
        raise ProtocolError(f"the bridge at {connection.address} speaks protocol version {version}; watching "
                            f"needs {WATCH_VERSION} (a newer bridge)")
    requests = [connection.encode(WATCH, (prefix,)) for prefix in prefixes]
    sock = connection.sock
    assert sock is not None
    ids: list[int] = []
    try:
        sock.sendall(b"".join(frame for _, frame in requests))
        while len(ids) < len(requests):
            frame = connection.read_reply()
            pushed = pushed_event(frame)
            if pushed is not None:
                on_event(*pushed)
                continue
            request_id = requests[len(ids)][0]
            if frame[1] != 0 or frame[0] != request_id:
                raise connection.reply_error(frame, request_id, WATCH)
            ids.append(frame[2])
    except OSError as error:
        connection.drop()
        raise ConnectionLostError(f"connection to {connection.address} lost while subscribing: {error}") from error
    return ids


class Watch:
    """An iterator of the :class:`WatchEvent` of the keys under ``prefix``, on a connection of its own;
    iterating blocks until the next event (:meth:`next` takes a timeout). Close it (or use it as a context
    manager) to stop watching."""

    def __init__(self, address: str, token: str, prefix: str = "", timeout: Optional[float] = None) -> None:
        self.prefix = prefix
        self._connection = Connection(address, token, timeout)
        self._early: list[WatchEvent] = []
        self._resubscribe = False
        self._subscribe()

    def _subscribe(self) -> None:
        self._early.clear()
        subscribe(self._connection, [self.prefix], lambda _, event: self._early.append(event))
        self._resubscribe = False

    def next(self, timeout: Optional[float] = None) -> Optional[WatchEvent]:
        """The next event, waiting at most ``timeout`` seconds (None: as long as it takes); None if none
        came in time. After a ``"lost"`` for a lost connection, the next call connects and subscribes again
        (:class:`ConnectionLostError` if it cannot)."""
        if self._early:
            return self._early.pop(0)
        connection = self._connection
        if self._resubscribe or connection.sock is None:
            self._subscribe()
            if self._early:
                return self._early.pop(0)
        try:
            if timeout is not None and not connection.buffered_frame():
                sock = connection.sock
                assert sock is not None
                readable, _, _ = select.select([sock], [], [], timeout)
                if not readable:
                    return None
            frame = connection.read_reply()
        except OSError:
            connection.drop()
            self._resubscribe = True
            return _LOST
        pushed = pushed_event(frame)
        if pushed is None:
            connection.drop()
            self._resubscribe = True
            if isinstance(frame, list) and len(frame) == 3 and frame[1]:
                raise connection.reply_error(frame, 0, WATCH)
            raise ProtocolError(f"the bridge sent {frame!r:.200} where a push frame was expected")
        return pushed[1]

    def __iter__(self) -> "Watch":
        return self

    def __next__(self) -> WatchEvent:
        event = self.next()
        assert event is not None
        return event

    def close(self) -> None:
        """Stops watching (the bridge ends the subscription with the connection)."""
        self._connection.close()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<statestore.Watch {self.prefix!r} on {self._connection.address}>"
