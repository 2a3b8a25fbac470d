"""flambeau.save / flambeau.load: safetensors checkpoints, nested objects, PyTorch interchange,
atomic writes, and clear errors for files that are not checkpoints."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest

import flambeau
from flambeau import nn
from flambeau.serialization import CheckpointError


def assert_identical(a, b, where="obj"):
    """Equal values of exactly the same types, recursively (tensors: dtype, shape, values)."""
    if isinstance(b, flambeau.Tensor):
        assert isinstance(a, flambeau.Tensor), where
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape), where
        np.testing.assert_array_equal(a.numpy(), b.detach().numpy(), err_msg=where)
        return
    if isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
        return
    assert type(a) is type(b) or (isinstance(b, dict) and type(a) is dict), f"{where}: {type(a)} != {type(b)}"
    if isinstance(b, dict):
        assert list(a) == list(b), where
        for (ka, va), (kb, vb) in zip(a.items(), b.items()):
            assert type(ka) is type(kb), f"{where}: key {ka!r}"
            assert_identical(va, vb, f"{where}[{kb!r}]")
    elif isinstance(b, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(b, float) and math.isnan(b):
        assert math.isnan(a), where
    else:
        assert a == b, where


def mlp(batchnorm=False):
    layers = [nn.Linear(2, 8)] + ([nn.BatchNorm1d(8)] if batchnorm else []) + [nn.Tanh(), nn.Linear(8, 1)]
    return nn.Sequential(*layers)


def torch_mlp(torch, batchnorm=False):
    layers = [torch.nn.Linear(2, 8)] + ([torch.nn.BatchNorm1d(8)] if batchnorm else [])
    return torch.nn.Sequential(*layers, torch.nn.Tanh(), torch.nn.Linear(8, 1))


def snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def assert_untouched(model, before):
    after = snapshot(model)
    assert list(after) == list(before)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


# ------------------------------------------------------------------------- round trips
def test_state_dict_round_trip(tmp_path):
    flambeau.manual_seed(0)
    model = mlp(batchnorm=True)
    model(flambeau.randn(16, 2))  # move the BatchNorm statistics
    path = tmp_path / "model.safetensors"
    flambeau.save(model.state_dict(), path)
    loaded = flambeau.load(path)
    assert_identical(loaded, dict(model.state_dict()))
    assert loaded["1.num_batches_tracked"].dtype == flambeau.int64
    assert tuple(loaded["1.num_batches_tracked"].shape) == ()
    loaded["0.weight"].numpy()[0, 0] = 5.0  # writable
    other = mlp(batchnorm=True)
    other.load_state_dict(loaded)
    assert other.state_dict()["0.weight"].numpy()[0, 0] == 5.0


def test_plain_state_dict_keeps_its_keys_in_the_file(tmp_path):
    from safetensors.numpy import load_file

    model = mlp(batchnorm=True)
    flambeau.save(model.state_dict(), tmp_path / "m.safetensors")
    stored = load_file(str(tmp_path / "m.safetensors"))
    assert sorted(stored) == sorted(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(stored[k], v.numpy())


OPTIMIZER_STATE = {
    "state": {0: {"step": flambeau.tensor(3.0), "exp_avg": flambeau.randn(8, 2),
                  "exp_avg_sq": flambeau.rand(8, 2)},
              1: {"step": flambeau.tensor(3.0), "exp_avg": flambeau.randn(8)}},
    "param_groups": [{"lr": 0.1, "params": [0, 1], "betas": (0.9, 0.999), "eps": 1e-8,
                      "weight_decay": 0, "amsgrad": False, "foreach": None, "maximize": False}],
}


def test_nested_checkpoint_round_trip(tmp_path):
    model = mlp()
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": OPTIMIZER_STATE,
        "epoch": 3,
        "loss": float("nan"),
        "best": float("inf"),
        "name": "circle run",
        "history": [0.5, 0.25, [1, (2, 3)]],
        "empty": {"d": {}, "l": [], "t": ()},
        (1, "a"): {2.5: True, None: "none", False: 0},
        "extras": {"mask": flambeau.tensor([True, False]), "ids": flambeau.tensor([1, 2], dtype=flambeau.int32),
                   "double": flambeau.tensor([1.0], dtype=flambeau.float64), "raw": np.arange(3, dtype=np.int16),
                   "half": flambeau.ones(2, dtype=flambeau.float16), "bytes": flambeau.zeros(2, dtype=flambeau.uint8)},
        "np_scalar": np.float32(1.5),
    }
    flambeau.save(checkpoint, tmp_path / "ck.safetensors")
    loaded = flambeau.load(tmp_path / "ck.safetensors")
    expected = dict(checkpoint, np_scalar=1.5)
    assert_identical(loaded, expected)
    assert list(loaded["optimizer"]["state"]) == [0, 1]  # int keys stay ints
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    new_model = mlp()
    new_model.load_state_dict(loaded["model"])
    x = flambeau.randn(4, 2)
    np.testing.assert_array_equal(new_model(x).detach().numpy(), model(x).detach().numpy())


def test_tensor_names_in_a_nested_file(tmp_path):
    from safetensors.numpy import load_file

    flambeau.save({"model": mlp().state_dict(), "optimizer": OPTIMIZER_STATE, "epoch": 1}, tmp_path / "c.safetensors")
    assert sorted(load_file(str(tmp_path / "c.safetensors"))) == [
        "model.0.bias", "model.0.weight", "model.2.bias", "model.2.weight",
        "optimizer.state.0.exp_avg", "optimizer.state.0.exp_avg_sq", "optimizer.state.0.step",
        "optimizer.state.1.exp_avg", "optimizer.state.1.step"]


def test_colliding_dotted_names(tmp_path):
    obj = {"a.b": flambeau.tensor([1.0]), "a": {"b": flambeau.tensor([2.0])}, 1: flambeau.tensor([3]),
           "1": flambeau.tensor([4])}
    flambeau.save(obj, tmp_path / "x")
    assert_identical(flambeau.load(tmp_path / "x"), obj)


def test_other_top_level_objects(tmp_path):
    for obj in (flambeau.randn(3, 2), [flambeau.ones(1), 2, "three"], (1, 2.0), {}, 7):
        flambeau.save(obj, tmp_path / "o")
        assert_identical(flambeau.load(tmp_path / "o"), obj)


def test_file_objects_and_map_location(tmp_path):
    buffer = io.BytesIO()
    flambeau.save({"w": flambeau.ones(2)}, buffer)
    buffer.seek(0)
    assert_identical(flambeau.load(buffer, map_location="cpu"), {"w": flambeau.ones(2)})
    flambeau.save({"w": flambeau.ones(2)}, str(tmp_path / "s"))
    assert_identical(flambeau.load(str(tmp_path / "s"), weights_only=True), {"w": flambeau.ones(2)})
    with pytest.raises(RuntimeError, match="CPU-only machine"):
        flambeau.load(tmp_path / "s", map_location="cuda:0")


def test_parameters_with_gradients_are_saved_as_values(tmp_path):
    model = mlp()
    model(flambeau.randn(3, 2)).sum().backward()
    flambeau.save(model.state_dict(keep_vars=True), tmp_path / "p.safetensors")
    loaded = flambeau.load(tmp_path / "p.safetensors")
    assert not loaded["0.weight"].requires_grad
    np.testing.assert_array_equal(loaded["0.weight"].numpy(), model[0].weight.detach().numpy())


def test_unsupported_values_are_refused_before_writing(tmp_path):
    path = tmp_path / "keep.safetensors"
    flambeau.save({"w": flambeau.ones(1)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"cannot store a object \(at extras\.callback\)"):
        flambeau.save({"w": flambeau.ones(1), "extras": {"callback": object()}}, path)
    with pytest.raises(TypeError, match="dict key of type"):
        flambeau.save({frozenset(): 1}, path)
    with pytest.raises(TypeError, match="complex128"):
        flambeau.save({"c": np.zeros(2, complex)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.safetensors"]


# ------------------------------------------------------------------------- PyTorch interchange
@pytest.mark.parametrize("batchnorm", [False, True])
def test_flambeau_checkpoint_loads_in_pytorch(torch, tmp_path, batchnorm):
    from safetensors.torch import load_file

    flambeau.manual_seed(1)
    model = mlp(batchnorm)
    for _ in range(3):
        model(flambeau.randn(32, 2) * 2 + 1)  # BatchNorm running statistics move in training mode
    model.eval()
    flambeau.save(model.state_dict(), tmp_path / "f.safetensors")
    theirs = torch_mlp(torch, batchnorm)
    result = theirs.load_state_dict(load_file(str(tmp_path / "f.safetensors")), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((10, 2)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.tensor(x)).detach().numpy(), model(flambeau.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    if batchnorm:
        assert int(theirs[1].num_batches_tracked) == 3


@pytest.mark.parametrize("batchnorm", [False, True])
def test_pytorch_checkpoint_loads_in_flambeau(torch, tmp_path, batchnorm):
    from safetensors.torch import save_file

    torch.manual_seed(2)
    theirs = torch_mlp(torch, batchnorm)
    for _ in range(2):
        theirs(torch.randn(32, 2) * 3 - 1)
    theirs.eval()
    save_file(theirs.state_dict(), str(tmp_path / "t.safetensors"))
    loaded = flambeau.load(tmp_path / "t.safetensors")
    assert set(loaded) == set(theirs.state_dict())
    ours = mlp(batchnorm)
    ours.load_state_dict(loaded)
    ours.eval()
    x = np.random.default_rng(1).standard_normal((10, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(flambeau.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_pytorch_file_with_wrong_shapes_leaves_the_model_untouched(torch, tmp_path):
    from safetensors.torch import save_file

    wide = torch.nn.Sequential(torch.nn.Linear(2, 9), torch.nn.Tanh(), torch.nn.Linear(9, 1))
    save_file(wide.state_dict(), str(tmp_path / "wide.safetensors"))
    model = mlp()
    before = snapshot(model)
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict(flambeau.load(tmp_path / "wide.safetensors"))
    assert_untouched(model, before)


# ------------------------------------------------------------------------- atomic writing
def test_save_replaces_atomically_and_syncs(tmp_path, monkeypatch):
    import flambeau.serialization as serialization

    path = tmp_path / "ck.safetensors"
    flambeau.save({"v": flambeau.zeros(3)}, path)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(serialization.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    flambeau.save({"v": flambeau.ones(3)}, path)
    assert synced, "the data must be flushed to disk before the rename"
    assert_identical(flambeau.load(path), {"v": flambeau.ones(3)})
    assert os.listdir(tmp_path) == ["ck.safetensors"]


def test_a_failed_write_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    import flambeau.serialization as serialization

    path = tmp_path / "ck.safetensors"
    flambeau.save({"v": flambeau.zeros(3)}, path)
    before = path.read_bytes()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        flambeau.save({"v": flambeau.ones(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.safetensors"]  # the temporary file is gone


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_file_has_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        flambeau.save({"v": flambeau.zeros(1)}, tmp_path / "p")
    finally:
        os.umask(umask)
    assert (os.stat(tmp_path / "p").st_mode & 0o777) == 0o644


# ------------------------------------------------------------------------- bad files
class SideEffect:
    """Unpickling this creates a directory: proof that a loader executed the file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def bad_files(tmp_path):
    good = tmp_path / "good.safetensors"
    flambeau.save(mlp().state_dict(), good)
    raw = good.read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    files = {
        "empty.safetensors": (b"", "is empty"),
        "three-bytes.safetensors": (raw[:3], "truncated"),
        "length-only.safetensors": (raw[:8], "truncated"),
        "half-header.safetensors": (raw[:8 + header_size // 2], "truncated: its header takes"),
        "half-data.safetensors": (raw[:len(raw) - 20], "truncated: its tensors take"),
        "random.safetensors": (np.random.default_rng(0).bytes(300), "not a safetensors file"),
        "weights.pkl": (pickle.dumps({"0.weight": np.zeros((8, 2))}), "pickle"),
        "evil.pkl": (pickle.dumps(SideEffect(str(tmp_path / "executed"))), "pickle"),
        "config.json": (json.dumps({"lr": 0.1, "layers": [2, 8, 1]}).encode(), "JSON"),
        "bad-header.safetensors": (struct.pack("<Q", 10) + b"{not json}", "header is not JSON"),
    }
    for name, (content, _) in files.items():
        (tmp_path / name).write_bytes(content)
    return {tmp_path / name: message for name, (_, message) in files.items()}


def test_bad_files_give_clear_errors_and_leave_the_model_untouched(tmp_path):
    model = mlp()
    before = snapshot(model)
    for path, message in bad_files(tmp_path).items():
        with pytest.raises(CheckpointError, match=message) as info:
            model.load_state_dict(flambeau.load(path))
        assert str(path) in str(info.value), info.value
        assert isinstance(info.value, ValueError)
        assert_untouched(model, before)
    assert not (tmp_path / "executed").exists(), "a pickle was executed"


def test_pickle_error_explains_the_conversion(torch, tmp_path):
    """PyTorch's legacy format (a bare pickle, before 1.6) is refused; its zip format loads
    (tests/test_torch_checkpoints.py)."""
    torch.save(torch_mlp(torch).state_dict(), tmp_path / "model.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="pickle file .*never unpickles.*safetensors.torch.save_file"):
        flambeau.load(tmp_path / "model.pt")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        flambeau.load(tmp_path / "nothing.safetensors")
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        flambeau.load(tmp_path)


def test_corrupt_flambeau_metadata(tmp_path):
    from safetensors.numpy import save_file

    cases = {
        "notjson": ({"a": np.zeros(1)}, {"flambeau": "{oops"}, "corrupt flambeau metadata"),
        "missing": ({"a": np.zeros(1)}, {"flambeau": json.dumps({"version": 1, "structure": {"tensor": "b"}})},
                    "names a tensor 'b' that is not in the file"),
        "extra": ({"a": np.zeros(1), "b": np.ones(1)},
                  {"flambeau": json.dumps({"version": 1, "structure": {"tensor": "a"}})}, "not in its structure"),
        "node": ({"a": np.zeros(1)}, {"flambeau": json.dumps({"version": 1, "structure": {"set": [1]}})},
                 "unexpected node"),
        "newer": ({"a": np.zeros(1)}, {"flambeau": json.dumps({"version": 99, "structure": 1})}, "newer flambeau"),
    }
    for name, (tensors, metadata, message) in cases.items():
        save_file(tensors, str(tmp_path / name), metadata=metadata)
        with pytest.raises(CheckpointError, match=message) as info:
            flambeau.load(tmp_path / name)
        assert name in str(info.value)


def test_foreign_safetensors_metadata_is_ignored(tmp_path):
    from safetensors.numpy import save_file

    save_file({"b": np.ones(2, np.float32), "a": np.zeros((), np.int64)}, str(tmp_path / "hf"),
              metadata={"format": "pt"})
    loaded = flambeau.load(tmp_path / "hf")
    assert type(loaded) is dict and sorted(loaded) == ["a", "b"]
    assert loaded["a"].dtype == flambeau.int64 and tuple(loaded["a"].shape) == ()


def test_safetensors_is_imported_lazily(tmp_path):
    code = ("import sys, flambeau; assert 'safetensors' not in sys.modules; "
            f"flambeau.save({{'a': flambeau.ones(1)}}, {str(tmp_path / 'x.safetensors')!r}); "
            "assert 'safetensors' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
