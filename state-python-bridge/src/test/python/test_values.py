"""Every type of the value model crosses Python -> bridge -> backend -> Python without loss."""

import datetime
import decimal
import fractions
import math
from collections import OrderedDict
from typing import Any

import pytest

from statestore import Client, InvalidArgumentError

INT64_MIN = -2 ** 63
INT64_MAX = 2 ** 63 - 1
UINT64_MAX = 2 ** 64 - 1

ROUND_TRIPS = {
    "true": True,
    "false": False,
    "zero": 0,
    "small int": 42,
    "negative int": -7,
    "int64 max": INT64_MAX,
    "int64 min": INT64_MIN,
    "above int64 (uint64)": INT64_MAX + 1,
    "uint64 max": UINT64_MAX,
    "above uint64": UINT64_MAX + 1,
    "below int64": INT64_MIN - 1,
    "minus 2**64": -2 ** 64,
    "huge positive": 3 ** 200,
    "huge negative": -(7 ** 150),
    "float": 3.25,
    "float tiny": 5e-324,
    "float max": 1.7976931348623157e308,
    "infinity": math.inf,
    "minus infinity": -math.inf,
    "empty str": "",
    "str": "hello",
    "str non-BMP": "emoji \U0001F600 and \U00010348 and \u00e9\u4e2d",
    "bytes": b"\x00\x01\xfe\xff",
    "empty bytes": b"",
    "bytes that look like text": b"hello",
    "empty list": [],
    "list": [1, "two", 3.0, b"four", None, True],
    "list of None": [None, None],
    "nested": {"a": [1, {"b": [None, {"c": -2 ** 70}]}], "d": {}},
    "dict int/float/bool/None keys": {7: "int", 2.5: "float", True: "bool", None: "none", "s": "str", -3: "negative"},
    "dict order kept": {"z": 1, "a": 2, "m": 3, "b": 4},
    "dict None values": {"x": None, "y": [None]},
    "big ints inside": [UINT64_MAX + 1, INT64_MIN - 1, {"k": 2 ** 100}],
}


