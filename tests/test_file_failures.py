"""Checkpoints and data files that fail cleanly: flambeau.load refuses what is not a regular file,
checks the header against the file's size before reading the body, wraps every malformed file in
CheckpointError naming it (and leaves the model untouched); flambeau.save names the target in its
errors and removes what a killed save left; read_idx bounds what it decompresses."""

from __future__ import annotations

import gzip
import json
import os
import struct
import threading
import tracemalloc

import numpy as np
import pytest

import flambeau
from flambeau import datasets, nn
from flambeau.datasets import IDXError
from flambeau.serialization import CheckpointError


def mlp():
    flambeau.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


def snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def safetensors_file(header, body=b"", pad=True):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(text)) + text + body


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def malformed_files():
    """name -> (content, what the message says)."""
    deep = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    deep_meta = json.dumps({"version": 1, "structure": "X"}).replace('"X"', '{"list":[' * 5000 + "1" + "]}" * 5000)
    return {
        "bf16.safetensors": (safetensors_file({"w": entry("BF16", [2], 0, 4)}, bytes(4)),
                             "tensor 'w' has dtype 'BF16', which flambeau cannot load"),
        "f8.safetensors": (safetensors_file({"w": entry("F8_E4M3", [2], 0, 2)}, bytes(2)), "F8_E4M3"),
        "deep.safetensors": (safetensors_file(deep), "nested too deeply"),
        "deep-metadata.safetensors": (
            safetensors_file({"__metadata__": {"flambeau": deep_meta}}), "corrupt flambeau metadata"),
        "list-header.safetensors": (safetensors_file({"w": [1, 2]}), "bad entry for 'w'"),
        "no-dtype.safetensors": (safetensors_file({"w": {"shape": [1], "data_offsets": [0, 4]}}, bytes(4)),
                                 "needs dtype, shape and data_offsets"),
        "negative-shape.safetensors": (safetensors_file({"w": entry("F32", [-1], 0, 4)}, bytes(4)),
                                       "shape \\[-1\\]"),
        "float-shape.safetensors": (safetensors_file({"w": entry("F32", [1.5], 0, 4)}, bytes(4)), "shape"),
        "wrong-size.safetensors": (safetensors_file({"w": entry("F32", [3], 0, 8)}, bytes(8)),
                                   "shape \\[3\\] of F32 takes 12 bytes, its data_offsets \\[0, 8\\] give 8"),
        "reversed.safetensors": (safetensors_file({"w": entry("F32", [0], 8, 4)}, bytes(8)), "data_offsets"),
        "gap.safetensors": (safetensors_file({"a": entry("F32", [1], 0, 4), "b": entry("F32", [1], 8, 12)},
                                             bytes(12)), "starts at byte 8"),
        "overlap.safetensors": (safetensors_file({"a": entry("F32", [2], 0, 8), "b": entry("F32", [1], 4, 8)},
                                                 bytes(8)), "starts at byte 4"),
        "trailing.safetensors": (safetensors_file({"a": entry("F32", [1], 0, 4)}, bytes(12)),
                                 "8 bytes after the last tensor"),
        "huge-claim.safetensors": (safetensors_file({"a": entry("F64", [10**12], 0, 8 * 10**12)}, bytes(8)),
                                   "truncated: its tensors take 8000000000000 bytes"),
        "metadata-not-str.safetensors": (safetensors_file({"__metadata__": {"flambeau": 3}}),
                                         "corrupt flambeau metadata"),
        "metadata-list.safetensors": (safetensors_file({"__metadata__": {"flambeau": "[1]"}}),
                                      "corrupt flambeau metadata"),
    }


@pytest.mark.parametrize("name", sorted(malformed_files()))
def test_malformed_files_raise_checkpoint_error_naming_the_file(tmp_path, name):
    content, message = malformed_files()[name]
    path = tmp_path / name
    path.write_bytes(content)
    model = mlp()
    before = snapshot(model)
    with pytest.raises(CheckpointError, match=message) as info:
        model.load_state_dict(flambeau.load(path))
    assert str(path) in str(info.value)
    for k, v in snapshot(model).items():
        np.testing.assert_array_equal(v, before[k])


