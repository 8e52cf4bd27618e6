"""A full disk, for real: a bridge over a ``mapdb:`` store on a small tmpfs this test mounts (which
needs root; elsewhere the test is skipped, saying why). A worker filling it gets a
WriteNotAppliedError naming the cause, keeps what it stored before, and can write again once
there is room, without reconnecting or restarting anything."""

import os
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest

import statestore
from statestore import StateStoreError, WriteNotAppliedError, state_get, state_set

#: The tmpfs starts this large, enough for MapDB to create its files.
FILESYSTEM_BYTES = 8 << 20
#: Once the store is open, the file system is shrunk to what is used plus this: a dozen values.
ROOM_BYTES = 256 << 10
#: What growing the file system gives back: enough for the checkpoint the full disk held back
#: (with 20 KB values, MapDB's B-tree nodes make it a few megabytes).
FREED_BYTES = 16 << 20
VALUE_CHARS = 20_000
MAX_WRITES = 2_000
RECOVERY_SECONDS = 5.0


def _mount_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=30)


def _resize(mount_point: Path, room: int) -> None:
    """Shrinks or grows the file system to what is used plus ``room`` bytes."""
    stats = os.statvfs(mount_point)
    used = (stats.f_blocks - stats.f_bavail) * stats.f_frsize
    done = _mount_command("mount", "-o", f"remount,size={used + room}", str(mount_point))
    assert done.returncode == 0, f"remount of {mount_point} failed: {done.stderr or done.stdout}"


@pytest.fixture
def small_tmpfs(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A fresh tmpfs of FILESYSTEM_BYTES, unmounted after the test (after the bridges stop)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip(f"this test mounts a {FILESYSTEM_BYTES >> 20} MiB tmpfs, which needs root "
                    f"(CI runs as root)")
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    done = _mount_command("mount", "-t", "tmpfs", "-o", f"size={FILESYSTEM_BYTES},mode=0700",
                          "tmpfs", str(mount_point))
    if done.returncode != 0:
        pytest.skip(f"this test mounts a {FILESYSTEM_BYTES >> 20} MiB tmpfs, and mount failed: "
                    f"{(done.stderr or done.stdout).strip()}")

    def unmount() -> None:
        undone = _mount_command("umount", "-l", str(mount_point))
        assert undone.returncode == 0, f"umount {mount_point}: {undone.stderr or undone.stdout}"

    request.addfinalizer(unmount)
    return mount_point


def _value(index: int) -> str:
    # Different text for every write: nothing on the way can make it smaller.
    return os.urandom(VALUE_CHARS // 2).hex() + f"-{index}"


def test_full_disk_raises_write_not_applied_and_writes_come_back(
        small_tmpfs: Path, private_bridge, monkeypatch: pytest.MonkeyPatch) -> None:
    running = private_bridge(f"mapdb:{small_tmpfs}/state.db", tcp=False)
    for name, value in running.env("unix").items():
        monkeypatch.setenv(name, value)
    statestore.reset_default_client()
    try:
        state_set("kept", {"stored": "before the disk filled"})
        _resize(small_tmpfs, ROOM_BYTES)

        stored: Dict[str, str] = {}
        refused: Optional[WriteNotAppliedError] = None
        for i in range(MAX_WRITES):
            value = _value(i)
            try:
                state_set(f"k{i}", value)
            except WriteNotAppliedError as error:
                refused = error
                break
            stored[f"k{i}"] = value
        assert refused is not None, (f"{MAX_WRITES} writes of {VALUE_CHARS} characters fitted in "
                                     f"{ROOM_BYTES >> 10} KiB")
        message = str(refused)
        assert "No space left on device" in message
        assert str(small_tmpfs) in message, f"the message names the file: {message}"
        assert isinstance(refused, StateStoreError)
        assert refused.code == 11
        assert state_get(f"k{len(stored)}") is None, "the refused write was not applied"

        assert state_get("kept") == {"stored": "before the disk filled"}
        for key, value in stored.items():
            assert state_get(key) == value, f"{key}, acknowledged, reads back"

        _resize(small_tmpfs, FREED_BYTES)
        # Writes come back at once, or once the checkpoints the full disk made back off try again.
        deadline = time.monotonic() + RECOVERY_SECONDS
        after = _value(-1)
        while True:
            try:
                state_set("after", after)
                break
            except WriteNotAppliedError as error:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{RECOVERY_SECONDS:.0f} s after the file system grew, "
                                         f"writes are still refused: {error}") from error
                time.sleep(0.02)
        for i in range(20):
            state_set(f"again{i}", _value(i))
        assert state_get("after") == after
        assert state_get("kept") == {"stored": "before the disk filled"}
    finally:
        statestore.reset_default_client()
