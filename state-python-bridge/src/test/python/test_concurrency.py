"""Threads and forked processes: counters stay exact, and no process ever uses another's socket."""

import multiprocessing
import os
import threading
import time
from typing import List

import statestore
from statestore import Client, state_get, state_incr, state_set

THREADS = 8
INCREMENTS_PER_THREAD = 2_000
PROCESSES = 8
INCREMENTS_PER_PROCESS = 5_000
JOIN_TIMEOUT_SECONDS = 120


def test_threads_incrementing_one_key_end_exact(worker_env) -> None:
    errors: List[BaseException] = []
    start = threading.Barrier(THREADS)

    def work() -> None:
        try:
            start.wait()
            for _ in range(INCREMENTS_PER_THREAD):
                state_incr("threads")
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_SECONDS)
    assert not errors
    assert state_get("threads") == THREADS * INCREMENTS_PER_THREAD


def test_threads_with_their_own_clients_and_pipelines_end_exact(bridge) -> None:
    errors: List[BaseException] = []

    def work() -> None:
        try:
            with bridge.client() as connected:
                for _ in range(10):
                    pipe = connected.pipeline()
                    for _ in range(100):
                        pipe.incr("pipelined")
                    pipe.execute()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_SECONDS)
    assert not errors
    with bridge.client() as connected:
        assert connected.get("pipelined") == 4 * 10 * 100
        connected.clear()


def _increment_in_child(key: str, count: int, inherited: Client) -> None:
    # The connection inherited from the parent has been dropped here, never used.
    assert inherited.connection.sock is None, "a forked child still holds its parent's socket"
    for _ in range(count):
        state_incr(key)
    assert statestore.default_client() is not inherited


def test_forked_processes_incrementing_one_key_end_exact(worker_env) -> None:
    # The parent uses its default client before forking: the children inherit it and must not
    # touch its socket.
    state_set("forked", 0)
    parent_client = statestore.default_client()
    parent_socket = parent_client.connection.sock
    assert parent_socket is not None

    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_increment_in_child,
                                args=("forked", INCREMENTS_PER_PROCESS, parent_client))
                for _ in range(PROCESSES)]
    try:
        for child in children:
            child.start()
        for child in children:
            child.join(JOIN_TIMEOUT_SECONDS)
        assert [child.exitcode for child in children] == [0] * PROCESSES
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join()

    assert state_get("forked") == PROCESSES * INCREMENTS_PER_PROCESS
    # The parent's own connection is the one it had, still in step with the server.
    assert statestore.default_client() is parent_client
    assert parent_client.connection.sock is parent_socket
    assert state_incr("forked") == PROCESSES * INCREMENTS_PER_PROCESS + 1


def test_os_fork_child_opens_its_own_connection(worker_env) -> None:
    state_set("pid", "parent")
    parent_socket = statestore.default_client().connection.sock
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            fresh = statestore.default_client()
            if fresh.connection.sock is not parent_socket and state_get("pid") == "parent":
                state_set("pid", f"child {os.getpid()}")
                status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert state_get("pid") == f"child {child}"
    assert statestore.default_client().connection.sock is parent_socket


def test_a_finished_thread_gives_its_connection_back(private_bridge, monkeypatch) -> None:
    running = private_bridge(tcp=False, extra_args=["--max-connections", "2"])
    for name, value in running.env().items():
        monkeypatch.setenv(name, value)
    statestore.reset_default_client()
    errors: List[BaseException] = []

    def one_call() -> None:
        # The server notices a closed connection a moment after the thread ended: retry while busy.
        for _ in range(100):
            try:
                state_incr("threads one after another")
                return
            except statestore.StateStoreError as error:
                if error.code != 10:
                    errors.append(error)
                    return
                time.sleep(0.05)
        errors.append(AssertionError("the bridge stayed busy: connections of finished threads leak"))

    for _ in range(6):  # three times the connection limit
        thread = threading.Thread(target=one_call)
        thread.start()
        thread.join(JOIN_TIMEOUT_SECONDS)
    assert not errors
    with running.client() as connected:
        assert connected.get("threads one after another") == 6
