"""PyTorch's own checkpoint files (src/flambeau/_torch_zip.py), both ways, against real PyTorch:
files flambeau writes load in ``torch.load(weights_only=True)``, files PyTorch writes load in
flambeau, with values, dtypes, strides, shared storages, parameters and nested containers kept;
a pickle naming anything but tensors, containers and primitives is refused with PyTorch's
message and never executed; the format follows the file's name and first bytes."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import flambeau
from flambeau.serialization import CheckpointError

DTYPES = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def values(d: str, lib) -> object:
    data = [[1, 0, 3], [4, 5, 0]] if d != "bool" else [[True, False, True], [False, True, True]]
    return lib.tensor(data, dtype=getattr(lib, d))


def same(f, t) -> None:
    """A flambeau tensor equal to a torch tensor: shape, dtype, values, strides."""
    assert tuple(f.shape) == tuple(t.shape)
    assert f.dtype.name == str(t.dtype).replace("torch.", "")
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    assert tuple(f.stride()) == tuple(t.stride())


def same_tree(f, t) -> None:
    if hasattr(t, "numpy"):
        same(f, t)
    elif isinstance(t, dict):
        assert type(f) is type(t) and list(f) == list(t)
        for k in t:
            same_tree(f[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(f) is type(t) and len(f) == len(t)
        for a, b in zip(f, t):
            same_tree(a, b)
    else:
        assert f == t and type(f) is type(t)


def mlps(torch):
    flambeau.manual_seed(0)
    torch.manual_seed(0)
    fm = flambeau.nn.Sequential(flambeau.nn.Linear(3, 4), flambeau.nn.ReLU(), flambeau.nn.Linear(4, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    return fm, tm


# ------------------------------------------------------------------ flambeau writes, PyTorch reads
@pytest.mark.parametrize("name", ["model.pt", "model.pth", "weights.bin", "noextension"])
def test_state_dict_written_by_flambeau_loads_in_pytorch(torch, tmp_path, name):
    fm, tm = mlps(torch)
    flambeau.save(fm.state_dict(), tmp_path / name)
    assert zipfile.is_zipfile(tmp_path / name)
    state = torch.load(tmp_path / name, weights_only=True)
    assert type(state) is OrderedDict and list(state) == list(fm.state_dict())
    tm.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(tm(torch.tensor(x)).detach().numpy(), fm(flambeau.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_nested_checkpoint_and_optimizer_state_load_in_pytorch(torch, tmp_path):
    fm, _ = mlps(torch)
    opt = flambeau.optim.Adam(fm.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        fm(flambeau.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    ck = {"model": fm.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "loss": 0.25,
          "history": [1.5, None, True, "text", (1, 2)], "ids": {1: "a", (2, 3): "b"}, "big": -2 ** 40,
          "raw": b"\x00\xffbytes", "tags": {"x", "y"}}
    flambeau.save(ck, tmp_path / "ck.pt")
    loaded = torch.load(tmp_path / "ck.pt", weights_only=True)
    same_tree(flambeau.load(tmp_path / "ck.pt"), loaded)
    for key in ("epoch", "loss", "history", "ids", "big", "raw", "tags"):
        assert loaded[key] == ck[key]
    state = opt.state_dict()
    assert loaded["optimizer"]["param_groups"][0]["lr"] == 0.01
    for i, s in state["state"].items():
        for k, v in s.items():
            if isinstance(v, flambeau.Tensor):
                np.testing.assert_array_equal(loaded["optimizer"]["state"][i][k].numpy(), v.numpy())
    # the state loads into PyTorch's Adam for the same parameters
    _, tm = mlps(torch)
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    topt.load_state_dict(loaded["optimizer"])


@pytest.mark.parametrize("d", DTYPES)
def test_dtypes_written_by_flambeau(torch, tmp_path, d):
    t = values(d, flambeau)
    flambeau.save({"t": t, "col": t[:, 1], "tt": t.t()}, tmp_path / "d.pt")
    loaded = torch.load(tmp_path / "d.pt", weights_only=True, mmap=True)  # storages 64-byte aligned
    same(t, loaded["t"])
    same(t[:, 1], loaded["col"])
    same(t.t(), loaded["tt"])


def test_views_share_one_storage_in_pytorch(torch, tmp_path):
    base = flambeau.arange(12.0).reshape(3, 4)
    flambeau.save({"base": base, "t": base.t(), "row": base[1], "col": base[:, 2], "flat": base.reshape(-1)},
                  tmp_path / "v.pt")
    loaded = torch.load(tmp_path / "v.pt", weights_only=True)
    assert loaded["t"].stride() == (1, 4) and loaded["col"].stride() == (4,)
    assert loaded["row"].storage_offset() == 4 and loaded["col"].storage_offset() == 2
    loaded["base"][1, 2] = -1.0  # one storage, as PyTorch saves views
    assert loaded["t"][2, 1] == -1 and loaded["row"][2] == -1 and loaded["col"][1] == -1
    assert loaded["flat"][6] == -1


def test_parameters_and_requires_grad_as_pytorch_saves_them(torch, tmp_path):
    fm, tm = mlps(torch)
    flambeau.save({"p": fm[0].weight, "leaf": flambeau.ones(2, requires_grad=True)}, tmp_path / "p.pt")
    torch.save({"p": tm[0].weight, "leaf": torch.ones(2, requires_grad=True)}, tmp_path / "q.pt")
    a, b = torch.load(tmp_path / "p.pt", weights_only=True), torch.load(tmp_path / "q.pt", weights_only=True)
    for k in ("p", "leaf"):
        assert type(a[k]) is type(b[k]) and a[k].requires_grad == b[k].requires_grad
    f = flambeau.load(tmp_path / "q.pt")
    assert isinstance(f["p"], flambeau.nn.Parameter) and f["p"].requires_grad and f["leaf"].requires_grad


# ------------------------------------------------------------------ PyTorch writes, flambeau reads
def test_state_dict_written_by_pytorch_loads_in_flambeau(torch, tmp_path):
    fm, tm = mlps(torch)
    torch.save(tm.state_dict(), tmp_path / "model.pth")
    state = flambeau.load(tmp_path / "model.pth")
    assert type(state) is OrderedDict and state._metadata == tm.state_dict()._metadata
    fm.load_state_dict(state)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(fm(flambeau.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    # and back: flambeau re-saves what it loaded, PyTorch reads it (metadata included)
    flambeau.save(state, tmp_path / "again.pt")
    again = torch.load(tmp_path / "again.pt", weights_only=True)
    assert again._metadata == tm.state_dict()._metadata
    same_tree(state, again)


@pytest.mark.parametrize("d", DTYPES)
def test_dtypes_written_by_pytorch(torch, tmp_path, d):
    t = values(d, torch)
    torch.save({"t": t, "col": t[:, 1], "tt": t.t(), "empty": t[:0], "scalar": t[1, 1]}, tmp_path / "d.pt")
    loaded = flambeau.load(tmp_path / "d.pt")
    for k in ("t", "col", "tt", "scalar"):
        same(loaded[k], {"t": t, "col": t[:, 1], "tt": t.t(), "scalar": t[1, 1]}[k])
    assert tuple(loaded["empty"].shape) == (0, 3)


def test_pytorch_views_share_memory_in_flambeau(torch, tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"base": base, "t": base.t(), "col": base[:, 2]}, tmp_path / "v.pt")
    loaded = flambeau.load(tmp_path / "v.pt")
    loaded["base"][1, 2] = -1.0
    assert loaded["t"][2, 1].item() == -1 and loaded["col"][1].item() == -1


def test_optimizer_state_and_nested_containers_from_pytorch(torch, tmp_path):
    _, tm = mlps(torch)
    opt = torch.optim.Adam(tm.parameters(), lr=0.01)
    tm(torch.randn(4, 3)).sum().backward()
    opt.step()
    ck = {"model": tm.state_dict(), "optimizer": opt.state_dict(), "list": [torch.ones(2), (1, "a")],
          "bytes": b"ab", "set": {1, 2}, "none": None, "complex": 1 + 2j}
    torch.save(ck, tmp_path / "ck.pt")
    same_tree(flambeau.load(tmp_path / "ck.pt"), ck)
    buffer = io.BytesIO()  # a file object, as torch.save writes to
    torch.save(ck, buffer)
    buffer.seek(0)
    same_tree(flambeau.load(buffer), ck)


def test_flambeau_round_trip_through_pytorch_format(tmp_path):
    obj = {"a": flambeau.randn(2, 3), "k": {(1, 2): [flambeau.ones(1, dtype=flambeau.int64)]},
           "od": OrderedDict(x=1), "neg_big": -(2 ** 70)}
    flambeau.save(obj, tmp_path / "r.pt")
    back = flambeau.load(tmp_path / "r.pt")
    np.testing.assert_array_equal(back["a"].numpy(), obj["a"].numpy())
    assert back["k"][(1, 2)][0].dtype is flambeau.int64 and back["od"] == obj["od"]
    assert back["neg_big"] == obj["neg_big"]


# ------------------------------------------------------------------ refusing code
class Exploit:
    """Pickled as a call to os.system: loading it must never run it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class Custom:
    pass


