"""Every operation, through the module-level functions (as a worker calls them) and through Client."""

import inspect
import threading

import pytest

import statestore
from statestore import aio
from statestore import (
    Client,
    Commands,
    state_cas,
    state_clear,
    state_decr,
    state_delete,
    state_get,
    state_get_multi,
    state_incr,
    state_keys,
    state_set,
    state_set_multi,
    state_size,
)


def test_set_then_get_returns_the_value(worker_env) -> None:
    state_set("config", {"workers": 4, "name": "alpha"})
    assert state_get("config") == {"workers": 4, "name": "alpha"}


def test_set_replaces_the_previous_value(worker_env) -> None:
    state_set("k", 1)
    state_set("k", "two")
    assert state_get("k") == "two"


def test_get_of_a_missing_key_returns_the_default_not_key_error(worker_env) -> None:
    assert state_get("missing") is None
    assert state_get("missing", 0) == 0
    assert state_get("missing", default=[]) == []


def test_get_returns_stored_falsy_values_not_the_default(worker_env) -> None:
    state_set_multi({"zero": 0, "false": False, "empty": "", "empty list": []})
    assert state_get("zero", 99) == 0
    assert state_get("false", 99) is False
    assert state_get("empty", 99) == ""
    assert state_get("empty list", 99) == []


def test_delete_reports_whether_something_was_removed(worker_env) -> None:
    state_set("k", 1)
    assert state_delete("k") is True
    assert state_delete("k") is False
    assert state_get("k") is None


def test_keys_lists_all_or_by_prefix(worker_env) -> None:
    state_set_multi({"user:1": 1, "user:2": 2, "job:1": 3})
    assert sorted(state_keys()) == ["job:1", "user:1", "user:2"]
    assert sorted(state_keys("user:")) == ["user:1", "user:2"]
    assert state_keys("none:") == []


def test_clear_removes_everything(worker_env) -> None:
    state_set_multi({"a": 1, "b": 2})
    state_clear()
    assert state_keys() == []
    assert state_size() == 0


def test_size_counts_keys(worker_env) -> None:
    assert state_size() == 0
    state_set_multi({str(i): i for i in range(25)})
    assert state_size() == 25


def test_incr_starts_absent_keys_at_zero(worker_env) -> None:
    assert state_incr("hits") == 1
    assert state_incr("hits") == 2
    assert state_incr("hits", 10) == 12
    assert state_incr("other", 5) == 5
    assert state_incr("negative", -3) == -3
    assert state_get("hits") == 12


def test_decr_subtracts(worker_env) -> None:
    assert state_decr("stock") == -1
    assert state_decr("stock", 9) == -10
    state_set("stock", 100)
    assert state_decr("stock", 30) == 70


def test_get_multi_returns_only_present_keys(worker_env) -> None:
    state_set_multi({"a": 1, "b": [2], "c": "three"})
    assert state_get_multi(["a", "b", "missing"]) == {"a": 1, "b": [2]}
    assert state_get_multi([]) == {}
    assert state_get_multi(key for key in ("c",)) == {"c": "three"}


def test_set_multi_writes_every_entry(worker_env) -> None:
    state_set_multi({"x": 1, "y": {"z": b"bytes"}})
    assert state_get("x") == 1 and state_get("y") == {"z": b"bytes"}


def test_cas_on_absent_key_expects_none(worker_env) -> None:
    assert state_cas("lock", None, "owner-1") is True
    assert state_cas("lock", None, "owner-2") is False
    assert state_get("lock") == "owner-1"


def test_cas_replaces_only_the_expected_value(worker_env) -> None:
    state_set("k", {"a": 1, "b": 2})
    assert state_cas("k", {"a": 1, "b": 3}, "no") is False
    assert state_cas("k", {"b": 2, "a": 1}, "yes") is True  # dicts compare regardless of order
    assert state_get("k") == "yes"


def test_cas_with_none_update_deletes(worker_env) -> None:
    state_set("k", 5)
    assert state_cas("k", 5, None) is True
    assert state_get("k") is None
    assert state_cas("k", 5, None) is False


def test_cas_compares_big_integers_by_value(worker_env) -> None:
    state_set("big", 2 ** 80)
    assert state_cas("big", 2 ** 80, 2 ** 80 + 1) is True
    assert state_get("big") == 2 ** 80 + 1


def test_default_client_is_one_connection_per_thread(worker_env) -> None:
    first = statestore.default_client()
    state_set("k", 1)
    assert statestore.default_client() is first
    seen = []
    thread = threading.Thread(target=lambda: seen.append(statestore.default_client()))
    thread.start()
    thread.join()
    assert seen[0] is not first


def test_client_methods_cover_every_operation(client: Client) -> None:
    client.ping()
    client.set("a", 1)
    assert client.get("a") == 1
    assert client.get("missing", "d") == "d"
    assert client.incr("n", 3) == 3
    assert client.decr("n") == 2
    client.set_multi([("b", 2), ("c", 3)])  # any mapping or pairs
    assert client.get_multi(["a", "b", "c", "zz"]) == {"a": 1, "b": 2, "c": 3}
    assert sorted(client.keys()) == ["a", "b", "c", "n"]
    assert client.keys("b") == ["b"]
    assert client.size() == 4
    assert client.cas("a", 1, 10) is True
    assert client.delete("a") is True
    client.clear()
    assert client.size() == 0
    assert client.server_info.get("version") == 2


def test_two_clients_see_each_others_writes(bridge) -> None:
    with bridge.client("unix") as first, bridge.client("tcp") as second:
        first.set("shared", {"from": "unix"})
        assert second.get("shared") == {"from": "unix"}
        second.incr("counter", 7)
        assert first.get("counter") == 7
        first.clear()


def test_client_as_context_manager_closes(bridge) -> None:
    with bridge.client() as connected:
        connected.ping()
    with pytest.raises(statestore.ConnectionLostError, match="closed"):
        connected.ping()



class _Recorder(Commands):
    """Commands whose execute_command hands back the op it was given, instead of sending it."""

    def execute_command(self, op: str, args: tuple, if_nil: object = None) -> object:
        return op


def test_every_command_has_its_module_function_and_sends_its_own_name() -> None:
    names = Commands.command_names()
    assert {"get", "set", "incr", "cas"} <= set(names) and "execute_command" not in names
    samples = {"keys": ["k"], "entries": {"k": 1}}
    for name in names:
        assert f"state_{name}" in statestore.__all__, f"no module-level state_{name}"
        assert getattr(statestore, f"state_{name}").__func__ is getattr(Commands, name)
        assert f"state_{name}" in aio.__all__, f"no coroutine statestore.aio.state_{name}"
        assert getattr(aio, f"state_{name}").__func__ is getattr(Commands, name)
        method = getattr(_Recorder(), name)
        required = [samples.get(p.name, "k") for p in inspect.signature(method).parameters.values()
                    if p.default is inspect.Parameter.empty]
        assert method(*required) == name, f"Commands.{name} sends another op"
