"""What the Python benchmark scripts share: the processes they start and how they measure.

``compare.py`` (the bridge over ``memory:`` against Redis and ``multiprocessing.Manager``) and
``durable.py`` (durable writes: the bridge over a MapDB file against Redis with an fsynced AOF and
SQLite) start their peers, measure operations per second and report the same way; this module is
that one way. Importing it also puts this source tree's ``statestore`` package first on
``sys.path``, so the scripts measure the client they sit next to, not an installed one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import platform
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event
    from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "state-python-bridge" / "src" / "main" / "python"))

from statestore.codec import new_packer  # (from the path just set)
from statestore.protocol import FRAME_HEADER

KEY = "bench:key"
VALUE = "value-0123456789"  # the small value every set writes: a 16-character string
PROCESSES = 4
READY_TIMEOUT = 60.0
UNIX_PATH_MAX = 107  # sun_path holds 108 bytes on Linux, the last one a NUL

Op = Callable[[], None]


# ---------------------------------------------------------------------------------------------
# processes a script starts


class Started:
    """Every process and directory started here, stopped in reverse order on exit.

    The work directory is a fresh directory made under ``parent`` (the system's temp directory
    by default) and removed, with everything in it, by :meth:`stop_all`.
    """

    def __init__(self, parent: Path | None = None, prefix: str = "statestore-bench-") -> None:
        self.processes: list[subprocess.Popen] = []
        self.cleanups: list[Callable[[], None]] = []
        self.workdir = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))

    def popen(self, command: list[str]) -> subprocess.Popen:
        """Starts ``command`` with its output (stdout and stderr) on a pipe; stopped on exit."""
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        """Runs the cleanups, stops the processes (TERM, then KILL after 10 s), removes the
        work directory."""
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001  (keep stopping the rest)
                print(f"cleanup failed: {error}", file=sys.stderr)
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
            if process.stdout:
                process.stdout.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class TimeLimitExceeded(Exception):
    """The run took longer than the time limit it was given."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bounds the enclosed block in time (``TimeLimitExceeded`` after ``seconds``) and turns
    SIGTERM into ``SystemExit``, so the caller's ``finally`` still stops what it started.

    Main thread only (it uses SIGALRM); a forked child inherits neither the alarm nor, once it
    resets them, the handlers.
    """

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise TimeLimitExceeded(f"the run did not finish within its time limit of {seconds:.0f} s")

    def terminated(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous_alarm = signal.signal(signal.SIGALRM, expired)
    previous_term = signal.signal(signal.SIGTERM, terminated)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        signal.signal(signal.SIGTERM, previous_term)


def read_until_ready(process: subprocess.Popen, what: str) -> list[str]:
    """Reads the process's output up to its ``ready`` line (in a thread, so a silent process
    cannot hang us), then keeps draining it."""
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        for line in process.stdout:
            if not ready.is_set():
                lines.append(line.rstrip("\n"))
                if line.strip() == "ready":
                    ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(READY_TIMEOUT) or not lines or lines[-1] != "ready":
        raise RuntimeError(f"{what} did not get ready: {lines[-20:]}")
    return lines


def wait_for_socket(path: Path, process: subprocess.Popen, what: str) -> None:
    """Waits until ``process`` accepts connections on the Unix socket ``path``."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}: {process.stdout.read()[-2000:]}")
        if path.exists():
            probe = socket.socket(socket.AF_UNIX)
            try:
                probe.connect(str(path))
            except OSError:
                pass
            else:
                return
            finally:
                probe.close()
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {path} within {READY_TIMEOUT:.0f} s")


def _socket_path(started: Started, name: str) -> Path:
    sock = started.workdir / name
    if len(os.fsencode(sock)) > UNIX_PATH_MAX:
        raise RuntimeError(f"the Unix socket path {sock} is longer than {UNIX_PATH_MAX} bytes: "
                           f"choose a shorter directory")
    return sock


def start_bridge(started: Started, jar: Path, store: str = "memory:",
                 options: Sequence[str] = (), socket_name: str = "bridge.sock") -> tuple[str, str]:
    """Starts ``java -jar JAR serve`` over the store URI ``store`` on the Unix socket ``socket_name``
    in the work directory, with a random token and the further ``serve`` flags ``options``; returns
    its ``STATESTORE_ADDRESS`` and the token once it has printed ``ready``."""
    sock = _socket_path(started, socket_name)
    token = os.urandom(16).hex()
    process = started.popen(["java", "-jar", str(jar), "serve", "--store", store,
                             "--unix", str(sock), "--token", token, *options])
    lines = read_until_ready(process, "statestore bridge")
    address = next(line.split("=", 1)[1] for line in lines if line.startswith("STATESTORE_ADDRESS="))
    return address, token