def test_random_damage_never_escapes_as_another_error(tmp_path):
    """Bytes flipped or cut anywhere in a real checkpoint: it loads, or CheckpointError."""
    good = tmp_path / "good.safetensors"
    flambeau.save({"model": mlp().state_dict(), "epoch": 3, "names": ("a", "b")}, good)
    raw = good.read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    rng = np.random.default_rng(0)
    bad = tmp_path / "bad.safetensors"
    for trial in range(300):
        damaged = bytearray(raw)
        if trial % 3 == 0:
            damaged = damaged[:rng.integers(0, len(raw))]
        else:
            for _ in range(rng.integers(1, 4)):
                # mostly in the length and the header, where the structure lives
                at = int(rng.integers(0, 8 + header_size if trial % 3 == 1 else len(raw)))
                damaged[at] = int(rng.integers(0, 256))
        bad.write_bytes(bytes(damaged))
        try:
            flambeau.load(bad)
        except CheckpointError as e:
            assert str(bad) in str(e)


def test_damaged_pytorch_zip_checkpoints_raise_checkpoint_error(tmp_path):
    """The same for PyTorch's zip format (flambeau.save's default for a .pt path): a bad CRC, a
    cut archive, a garbled name, all CheckpointError naming the file, the model untouched."""
    good = tmp_path / "good.pt"
    flambeau.save({"model": mlp().state_dict(), "epoch": 3}, good)
    raw = good.read_bytes()
    assert raw[:4] == b"PK\x03\x04"
    rng = np.random.default_rng(1)
    bad = tmp_path / "bad.pt"
    model = mlp()
    before = snapshot(model)
    refused = 0
    for trial in range(150):
        damaged = bytearray(raw)
        if trial % 3 == 0:
            damaged = damaged[:max(int(rng.integers(0, len(raw))), 4)]
        else:
            for _ in range(rng.integers(1, 4)):
                damaged[int(rng.integers(4, len(raw)))] = int(rng.integers(0, 256))
        bad.write_bytes(bytes(damaged))
        try:
            model.load_state_dict(flambeau.load(bad)["model"])
        except CheckpointError as e:
            assert str(bad) in str(e)
            refused += 1
            for k, v in snapshot(model).items():
                np.testing.assert_array_equal(v, before[k])
    assert refused > 100


def test_the_header_is_checked_before_the_body_is_read(tmp_path):
    """A 1 GB (sparse) file whose header describes 4 bytes is refused without reading 1 GB."""
    path = tmp_path / "sparse.safetensors"
    with open(path, "wb") as f:
        f.write(safetensors_file({"a": entry("F32", [1], 0, 4)}))
        f.truncate(2**30)
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match="bytes after the last tensor"):
            flambeau.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, peak


def test_a_header_length_beyond_the_file_is_refused_at_once(tmp_path):
    path = tmp_path / "long-header.safetensors"
    path.write_bytes(struct.pack("<Q", 5000) + b"{}")
    with pytest.raises(CheckpointError, match="truncated: its header takes 5000 bytes, the file has 2"):
        flambeau.load(path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_are_refused():
    for device in ("/dev/zero", "/dev/null"):
        with pytest.raises(CheckpointError, match=f"{device} is a device, not a checkpoint file"):
            flambeau.load(device)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = str(tmp_path / "pipe")
    os.mkfifo(fifo)
    errors = []
    reader = threading.Thread(target=lambda: errors.append(_error_of(flambeau.load, fifo)), daemon=True)
    reader.start()
    reader.join(60)
    if reader.is_alive():  # release the blocked open before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("flambeau.load waited on a FIFO")
    assert isinstance(errors[0], CheckpointError)
    assert str(errors[0]) == f"{fifo} is a FIFO (named pipe), not a checkpoint file"


def _error_of(fn, *args):
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - returned to the test
        return e
    return None


def test_file_objects_get_the_same_checks(tmp_path):
    import io

    content, _ = malformed_files()["bf16.safetensors"]
    with pytest.raises(CheckpointError, match="BF16"):
        flambeau.load(io.BytesIO(content))


# ------------------------------------------------------------------------- saving
def test_save_errors_name_the_target_not_the_temporary_file(tmp_path):
    state = {"w": flambeau.ones(2)}
    target = tmp_path / "missing" / "ck.safetensors"
    with pytest.raises(FileNotFoundError) as info:
        flambeau.save(state, target)
    assert str(info.value) == f"cannot save the checkpoint {target}: the folder {tmp_path / 'missing'} does not exist"
    assert info.value.errno is not None
    with pytest.raises(IsADirectoryError) as info:
        flambeau.save(state, tmp_path)
    assert str(info.value) == f"cannot save the checkpoint {tmp_path}: it is a directory"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError) as info:
        flambeau.save(state, blocker / "ck.safetensors")
    assert str(info.value).startswith(f"cannot save the checkpoint {blocker / 'ck.safetensors'}: ")
    assert ".tmp" not in str(info.value)
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_a_failed_fsync_names_the_target(tmp_path, monkeypatch):
    import errno

    import flambeau.serialization as serialization

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(serialization.os, "fsync", full)
    with pytest.raises(OSError) as info:
        flambeau.save({"w": flambeau.ones(2)}, tmp_path / "ck")
    assert str(info.value) == f"cannot save the checkpoint {tmp_path / 'ck'}: No space left on device"
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []


def _dead_pid():
    pid = 2**22 - 7
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            pass
        pid -= 1


@pytest.mark.skipif(os.name != "posix", reason="POSIX process ids")
def test_the_next_save_removes_what_a_killed_save_left(tmp_path):
    path = tmp_path / "ck.safetensors"
    stale = tmp_path / f".ck.safetensors.{_dead_pid()}-{'a' * 32}.tmp"
    stale.write_bytes(b"half a checkpoint")
    alive = tmp_path / f".ck.safetensors.{os.getppid()}-{'b' * 32}.tmp"  # a save running elsewhere
    alive.write_bytes(b"being written")
    other = tmp_path / f".other.safetensors.{_dead_pid()}-{'c' * 32}.tmp"  # another checkpoint's
    other.write_bytes(b"x")
    mine = tmp_path / ".ck.safetensors.notes.tmp"  # not one of ours
    mine.write_bytes(b"x")
    flambeau.save({"w": flambeau.ones(2)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted([alive.name, other.name, mine.name, path.name])
    assert flambeau.load(path)["w"].tolist() == [1.0, 1.0]


# ------------------------------------------------------------------------- IDX files
def idx(shape, payload=None, code=0x08):
    payload = bytes(int(np.prod(shape))) if payload is None else payload
    return bytes([0, 0, code, len(shape)]) + np.asarray(shape, ">u4").tobytes() + payload


def test_a_gzip_bomb_is_refused_without_expanding_it(tmp_path):
    # 100 kB of gzip announcing (and holding) 1 GB of zeros would take 1 GB of memory: refused
    path = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(idx((1000, 1000, 1000), b""))
        for _ in range(10):
            f.write(bytes(10**6))
    with pytest.raises(IDXError, match=f"{path}: its header announces shape \\[1000, 1000, 1000\\] of "
                                       "uint8, 1 GB of data, more than the 0.01 GB read_idx reads"):
        datasets.read_idx(path, max_bytes=10**7)
    # a small header followed by far more data than it announces: read up to what it announces
    path2 = tmp_path / "labels.gz"
    with gzip.open(path2, "wb", compresslevel=1) as f:
        f.write(idx((10,)))
        for _ in range(50):
            f.write(bytes(10**6))
    tracemalloc.start()
    try:
        with pytest.raises(IDXError, match="unexpected bytes after the data of shape \\[10\\]"):
            datasets.read_idx(path2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, peak


def test_default_limit_and_corrupt_gzip(tmp_path):
    path = tmp_path / "huge.idx"
    path.write_bytes(idx((2**16, 2**16), b"") + bytes(10))
    with pytest.raises(IDXError, match="4.29 GB of data, more than the 2.15 GB"):
        datasets.read_idx(path)
    packed = bytearray(gzip.compress(idx((4, 4))))
    packed[-8] ^= 0xFF  # the CRC
    (tmp_path / "crc.gz").write_bytes(bytes(packed))
    with pytest.raises(IDXError, match="broken or truncated gzip data"):
        datasets.read_idx(tmp_path / "crc.gz")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_read_idx_refuses_devices():
    with pytest.raises(IDXError, match="/dev/zero is not a regular file"):
        datasets.read_idx("/dev/zero")