def _refusals(torch, path):
    with pytest.raises(pickle.UnpicklingError) as expected:
        torch.load(path, weights_only=True)
    with pytest.raises(pickle.UnpicklingError) as got:
        flambeau.load(path)
    return str(got.value), str(expected.value)


def test_a_malicious_pickle_is_refused_and_never_executed(torch, tmp_path):
    marker = tmp_path / "executed"
    torch.save({"weights": torch.ones(2), "payload": Exploit(marker)}, tmp_path / "evil.pt")
    got, expected = _refusals(torch, tmp_path / "evil.pt")
    assert got == expected and ("posix.system" in got or "nt.system" in got)
    with pytest.raises(pickle.UnpicklingError):
        flambeau.load(tmp_path / "evil.pt", weights_only=False)  # flambeau never executes
    with pytest.raises(ValueError):  # also a CheckpointError, for code that catches bad files so
        flambeau.load(tmp_path / "evil.pt")
    assert not marker.exists(), "the pickle was executed"


def test_other_globals_and_builds_are_refused_with_pytorch_message(torch, tmp_path):
    torch.save({"obj": Custom()}, tmp_path / "custom.pt")
    got, expected = _refusals(torch, tmp_path / "custom.pt")
    assert got == expected and "Unsupported global" in got
    torch.save({"f": eval}, tmp_path / "eval.pt")
    got, expected = _refusals(torch, tmp_path / "eval.pt")
    assert got == expected


