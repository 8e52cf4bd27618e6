"""The value model on the Python side: msgpack exactly as the Java codec writes and reads it.

- ``None``, ``bool``, ``int``, ``float`` (NaN and infinities too), ``str``, ``bytes``, ``list``,
  ``tuple`` (stored as a list) and ``dict`` (scalar keys, order kept) are values.
- Integers inside int64/uint64 are msgpack ints; any other integer is ext type 1 holding its
  two's-complement big-endian bytes, so integers of any size round-trip.
- ``bytes`` stay ``bytes`` (msgpack bin) and ``str`` stays ``str`` (msgpack str).
- Anything else raises :class:`~statestore.errors.InvalidArgumentError` naming the type, before
  anything is sent.
"""

from typing import Any

import msgpack

from .errors import InvalidArgumentError, ProtocolError

__all__ = ["BIG_INTEGER_EXT_TYPE", "describe_unsupported", "ext_hook", "new_packer", "unpack"]

#: The msgpack ext type that carries an integer outside the int64/uint64 range.
BIG_INTEGER_EXT_TYPE = 1

_HINTS = {
    set: "store a list (sorted(...) keeps it stable)",
    frozenset: "store a list (sorted(...) keeps it stable)",
    complex: "store [real, imag]",
}


def describe_unsupported(obj: Any) -> str:
    """Returns the message for a value outside the value model, naming its type."""
    cls = type(obj)
    name = cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    hint = _HINTS.get(cls, "convert it to one of these first")
    return (f"cannot store a value of type {name}: values are None, bool, int, float, str, bytes, "
            f"list, tuple and dict (with str, int, float, bool or None keys); {hint}")


def _default(obj: Any) -> Any:
    # msgpack calls this for integers that overflow int64/uint64 and for every unknown type.
    if isinstance(obj, int):
        magnitude = obj if obj >= 0 else ~obj
        size = (magnitude.bit_length() + 8) // 8
        return msgpack.ExtType(BIG_INTEGER_EXT_TYPE, obj.to_bytes(size, "big", signed=True))
    raise InvalidArgumentError(describe_unsupported(obj))


def ext_hook(code: int, data: bytes) -> Any:
    """Decodes msgpack ext types: type 1 is a big integer; any other is a protocol error."""
    if code == BIG_INTEGER_EXT_TYPE and data:
        return int.from_bytes(data, "big", signed=True)
    raise ProtocolError(f"the server sent msgpack ext type {code}, which is not part of the value model")


def new_packer() -> msgpack.Packer:
    """Returns a packer for the value model. A packer is not thread-safe: use one per connection."""
    return msgpack.Packer(use_bin_type=True, default=_default)


def unpack(data: Any) -> Any:
    """Decodes one msgpack value (bytes or any buffer) of the value model."""
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=ext_hook)
