"""Fixtures: real statestore bridges started from the jar, one per backend, and clients of them.

The bridge is ``java -jar $STATESTORE_JAR serve --store URI --unix SOCK --tcp 127.0.0.1:0
--token T``. The statestore-cli module builds that jar and runs this suite, setting STATESTORE_JAR
(and PYTHONPATH to the package under test); run by hand, the default is the jar that module builds.
Each bridge process is killed when its tests are done, also when they fail.
"""

import contextlib
import os
import queue
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

import statestore
from statestore import Client

#: Every backend the suite runs against: a store URI where ``{dir}`` becomes a fresh temp directory.
#: Each entry runs the whole suite. MapDB commits in groups here: what is under test is the bridge
#: and the client on top of the backend (the mapdb module proves crash safety itself), and a commit
#: per write makes each 16,000- or 40,000-increment case take about half a minute on 2 cores.
STORE_URIS: List[str] = [
    "memory:",
    "mapdb:{dir}/state.db?durability=interval",
]

READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 15.0


def _jar() -> str:
    jar = os.environ.get("STATESTORE_JAR")
    if not jar:
        jar = str(Path(__file__).resolve().parents[4] / "statestore-cli" / "target" / "statestore.jar")
    if not Path(jar).is_file():
        pytest.fail(f"no statestore jar at {jar}: build it (./mvnw -pl statestore-cli -am package"
                    " -DskipTests) or set STATESTORE_JAR")
    return jar


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and Path(java_home, "bin", "java").is_file():
        return str(Path(java_home, "bin", "java"))
    found = shutil.which("java")
    if not found:
        pytest.fail("no java on PATH and no JAVA_HOME: the bridge runs on Java 17+")
    return found


class Bridge:
    """A running ``statestore serve`` process and what it printed."""

    def __init__(self, store_uri: str, workdir: Path, *, token: Optional[str] = "generate",
                 tcp: bool = True, extra_args: Optional[List[str]] = None) -> None:
        self.store_uri = store_uri
        self.socket_path = workdir / "s.sock"
        if token == "generate":
            token = secrets.token_hex(16)
        command = [_java(), "-jar", _jar(), "serve", "--store", store_uri,
                   "--unix", str(self.socket_path)]
        if tcp:
            command += ["--tcp", "127.0.0.1:0"]
        if token is not None:
            command += ["--token", token]
        command += extra_args or []
        self.command = command
        self.stderr_path = workdir / "bridge.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=self._stderr, text=True, bufsize=1)
        self._pump: Optional[threading.Thread] = None
        self.addresses: List[str] = []
        self.token: Optional[str] = token
        self.lines: List[str] = []
        try:
            self._await_ready()
        except BaseException:
            self.stop()
            raise

    def _await_ready(self) -> None:
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def pump() -> None:
            # Keeps reading stdout for the bridge's whole life so it never blocks on a full pipe.
            for line in self.process.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        self._pump = threading.Thread(target=pump, name="bridge-stdout", daemon=True)
        self._pump.start()
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                raise RuntimeError(f"bridge not ready after {READY_TIMEOUT_SECONDS:.0f} s: "
                                   f"{self.describe()}") from None
            if line is None:
                self.process.wait(STOP_TIMEOUT_SECONDS)
                raise RuntimeError(f"bridge exited with {self.process.returncode} before ready: "
                                   f"{self.describe()}")
            self.lines.append(line)
            if line == "ready":
                break
            name, sep, value = line.partition("=")
            if sep and name == "STATESTORE_ADDRESS":
                self.addresses.append(value)
            elif sep and name == "STATESTORE_TOKEN":
                self.token = value
        if not self.addresses:
            raise RuntimeError(f"bridge printed no STATESTORE_ADDRESS: {self.describe()}")

    def describe(self) -> str:
        self._stderr.flush()
        stderr = self.stderr_path.read_text(errors="replace")[-4000:] if self.stderr_path.exists() else ""
        return f"command {' '.join(self.command)}; stdout {self.lines}; stderr:\n{stderr}"

    def address(self, transport: str) -> str:
        """The first address of a transport: ``unix`` or ``tcp``."""
        for address in self.addresses:
            if address.startswith(transport + ":"):
                return address
        raise AssertionError(f"the bridge serves no {transport} address: {self.addresses}")

    @property
    def unix_address(self) -> str:
        return self.address("unix")

    def env(self, transport: str = "unix") -> Dict[str, str]:
        """The worker environment for this bridge."""
        return {"STATESTORE_ADDRESS": self.address(transport), "STATESTORE_TOKEN": self.token or ""}

    def client(self, transport: str = "unix", **kwargs: object) -> Client:
        return Client(self.address(transport), self.token, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_SECONDS)
        if self._pump is not None:
            self._pump.join(STOP_TIMEOUT_SECONDS)
        if self.process.stdout and (self._pump is None or not self._pump.is_alive()):
            self.process.stdout.close()
        self._stderr.close()