def _redis_path(path: Path) -> str:
    text = str(path)
    if any(char.isspace() or char in "\"'\\" for char in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def start_redis(started: Started, persistence: Sequence[str] = ('save ""', "appendonly no")) -> Path:
    """Starts a private ``redis-server`` (port 0, a Unix socket and its files in the work
    directory) with the configuration lines ``persistence`` (by default none); returns its
    socket once it accepts connections."""
    sock = _socket_path(started, "redis.sock")
    config = started.workdir / "redis.conf"
    lines = ["port 0", f"unixsocket {_redis_path(sock)}", "unixsocketperm 700", *persistence,
             f"dir {_redis_path(started.workdir)}", "daemonize no", 'logfile ""']
    config.write_text("".join(line + "\n" for line in lines))
    process = started.popen(["redis-server", str(config)])
    wait_for_socket(sock, process, "redis-server")
    return sock


def missing_java_or_jar(jar: Path) -> str | None:
    """What keeps a script from starting the bridge: no ``java`` on PATH, or no jar; ``None`` if
    both are there."""
    if not jar.is_file():
        return f"missing: {jar} (build: ./mvnw -q -pl statestore-cli -am package -DskipTests)"
    if shutil.which("java") is None:
        return "missing: java (Java 17+) on PATH"
    return None


# ---------------------------------------------------------------------------------------------
# measuring


class Measurement(NamedTuple):
    """One measurement: operations per second in its timed part, and every operation it did
    (warm-up included, so counters can be checked against it)."""

    rate: float
    ops: int


def timed(op: Op, ops_per_call: int, seconds: float) -> Measurement:
    """Calls ``op`` (doing ``ops_per_call`` operations) for ``seconds``, with no warm-up."""
    done = 0
    start = time.perf_counter()
    while True:
        op()
        done += ops_per_call
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return Measurement(done / elapsed, done)


def measure(op: Op, ops_per_call: int, seconds: float) -> Measurement:
    """Calls ``op`` (doing ``ops_per_call`` operations) for a short warm-up, then for
    ``seconds``."""
    calls = 0
    warm_until = time.perf_counter() + min(0.2, seconds / 4)
    while time.perf_counter() < warm_until:
        op()
        calls += 1
    measured = timed(op, ops_per_call, seconds)
    return Measurement(measured.rate, calls * ops_per_call + measured.ops)


def rate(op: Op, ops_per_call: int, seconds: float) -> float:
    """Calls ``op`` (doing ``ops_per_call`` operations) for ``seconds``; returns operations/s."""
    return measure(op, ops_per_call, seconds).rate


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _parallel_child(make_op: Callable[[], Op], ops_per_call: int, seconds: float, go: Event,
                    ready: Queue, results: Queue) -> None:
    # The parent stops its workers (Ctrl-C reaches the whole process group) and reports errors.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        op = make_op()
        op()  # connect and warm up before the start signal
    except BaseException as error:  # noqa: BLE001  (reported to the parent, which raises)
        ready.put((_describe(error), None))
        return
    ready.put((None, None))
    if not go.wait(READY_TIMEOUT):
        return
    try:
        measured = timed(op, ops_per_call, seconds)
        results.put((None, (measured.rate, ops_per_call + measured.ops)))
    except BaseException as error:  # noqa: BLE001  (reported to the parent, which raises)
        results.put((_describe(error), None))


def _collect(source: Queue, count: int, timeout: float,
             children: list[multiprocessing.process.BaseProcess]) -> list:
    """``count`` reports ``(error, item)`` from ``source``, their items; raises on an error a
    child reported, on a child that died without reporting, and after ``timeout`` seconds."""
    items: list = []
    deadline = time.monotonic() + timeout
    while len(items) < count:
        try:
            error, item = source.get(timeout=0.2)
        except queue.Empty:
            dead = [child.exitcode for child in children if child.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"a worker process died (exit code {dead[0]})") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker processes did not report within {timeout:.0f} s") from None
            continue
        if error is not None:
            raise RuntimeError(f"a worker process failed: {error}")
        items.append(item)
    return items


def parallel_measure(make_op: Callable[[], Op], seconds: float, ops_per_call: int = 100,
                     processes: int = PROCESSES) -> Measurement:
    """Runs ``make_op()`` (``ops_per_call`` operations per call) in ``processes`` forked
    processes at once: each makes its op after the fork (so its own connection), calls it once,
    and all start together when every one is ready. Returns the total operations/s and every
    operation done."""
    context = multiprocessing.get_context("fork")
    go = context.Event()
    ready = context.Queue()
    results = context.Queue()
    children = [context.Process(target=_parallel_child,
                                args=(make_op, ops_per_call, seconds, go, ready, results))
                for _ in range(processes)]
    try:
        for child in children:
            child.start()
        _collect(ready, processes, READY_TIMEOUT, children)
        go.set()
        reports = _collect(results, processes, seconds + READY_TIMEOUT, children)
        for child in children:
            child.join(10)
        return Measurement(sum(rate for rate, _ in reports), sum(ops for _, ops in reports))
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join()
        for channel in (ready, results):
            channel.close()
            channel.join_thread()


def parallel_rate(make_op: Callable[[], Op], seconds: float, ops_per_call: int = 100,
                  processes: int = PROCESSES) -> float:
    """Runs ``make_op()`` (``ops_per_call`` operations per call) in ``processes`` forked
    processes at once; returns the total operations/s."""
    return parallel_measure(make_op, seconds, ops_per_call, processes).rate


# ---------------------------------------------------------------------------------------------
# the echo reference: a Java server that sends every frame back, doing nothing else

ECHO_SERVER = "io.statestore.benchmarks.bridge.EchoServer"
#: A frame the size of a ``state_get`` request, which the echo server sends back.
ECHO_FRAME = FRAME_HEADER.pack(len(_GET_REQUEST := new_packer().pack([123456, "get", KEY]))) + _GET_REQUEST


def echo_class_path(requested: Path | None) -> Path | None:
    """The benchmarks jar, or the module's compiled classes when the jar was not built."""
    candidates = [requested] if requested else [ROOT / "benchmarks" / "target" / "benchmarks.jar",
                                                ROOT / "benchmarks" / "target" / "classes"]
    for candidate in candidates:
        if candidate.is_file() or (candidate / ECHO_SERVER.replace(".", "/")).with_suffix(".class").is_file():
            return candidate
    return None


def start_echo(started: Started, class_path: Path, event_loop: bool = False) -> Path:
    """Starts the echo server on a Unix socket in the work directory, with a thread per connection or
    (``event_loop``) one thread for all; returns the socket's path."""
    sock = started.workdir / ("echo-loop.sock" if event_loop else "echo.sock")
    process = started.popen(["java", "-cp", str(class_path), ECHO_SERVER, f"unix:{sock}"]
                            + (["--event-loop"] if event_loop else []))
    read_until_ready(process, "echo server")
    return sock


def echo_round_trips(sock_path: Path, times: int) -> Op:
    """Connects to the echo server; each call makes ``times`` bare round trips of :data:`ECHO_FRAME`."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(sock_path))
    buffer = bytearray(65536)
    view = memoryview(buffer)
    sendall, recv_into = sock.sendall, sock.recv_into
    frame, size, loop = ECHO_FRAME, len(ECHO_FRAME), range(times)

    def run() -> None:
        for _ in loop:
            sendall(frame)
            received = recv_into(buffer)
            while received < size:
                more = recv_into(view[received:])
                if not more:
                    raise ConnectionError("echo server closed the connection")
                received += more
    return run


def pin(cpu: int, server_pids: list[int]) -> None:
    """Pins this process (and so the clients it forks) and every thread of the servers to one CPU."""
    for pid in server_pids:
        subprocess.run(["taskset", "-a", "-cp", str(cpu), str(pid)], check=True, capture_output=True)
    os.sched_setaffinity(0, {cpu})


# ---------------------------------------------------------------------------------------------
# report


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. ``0.52, 0.31, 0.20``."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def machine_note(extras: Sequence[str] = (), load_at_start: str | None = None,
                 load_at_end: str | None = None) -> str:
    """Cores, CPU model, load average (now, unless ``load_at_start`` is given; and at the end
    when ``load_at_end`` is), Python, msgpack and Java versions, redis-py and Redis when
    installed, then ``extras``."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = f"load {load_at_start or load_average()} at start"
    if load_at_end is not None:
        load += f", {load_at_end} at end"
    java = subprocess.run(["java", "-version"], capture_output=True, text=True,
                          check=False).stderr.splitlines()
    try:
        import msgpack
        msgpack_version = ".".join(map(str, msgpack.version))
    except ImportError:
        msgpack_version = "?"
    versions = []
    try:
        import redis
        versions.append(f"redis-py {redis.__version__}")
        versions.append("with hiredis" if importlib.util.find_spec("hiredis") else "without hiredis")
    except ImportError:
        pass
    redis_server = shutil.which("redis-server")
    if redis_server:
        version = subprocess.run([redis_server, "--version"], capture_output=True, text=True,
                                 check=False).stdout.split()
        versions.append(next((part for part in version if part.startswith("v=")), "").replace("v=", "Redis "))
    versions.extend(extras)
    return (f"{os.cpu_count()} cores ({cpu}), {load}; Python {platform.python_version()}, "
            f"msgpack {msgpack_version}, {java[0] if java else 'java ?'}, {', '.join(versions)}")


def fmt(value: float | None) -> str:
    """Operations per second with thousands separators, or ``n/a``."""
    return "n/a" if value is None else f"{value:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    """``a / b`` as ``1.23x``, or ``n/a`` when either is missing or zero."""
    return "n/a" if not a or not b else f"{a / b:.2f}x"