def test_a_hand_made_pickle_with_a_blocked_call_is_refused(torch, tmp_path):
    """A pickle crafted by hand (no torch.save): GLOBAL subprocess.call, REDUCE."""
    payload = b"\x80\x02csubprocess\ncall\n(X\x04\x00\x00\x00true\x85tR."
    with zipfile.ZipFile(tmp_path / "hand.pt", "w") as z:
        z.writestr("hand/data.pkl", payload)
        z.writestr("hand/version", "3\n")
    got, expected = _refusals(torch, tmp_path / "hand.pt")
    assert got == expected


# ------------------------------------------------------------------ the format follows the file
def test_format_follows_the_name_and_the_first_bytes(torch, tmp_path):
    state = {"w": flambeau.ones(2)}
    flambeau.save(state, tmp_path / "m.safetensors")
    assert not zipfile.is_zipfile(tmp_path / "m.safetensors")
    flambeau.save(state, tmp_path / "m.pt")
    assert zipfile.is_zipfile(tmp_path / "m.pt")
    (tmp_path / "renamed.pt").write_bytes((tmp_path / "m.safetensors").read_bytes())
    for name in ("m.safetensors", "m.pt", "renamed.pt"):  # loading sniffs the first bytes
        np.testing.assert_array_equal(flambeau.load(tmp_path / name)["w"].numpy(), [1.0, 1.0])
    with open(tmp_path / "named.pt", "wb") as f:  # a file object goes by its name
        flambeau.save(state, f)
    assert zipfile.is_zipfile(tmp_path / "named.pt")
    with zipfile.ZipFile(tmp_path / "m.pt") as z:  # the records' folder is the file's stem
        assert {n.split("/")[0] for n in z.namelist()} == {"m"}