def _store_id(template: str) -> str:
    return template.split(":", 1)[0]


@pytest.fixture(scope="session", params=STORE_URIS, ids=_store_id)
def bridge(request: pytest.FixtureRequest) -> Iterator[Bridge]:
    """A bridge per backend of STORE_URIS, serving a Unix socket and TCP on 127.0.0.1."""
    workdir = Path(tempfile.mkdtemp(prefix="statestore-test-"))
    try:
        running = Bridge(request.param.format(dir=workdir), workdir)
        try:
            yield running
        finally:
            running.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def private_bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Bridge]]:
    """Starts bridges with custom arguments for one test, over ``memory:`` unless given another
    store URI; stops them after it."""
    started: List[Bridge] = []

    def start(store_uri: str = "memory:", **kwargs: object) -> Bridge:
        workdir = Path(tempfile.mkdtemp(prefix="statestore-test-"))
        started.append(Bridge(store_uri, workdir, **kwargs))
        return started[-1]

    try:
        yield start
    finally:
        for running in started:
            running.stop()
            shutil.rmtree(running.socket_path.parent, ignore_errors=True)


@pytest.fixture
def worker_env(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bridge]:
    """Points the module-level ``state_*`` functions at the bridge over its Unix socket, with an
    empty store, as a worker launched by the bridge would be."""
    for name, value in bridge.env("unix").items():
        monkeypatch.setenv(name, value)
    statestore.reset_default_client()
    statestore.state_clear()
    yield bridge
    statestore.reset_default_client()


@pytest.fixture(params=["unix", "tcp"])
def client(bridge: Bridge, request: pytest.FixtureRequest) -> Iterator[Client]:
    """A client of the bridge over each transport, with an empty store."""
    with bridge.client(request.param) as connected:
        connected.clear()
        yield connected


def _free_ports(count: int) -> List[int]:
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@pytest.fixture(scope="module")
def cluster() -> Iterator[List[Bridge]]:
    """Two bridges, each over an embedded Hazelcast member of one cluster (its own secret and name)."""
    ports = _free_ports(2)
    members = ",".join(f"127.0.0.1:{port}" for port in ports)
    name = "locks-" + secrets.token_hex(4)
    previous = os.environ.get("STATESTORE_CLUSTER_SECRET")
    os.environ["STATESTORE_CLUSTER_SECRET"] = secrets.token_hex(16)
    bridges: List[Bridge] = []
    workdirs: List[Path] = []
    try:
        for port in ports:
            workdirs.append(Path(tempfile.mkdtemp(prefix="statestore-test-")))
            bridges.append(Bridge(f"hazelcast:?mode=member&cluster={name}&port={port}&members={members}"
                                  f"&interface=127.0.0.1&joinTimeout=1&waitBeforeJoin=1", workdirs[-1]))
        with Client(bridges[0].address("unix"), bridges[0].token) as a, \
                Client(bridges[1].address("unix"), bridges[1].token) as b:
            a.set("joined", name)
            deadline = time.monotonic() + 60
            while b.get("joined") != name:
                assert time.monotonic() < deadline, "the two members did not form one cluster"
                time.sleep(0.1)
        yield bridges
    finally:
        for bridge in bridges:
            bridge.stop()
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)
        if previous is None:
            os.environ.pop("STATESTORE_CLUSTER_SECRET", None)
        else:
            os.environ["STATESTORE_CLUSTER_SECRET"] = previous
