"""Errors: each is an exception of the StateStoreError hierarchy carrying a message that names the
problem, nothing stored is lost, and the connection (and the server) carry on."""

import socket

import pytest

import statestore
from statestore import (
    AuthenticationError,
    Client,
    ConfigurationError,
    ConnectionLostError,
    CounterOverflowError,
    InvalidArgumentError,
    OutcomeUnknownError,
    ProtocolError,
    StateStoreError,
    StateTypeError,
    WriteNotAppliedError,
    parse_address,
    state_get,
    state_incr,
)
from statestore.errors import error_for_code

INT64_MAX = 2 ** 63 - 1
INT64_MIN = -2 ** 63
MAX_KEY_BYTES = 64 * 1024


def test_error_classes_are_one_hierarchy_and_the_builtin_kinds() -> None:
    for cls in (AuthenticationError, ConfigurationError, ConnectionLostError, CounterOverflowError,
                InvalidArgumentError, ProtocolError, StateTypeError, WriteNotAppliedError,
                OutcomeUnknownError):
        assert issubclass(cls, StateStoreError)
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(StateTypeError, TypeError)
    assert issubclass(CounterOverflowError, OverflowError)
    assert issubclass(ConnectionLostError, ConnectionError)
    assert not issubclass(StateStoreError, KeyError)


def test_write_outcome_codes_map_to_their_own_classes() -> None:
    not_applied = error_for_code(11, "m")
    assert type(not_applied) is WriteNotAppliedError
    assert isinstance(not_applied, StateStoreError)
    assert (str(not_applied), not_applied.code) == ("m", 11)
    unknown = error_for_code(12, "m")
    assert type(unknown) is OutcomeUnknownError
    assert isinstance(unknown, StateStoreError)
    assert (str(unknown), unknown.code) == ("m", 12)
    assert not issubclass(WriteNotAppliedError, OutcomeUnknownError)
    assert not issubclass(OutcomeUnknownError, WriteNotAppliedError)
    # A code this client does not know yet is still an error of the hierarchy, with its message.
    newer = error_for_code(99, "m")
    assert type(newer) is StateStoreError and newer.code == 99


def test_empty_key_is_rejected(client: Client) -> None:
    with pytest.raises(InvalidArgumentError, match="empty") as raised:
        client.set("", 1)
    assert raised.value.code == 5
    with pytest.raises(InvalidArgumentError):
        client.get("")
    with pytest.raises(InvalidArgumentError):
        client.incr("")
    assert client.size() == 0


