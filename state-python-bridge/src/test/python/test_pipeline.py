"""Pipelines: many requests in one write, every reply read, results in order, errors in place."""

import pytest

from statestore import Client, InvalidArgumentError, StateTypeError


def test_pipeline_of_150_mixed_operations_returns_results_in_order(client: Client) -> None:
    client.set("existing", {"a": 1})
    pipe = client.pipeline()
    expected = []
    for i in range(50):
        pipe.set(f"k{i}", [i, str(i)])
        expected.append(None)
        pipe.incr("counter", i)
        expected.append(sum(range(i + 1)))
        pipe.get(f"k{i}")
        expected.append([i, str(i)])
    pipe.get("missing", "default").get("existing").delete("k0").delete("k0")
    expected += ["default", {"a": 1}, True, False]
    pipe.cas("existing", {"a": 1}, "swapped").size().get_multi(["k1", "k2", "nope"]).keys("k4")
    expected += [True, 51, {"k1": [1, "1"], "k2": [2, "2"]}]
    assert len(pipe) == 158
    results = pipe.execute()
    assert results[:-1] == expected
    assert sorted(results[-1]) == ["k4", "k40", "k41", "k42", "k43", "k44", "k45", "k46", "k47", "k48", "k49"]
    assert len(pipe) == 0
    assert client.get("existing") == "swapped"


def test_pipeline_is_sent_in_one_write(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    client.ping()
    writes = []
    real_sendall = client.connection.sock.sendall

    class CountingSocket:
        def __init__(self, sock):
            self._sock = sock

        def sendall(self, data):
            writes.append(len(data))
            return real_sendall(data)

        def __getattr__(self, name):
            return getattr(self._sock, name)

    monkeypatch.setattr(client.connection, "sock", CountingSocket(client.connection.sock))
    pipe = client.pipeline()
    for i in range(200):
        pipe.incr("n")
    assert pipe.execute() == list(range(1, 201))
    assert len(writes) == 1


def test_error_inside_a_pipeline_is_raised_after_every_reply_was_read(client: Client) -> None:
    client.set("text", "not a number")
    pipe = client.pipeline()
    pipe.incr("n").incr("text").set("after", 1).incr("n").incr("")
    with pytest.raises(StateTypeError, match="text"):
        pipe.execute()
    # The requests after the failing one were carried out, and the connection is in step.
    assert client.get("after") == 1
    assert client.get("n") == 2
    assert client.incr("n") == 3


def test_error_inside_a_pipeline_can_be_returned_in_place(client: Client) -> None:
    client.set("text", "x")
    results = client.pipeline(raise_on_error=False).incr("a").incr("text").set("", 1).incr("a").execute()
    assert results[0] == 1 and results[3] == 2
    assert isinstance(results[1], StateTypeError)
    assert isinstance(results[2], InvalidArgumentError)
    results = client.pipeline().incr("text").execute(raise_on_error=False)
    assert isinstance(results[0], StateTypeError)


def test_unsupported_value_is_rejected_when_queued(client: Client) -> None:
    pipe = client.pipeline()
    pipe.set("good", 1)
    with pytest.raises(InvalidArgumentError, match="set"):
        pipe.set("bad", {1, 2})
    assert len(pipe) == 1
    assert pipe.execute() == [None]
    assert client.get("bad") is None


def test_pipeline_larger_than_a_write_chunk(client: Client) -> None:
    value = "v" * 1000
    with client.pipeline() as pipe:
        for i in range(3000):  # about 3 MB of requests, flushed in parts
            pipe.set(f"key:{i}", value)
        for i in range(3000):
            pipe.get(f"key:{i}")
        results = pipe.execute()
    assert results == [None] * 3000 + [value] * 3000
    assert client.size() == 3000


def test_empty_pipeline_returns_empty_list(client: Client) -> None:
    assert client.pipeline().execute() == []


def test_pipeline_is_reusable_after_execute(client: Client) -> None:
    pipe = client.pipeline()
    assert pipe.incr("n").execute() == [1]
    assert pipe.incr("n").incr("n").execute() == [2, 3]


def test_pipeline_with_a_request_larger_than_a_write_chunk(client: Client) -> None:
    big = b"\x07" * 2_000_000
    pipe = client.pipeline()
    for i in range(100):
        pipe.set(f"small:{i}", i)
    pipe.set("big", big).get("big")
    for i in range(100):
        pipe.get(f"small:{i}")
    assert pipe.execute() == [None] * 101 + [big] + list(range(100))