def _same(a: Any, b: Any) -> bool:
    """Equality that also tells apart types, order of dicts, -0.0, and treats NaN as equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return (len(a) == len(b) and all(_same(ka, kb) and _same(va, vb)
                                         for (ka, va), (kb, vb) in zip(a.items(), b.items())))
    return a == b


@pytest.mark.parametrize("value", list(ROUND_TRIPS.values()), ids=list(ROUND_TRIPS))
def test_value_round_trips_unchanged(client: Client, value: Any) -> None:
    client.set("value", value)
    assert _same(client.get("value"), value), client.get("value")


def test_nan_and_negative_zero_round_trip(client: Client) -> None:
    client.set("nan", math.nan)
    client.set("negative zero", -0.0)
    client.set("in a list", [math.nan, -0.0, 0.0])
    assert math.isnan(client.get("nan"))
    assert math.copysign(1.0, client.get("negative zero")) == -1.0
    nan, negative_zero, zero = client.get("in a list")
    assert math.isnan(nan)
    assert math.copysign(1.0, negative_zero) == -1.0 and math.copysign(1.0, zero) == 1.0


def test_bytes_and_str_stay_apart(client: Client) -> None:
    client.set_multi({"as str": "abc", "as bytes": b"abc"})
    assert type(client.get("as str")) is str
    assert type(client.get("as bytes")) is bytes
    assert client.get_multi(["as str", "as bytes"]) == {"as str": "abc", "as bytes": b"abc"}


def test_tuple_is_stored_as_list(client: Client) -> None:
    client.set("tuple", (1, (2, 3), "x"))
    assert _same(client.get("tuple"), [1, [2, 3], "x"])


def test_bool_stays_bool_and_int_stays_int(client: Client) -> None:
    client.set("flags", [True, 1, False, 0])
    assert _same(client.get("flags"), [True, 1, False, 0])


def test_dict_subclass_and_bytearray_are_stored_as_their_base(client: Client) -> None:
    client.set("ordered", OrderedDict([("b", 1), ("a", 2)]))
    client.set("bytearray", bytearray(b"\x01\x02"))
    assert _same(client.get("ordered"), {"b": 1, "a": 2})
    assert _same(client.get("bytearray"), b"\x01\x02")


def test_large_value_round_trips(client: Client) -> None:
    blob = bytes(range(256)) * 8192  # 2 MiB, larger than the client's first read buffer
    text = "\U0001F600" * 100_000
    client.set("blob", {"blob": blob, "text": text})
    assert client.get("blob") == {"blob": blob, "text": text}


def test_deep_nesting_round_trips(client: Client) -> None:
    value: Any = "bottom"
    for _ in range(100):
        value = [value]
    client.set("deep", value)
    assert client.get("deep") == value


class _Custom:
    pass


UNSUPPORTED = {
    "set": ({1, 2}, "set"),
    "frozenset": (frozenset({1}), "frozenset"),
    "datetime": (datetime.datetime(2024, 1, 2, 3, 4, 5), "datetime"),
    "date": (datetime.date(2024, 1, 2), "date"),
    "decimal": (decimal.Decimal("1.5"), "Decimal"),
    "fraction": (fractions.Fraction(1, 3), "Fraction"),
    "complex": (1 + 2j, "complex"),
    "object": (_Custom(), "_Custom"),
    "function": (len, "builtin_function_or_method"),
    "set inside a list": ([1, {2}], "set"),
    "datetime inside a dict": ({"when": datetime.datetime(2024, 1, 1)}, "datetime"),
}


@pytest.mark.parametrize("value,type_name", list(UNSUPPORTED.values()), ids=list(UNSUPPORTED))
def test_unsupported_type_is_rejected_naming_the_type(client: Client, value: Any, type_name: str) -> None:
    client.set("kept", "before")
    with pytest.raises(InvalidArgumentError, match=type_name):
        client.set("kept", value)
    with pytest.raises(InvalidArgumentError, match=type_name):
        client.set_multi({"other": 1, "bad": value})
    with pytest.raises(InvalidArgumentError, match=type_name):
        client.cas("kept", "before", value)
    assert client.get("kept") == "before"
    assert client.get("other") is None


def test_unsupported_value_is_rejected_before_anything_is_sent(client: Client) -> None:
    client.ping()
    connection = client.connection.sock
    with pytest.raises(InvalidArgumentError, match="set"):
        client.set("k", {"a": {1}})
    # The request was never written: the same connection carries on, in step with the server.
    assert client.connection.sock is connection
    client.set("k", "fine")
    assert client.get("k") == "fine"


def test_setting_none_removes_the_key(client: Client) -> None:
    # py_state code runs unchanged: state_set('last_error', None) is accepted, and reading the key
    # back gives None (or the default), as absence does; a key never holds a stored None.
    client.set("last_error", "boom")
    client.set("last_error", None)
    assert client.get("last_error") is None
    assert client.get("last_error", "absent") == "absent"
    assert "last_error" not in client.keys()
    client.set("never_set", None)
    assert client.size() == 0
    client.set_multi({"a": 1, "b": 2})
    client.set_multi({"a": None, "c": 3})
    assert client.get_multi(["a", "b", "c"]) == {"b": 2, "c": 3}
    pipe = client.pipeline()
    assert pipe.set("b", None).get("b", "gone").execute() == [None, "gone"]


def test_unpaired_surrogate_is_rejected(client: Client) -> None:
    with pytest.raises(InvalidArgumentError, match="surrogate"):
        client.set("k", "broken \udc80")
    assert client.get("k") is None


def test_cycle_is_rejected(client: Client) -> None:
    cycle: list = []
    cycle.append(cycle)
    with pytest.raises(InvalidArgumentError, match="deeply"):
        client.set("k", cycle)
    client.set("k", "still usable")
    assert client.get("k") == "still usable"


def test_values_are_isolated_from_later_mutation(client: Client) -> None:
    value = {"list": [1, 2]}
    client.set("k", value)
    value["list"].append(3)
    fetched = client.get("k")
    fetched["list"].append(4)
    assert client.get("k") == {"list": [1, 2]}