def test_key_longer_than_64_kib_of_utf8_is_rejected(client: Client) -> None:
    longest = "k" * MAX_KEY_BYTES
    client.set(longest, "fits")
    assert client.get(longest) == "fits"
    with pytest.raises(InvalidArgumentError, match=str(MAX_KEY_BYTES)):
        client.set(longest + "k", 1)
    with pytest.raises(InvalidArgumentError):
        client.set("\u00e9" * (MAX_KEY_BYTES // 2 + 1), 1)  # few chars, too many UTF-8 bytes
    assert client.keys() == [longest]


def test_key_that_is_not_a_string_is_rejected(client: Client) -> None:
    for key in (7, None, b"bytes", ("t",)):
        with pytest.raises(InvalidArgumentError):
            client.set(key, 1)  # type: ignore[arg-type]
    assert client.size() == 0


def test_set_multi_with_one_bad_key_writes_nothing(client: Client) -> None:
    client.set("kept", "old")
    with pytest.raises(InvalidArgumentError):
        client.set_multi({"kept": "new", "fresh": 1, "": 2})
    assert client.get("kept") == "old"
    assert client.get("fresh") is None


def test_incr_on_a_string_raises_state_type_error_and_keeps_the_value(client: Client) -> None:
    client.set("name", "alpha")
    with pytest.raises(StateTypeError, match="name") as raised:
        client.incr("name")
    assert isinstance(raised.value, TypeError)
    with pytest.raises(StateTypeError):
        client.decr("name", 2)
    client.set("real", 1.5)
    with pytest.raises(StateTypeError):
        client.incr("real")
    assert client.get("name") == "alpha"
    assert client.get("real") == 1.5


def test_incr_past_int64_raises_counter_overflow_and_keeps_the_value(client: Client) -> None:
    client.set("high", INT64_MAX)
    with pytest.raises(CounterOverflowError) as raised:
        client.incr("high")
    assert isinstance(raised.value, OverflowError)
    assert client.get("high") == INT64_MAX
    client.set("low", INT64_MIN)
    with pytest.raises(CounterOverflowError):
        client.decr("low")
    assert client.get("low") == INT64_MIN
    assert client.incr("high", -1) == INT64_MAX - 1


def test_incr_on_an_integer_beyond_int64_is_a_type_or_overflow_error(client: Client) -> None:
    client.set("huge", 2 ** 70)
    with pytest.raises((StateTypeError, CounterOverflowError)):
        client.incr("huge")
    assert client.get("huge") == 2 ** 70


def test_connection_stays_usable_after_server_errors(client: Client) -> None:
    connection = client.connection.sock
    client.set("s", "text")
    for _ in range(3):
        with pytest.raises(StateTypeError):
            client.incr("s")
        with pytest.raises(InvalidArgumentError):
            client.get("")
    assert client.connection.sock is connection
    assert client.get("s") == "text"


def test_wrong_token_raises_authentication_error(bridge) -> None:
    with pytest.raises(AuthenticationError, match="token"):
        Client(bridge.unix_address, "not-the-token")
    with pytest.raises(AuthenticationError):
        Client(bridge.address("tcp"), "")
    with bridge.client() as still_served:
        still_served.ping()


def test_no_address_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATESTORE_ADDRESS", raising=False)
    monkeypatch.setenv("STATESTORE_TOKEN", "t")
    statestore.reset_default_client()
    with pytest.raises(ConfigurationError, match="STATESTORE_ADDRESS"):
        Client()
    with pytest.raises(ConfigurationError, match="STATESTORE_ADDRESS"):
        state_get("k")


def test_no_token_is_a_clear_configuration_error(bridge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATESTORE_ADDRESS", bridge.unix_address)
    monkeypatch.delenv("STATESTORE_TOKEN", raising=False)
    statestore.reset_default_client()
    with pytest.raises(ConfigurationError, match="STATESTORE_TOKEN"):
        state_incr("k")


@pytest.mark.parametrize("address", ["path/without/scheme.sock", "http://x", "tcp:127.0.0.1", "tcp:host:port",
                                     "unix:", "tcp:127.0.0.1:70000"])
def test_malformed_address_is_a_configuration_error(address: str) -> None:
    with pytest.raises(ConfigurationError, match="unix:/path"):
        Client(address, "t")


def test_nothing_listening_raises_connection_lost(tmp_path) -> None:
    with pytest.raises(ConnectionLostError, match="cannot connect"):
        Client(f"unix:{tmp_path}/nobody.sock", "t")


def test_server_gone_raises_connection_lost(private_bridge) -> None:
    running = private_bridge(tcp=False)
    connected = running.client()
    connected.set("k", 1)
    running.stop()
    with pytest.raises(ConnectionLostError):
        connected.get("k")
    with pytest.raises(ConnectionLostError, match="cannot connect"):
        connected.get("k")


def test_frame_above_the_limit_is_a_protocol_error_and_the_client_reconnects(private_bridge) -> None:
    running = private_bridge(tcp=False, extra_args=["--max-frame", "4096"])
    with running.client() as connected:
        assert connected.server_info.get("max_frame") == 4096
        with pytest.raises(ProtocolError) as raised:
            connected.set("big", b"x" * 10_000)
        assert raised.value.code == 8
        connected.set("small", b"x" * 100)
        assert connected.get("small") == b"x" * 100
        assert connected.get("big") is None


def test_frame_far_above_the_limit_still_reports_frame_too_large(private_bridge) -> None:
    # The server answers after the length prefix and closes while the client is still writing.
    running = private_bridge(tcp=False, extra_args=["--max-frame", "4096"])
    with running.client() as connected:
        with pytest.raises(ProtocolError, match="4096") as raised:
            connected.set("big", b"x" * 4_000_000)
        assert raised.value.code == 8
        assert connected.get("big") is None


def test_unknown_op_is_a_protocol_error_and_the_connection_carries_on(client: Client) -> None:
    with pytest.raises(ProtocolError, match="frobnicate") as raised:
        client.connection.call("frobnicate", (1,))
    assert raised.value.code == 4
    client.set("k", 1)
    assert client.get("k") == 1


def test_connection_limit_is_reported_as_server_busy(private_bridge) -> None:
    running = private_bridge(tcp=False, extra_args=["--max-connections", "1"])
    with running.client() as first:
        for _ in range(3):
            with pytest.raises(StateStoreError, match="busy") as raised:
                running.client()
            assert raised.value.code == 10
        first.ping()


@pytest.mark.parametrize("address,expected", [
    ("unix:/path/to.sock", (socket.AF_UNIX, "/path/to.sock")),
    ("tcp:127.0.0.1:7700", (socket.AF_INET, ("127.0.0.1", 7700))),
    ("tcp:[::1]:7700", (socket.AF_INET6, ("::1", 7700))),
])
def test_addresses_are_parsed_as_the_bridge_prints_them(address: str, expected: tuple) -> None:
    assert parse_address(address) == expected
