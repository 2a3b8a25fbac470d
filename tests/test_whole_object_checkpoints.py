"""Whole objects in checkpoints, as ``torch.save(model, f)`` writes them and as PyTorch's own
examples load them: ``torch.load`` under ``serialization.safe_globals([...])``. Refused with
PyTorch's message when a class is not allowlisted; plain objects go both ways between the two
libraries; shared layers and tied weights stay shared."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import flambeau
from flambeau import nn
from flambeau.serialization import CheckpointError


class Point:  # a plain class: saved by its name and its __dict__
    def __init__(self, x, y):
        self.x, self.y = x, y


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 4)
        self.rnn = nn.LSTM(4, 4, batch_first=True)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True), 2,
                                         enable_nested_tensor=False)
        self.act = nn.functional.relu
        self.dec = nn.Linear(4, 6)
        self.dec.weight = self.emb.weight  # tied: one parameter, two names

    def forward(self, x):
        return self.dec(self.act(self.enc(self.rnn(self.emb(x))[0])))


NET_CLASSES = [Net, nn.Embedding, nn.LSTM, nn.Linear, nn.functional.relu, nn.TransformerEncoder,
               nn.TransformerEncoderLayer, nn.modules.activation.MultiheadAttention,
               nn.modules.linear.NonDynamicallyQuantizableLinear, nn.LayerNorm, nn.Dropout, nn.ModuleList]


def test_a_whole_model_round_trips_under_safe_globals(tmp_path):
    flambeau.manual_seed(0)
    model = Net().eval()
    x = flambeau.tensor([[1, 2, 3], [4, 5, 0]])
    expected = model(x)
    flambeau.save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL test_whole_object_checkpoints\.Net was not an "
                                                     r"allowed global by default"):
        flambeau.load(tmp_path / "model.pt")
    with flambeau.serialization.safe_globals(NET_CLASSES):
        loaded = flambeau.load(tmp_path / "model.pt")
    assert flambeau.serialization.get_safe_globals() == []  # only inside the block
    assert type(loaded) is Net and not loaded.training and loaded.act is nn.functional.relu
    assert loaded.dec.weight is loaded.emb.weight
    assert list(loaded.state_dict()) == list(model.state_dict())
    np.testing.assert_array_equal(loaded(x).detach().numpy(), expected.detach().numpy())
    # the loaded model trains: one SGD step moves the tied weight once, through both uses
    loaded.train()
    opt = flambeau.optim.SGD(loaded.parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == len(list(model.parameters()))
    loaded(x).sum().backward()
    opt.step()


def test_add_safe_globals_and_clear(tmp_path):
    flambeau.save({"p": Point(1, 2.5), "w": flambeau.ones(2)}, tmp_path / "p.pt")
    try:
        flambeau.serialization.add_safe_globals([Point])
        assert flambeau.serialization.get_safe_globals() == [Point]
        p = flambeau.load(tmp_path / "p.pt")["p"]
        assert type(p) is Point and (p.x, p.y) == (1, 2.5)
    finally:
        flambeau.serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError, match="Point was not an allowed global"):
        flambeau.load(tmp_path / "p.pt")
    with flambeau.serialization.safe_globals([(Point, "test_whole_object_checkpoints.Point")]):
        assert flambeau.load(tmp_path / "p.pt")["p"].y == 2.5


def test_plain_objects_go_both_ways_with_pytorch(torch, tmp_path):
    flambeau.save({"p": Point(flambeau.tensor([1.0, 2.0]), "a")}, tmp_path / "f.pt")
    with torch.serialization.safe_globals([Point]):
        p = torch.load(tmp_path / "f.pt")["p"]
    assert isinstance(p.x, torch.Tensor) and p.x.tolist() == [1.0, 2.0] and p.y == "a"
    torch.save({"p": Point(torch.tensor([3.0]), [1, 2])}, tmp_path / "t.pt")
    with flambeau.serialization.safe_globals([Point]):
        p = flambeau.load(tmp_path / "t.pt")["p"]
    assert isinstance(p.x, flambeau.Tensor) and p.x.tolist() == [3.0] and p.y == [1, 2]


def test_refusals_match_pytorch(torch, tmp_path):
    for lib, name in ((torch, "t.pt"), (flambeau, "f.pt")):
        lib.save({"p": Point(1, 2)}, tmp_path / name)
    with pytest.raises(pickle.UnpicklingError) as expected:
        torch.load(tmp_path / "t.pt")
    with pytest.raises(pickle.UnpicklingError) as got:
        flambeau.load(tmp_path / "f.pt")
    assert str(got.value) == str(expected.value)


def test_a_whole_pytorch_model_is_refused_clearly(torch, tmp_path):
    torch.save(torch.nn.Sequential(torch.nn.Dropout(), torch.nn.Linear(2, 3)), tmp_path / "t.pt")
    with flambeau.serialization.safe_globals([nn.Sequential, nn.Dropout, nn.Linear]):
        with pytest.raises(CheckpointError, match=r"whole torch.nn.modules.container.Sequential object saved by "
                                                  r"PyTorch.*state_dict"):
            flambeau.load(tmp_path / "t.pt")


def test_what_cannot_be_saved_is_refused_before_writing(tmp_path):
    model = nn.Linear(2, 2)
    model.fn = lambda x: x
    with pytest.raises(TypeError, match=r"cannot store <function .*<lambda>.* only classes and functions defined at "
                                        r"the top level"):
        flambeau.save(model, tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()
