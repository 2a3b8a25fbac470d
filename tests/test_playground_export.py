"""Code export: the flambeau and PyTorch scripts of an experiment run, generate the session's
data, and reproduce its training."""

from __future__ import annotations

import base64
import re
import runpy
import subprocess
import sys

import numpy as np
import pytest

from flambeau.playground import config as cfg
from flambeau.playground.config import PlaygroundError
from flambeau.playground.export import generate_script
from flambeau.playground.session import Session

FINAL = re.compile(r"final: train loss ([0-9.e+-]+|nan), test loss ([0-9.e+-]+|nan)")


def config(**changes):
    return cfg.apply_changes(cfg.default_config(), changes)


def write(tmp_path, text, name="script.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run_script(path, *args, timeout=300):
    result = subprocess.run([sys.executable, str(path), *map(str, args)], capture_output=True, text=True,
                            timeout=timeout, cwd=path.parent)
    assert result.returncode == 0, result.stderr
    match = FINAL.search(result.stdout)
    assert match, result.stdout
    return float(match.group(1)), float(match.group(2)), result.stdout


def run_in_process(path, *args, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(path), *map(str, args)])
    return runpy.run_path(str(path), run_name="__main__")


def test_the_flambeau_script_learns_circle_with_6_4(tmp_path):
    _, text = generate_script(config(networkShape=[6, 4]), "flambeau")
    loss_train, loss_test, output = run_script(write(tmp_path, text), 400)
    assert loss_test < 0.02 and loss_train < 0.02
    assert "epoch 0:" in output and "test accuracy" in output


@pytest.mark.torch
def test_the_pytorch_script_runs(tmp_path, torch):
    _, text = generate_script(config(networkShape=[6, 4], dataset="xor", regularization="L1",
                                     regularizationRate=0.001), "pytorch")
    assert "import torch" in text and "flambeau" not in text.split('"""', 2)[2]
    loss_train, loss_test, output = run_script(write(tmp_path, text), 10)
    start = float(re.search(r"epoch 0: train loss ([0-9.]+)", output).group(1))
    assert loss_train < start


@pytest.mark.parametrize("changes", [
    {},
    {"dataset": "xor", "regularization": "L1", "regularizationRate": 0.01, "optimizer": "momentum"},
    {"dataset": "gauss", "numClasses": 3, "loss": "cross_entropy", "optimizer": "adam"},
    {"dataset": "spiral", "numClasses": 4, "loss": "cross_entropy", "sinX": True, "xTimesY": True},
    {"dataset": "moons", "loss": "bce", "regularization": "L2", "regularizationRate": 0.003},
    {"problem": "regression", "regDataset": "reg-gauss", "activation": "relu", "batchSize": 30},
    {"problem": "regression", "noise": 20, "x": False, "ySquared": True, "initZero": True},
    {"dataset": "circle", "numClasses": 3, "loss": "cross_entropy", "x": False, "y": False,
     "networkShape": []},
])
def test_scripts_generate_the_sessions_data(changes, monkeypatch, tmp_path, capsys):
    c = config(seed="0.777", percTrainData=60, **changes)
    s = Session(c)
    _, text = generate_script(c, "flambeau")
    compile(text, "script.py", "exec")
    names = run_in_process(write(tmp_path, text), 1, monkeypatch=monkeypatch)
    np.testing.assert_array_equal(names["xy_train"], s.data.x_train.astype(np.float32))
    np.testing.assert_array_equal(names["labels_test"], s.data.y_test.astype(np.float32))
    assert "final:" in capsys.readouterr().out


@pytest.mark.torch
@pytest.mark.parametrize("changes", [{"dataset": "spiral", "noise": 25},
                                     {"dataset": "xor", "numClasses": 4, "loss": "cross_entropy"},
                                     {"dataset": "moons", "noise": 10},
                                     {"problem": "regression", "regDataset": "reg-gauss", "noise": 5}])
def test_pytorch_scripts_generate_the_sessions_data_without_flambeau(changes, monkeypatch, tmp_path, torch, capsys):
    c = config(seed="0.31415", **changes)
    _, text = generate_script(c, "pytorch")
    names = run_in_process(write(tmp_path, text), 0, monkeypatch=monkeypatch)
    s = Session(c)
    np.testing.assert_array_equal(names["xy_train"], s.data.x_train.astype(np.float32))
    np.testing.assert_array_equal(names["labels_train"], s.data.y_train.astype(np.float32))


def test_a_script_started_from_the_sessions_weights_reproduces_its_training(tmp_path):
    """Same data, same initial weights, same rule: the same losses (float32 against float64)."""
    s = Session(config(networkShape=[5, 3], batchSize=30, regularization="L2", regularizationRate=0.01),
                weight_seed=4)
    weights = write(tmp_path, "", "weights.safetensors")
    weights.write_bytes(base64.b64decode(s.get_weights()["data"]))
    _, text = generate_script(s.config, "flambeau")
    loss_train, loss_test, output = run_script(write(tmp_path, text), 5, weights)
    assert f"epoch 0: train loss {s.loss_train:.4f}" in output
    for _ in range(5):
        s.train_epoch()
    assert loss_train == pytest.approx(s.loss_train, abs=1e-5)
    assert loss_test == pytest.approx(s.loss_test, abs=1e-5)


def test_custom_points_are_embedded(monkeypatch, tmp_path, capsys):
    s = Session(config())
    s.clear_points()
    for x, label in ((-2.0, -1), (-1.0, -1), (1.0, 1), (2.5, 1)):
        s.add_point(x, 0.5, label)
    message = s.export_code("flambeau")
    assert message["type"] == "code" and message["filename"] == "playground_flambeau.py"
    names = run_in_process(write(tmp_path, message["text"]), 3, monkeypatch=monkeypatch)
    assert names["xy_train"].tolist() == [[-2.0, 0.5], [-1.0, 0.5], [1.0, 0.5], [2.5, 0.5]]
    assert names["labels_train"].tolist() == [-1, -1, 1, 1]
    with pytest.raises(PlaygroundError):
        generate_script(s.config, "flambeau")          # no points given


def test_bad_requests():
    with pytest.raises(PlaygroundError) as info:
        generate_script(config(), "tensorflow")
    assert info.value.field == "framework"
    with pytest.raises(PlaygroundError):
        generate_script({"learningRate": "fast"}, "flambeau")