def test_a_save_and_reload_script_runs_under_both_libraries(torch, tmp_path):
    def script(lib, path):
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        lib.save({"model": model.state_dict(), "step": 5}, path)
        ck = lib.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(ck["model"])
        return ck["step"], sorted(ck["model"])

    assert script(flambeau, tmp_path / "a.pt") == script(torch, tmp_path / "b.pt")
    torch.load(tmp_path / "a.pt", weights_only=True)
    flambeau.load(tmp_path / "b.pt")


def test_damaged_archives_name_the_file(tmp_path):
    flambeau.save({"w": flambeau.ones(4)}, tmp_path / "ok.pt")
    raw = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError, match="cut.pt"):
        flambeau.load(tmp_path / "cut.pt")
    with zipfile.ZipFile(tmp_path / "nopkl.pt", "w") as z:
        z.writestr("x/version", "3\n")
    with pytest.raises(CheckpointError, match="nopkl.pt.*data.pkl"):
        flambeau.load(tmp_path / "nopkl.pt")


def test_unsupported_values_are_refused_when_saving(tmp_path):
    with pytest.raises(TypeError, match="NumPy array in PyTorch's format"):
        flambeau.save({"a": np.ones(2)}, tmp_path / "n.pt")
    with pytest.raises(TypeError, match=r"cannot store a Exploit \(at the top level\['c'\]\)"):
        flambeau.save({"c": Exploit(tmp_path / "x")}, tmp_path / "c.pt")  # its own __reduce__
    assert not (tmp_path / "c.pt").exists()


def test_bfloat16_both_ways(torch, tmp_path):
    pytest.importorskip("ml_dtypes")
    t = torch.tensor([[0.5, -1.25, 3.0], [1e-3, 2.0, 7.0]], dtype=torch.bfloat16)
    torch.save({"b": t, "col": t[:, 1]}, tmp_path / "t.pt")
    loaded = flambeau.load(tmp_path / "t.pt")
    assert loaded["b"].dtype is flambeau.bfloat16 and tuple(loaded["col"].stride()) == (3,)
    np.testing.assert_array_equal(loaded["b"].float().numpy(), t.float().numpy())
    flambeau.save(loaded, tmp_path / "f.pt")
    back = torch.load(tmp_path / "f.pt", weights_only=True)
    assert back["b"].dtype == torch.bfloat16 and torch.equal(back["b"], t) and torch.equal(back["col"], t[:, 1])


def test_dtypes_devices_and_sizes_as_values(torch, tmp_path):
    """torch.float32, torch.device("cpu") and torch.Size in a checkpoint are flambeau's own
    objects once loaded, and PyTorch's again once saved (PyTorch 2.x's untyped storages too)."""
    ck = {"dt": torch.float32, "dev": torch.device("cpu"), "size": torch.Size([2, 3]),
          "i8": torch.ones(2, dtype=torch.int8)}
    torch.save(ck, tmp_path / "t.pt")
    loaded = flambeau.load(tmp_path / "t.pt")
    assert loaded["dt"] is flambeau.float32 and loaded["dev"] == flambeau.device("cpu")
    assert isinstance(loaded["size"], flambeau.Size) and loaded["size"] == (2, 3)
    flambeau.save(loaded, tmp_path / "f.pt")
    back = torch.load(tmp_path / "f.pt", weights_only=True)
    assert back["dt"] is torch.float32 and back["dev"] == torch.device("cpu")
    assert type(back["size"]) is torch.Size and back["size"] == torch.Size([2, 3])
    torch.save({"u16": torch.ones(2, dtype=torch.uint16)}, tmp_path / "u16.pt")  # no uint16 here
    with pytest.raises(CheckpointError, match="u16.pt: .*uint16"):
        flambeau.load(tmp_path / "u16.pt")


def test_pytorch_keyword_arguments_are_accepted(torch, tmp_path):
    def script(lib, path):
        lib.save({"w": lib.ones(2)}, path, pickle_protocol=2, _use_new_zipfile_serialization=True)
        return lib.load(path, map_location="cpu", weights_only=False, mmap=False, encoding="latin1")["w"].tolist()

    assert script(flambeau, tmp_path / "a.pt") == script(torch, tmp_path / "b.pt")
    with pytest.raises(ValueError, match="zip format"):
        flambeau.save({"w": flambeau.ones(2)}, tmp_path / "c.pt", _use_new_zipfile_serialization=False)
