"""The training helper (flambeau.train.fit), end to end on the lecture's problems, and the
`flambeau train` command."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import flambeau as torch
from flambeau import nn, optim
from flambeau.datasets import load
from flambeau.train import EarlyStopping, NonFiniteLossError, accuracy, evaluate, fit
from flambeau.utils.data import DataLoader


def _classify(name, hidden, epochs, optimizer="sgd", lr=0.03, seed=0):
    torch.manual_seed(seed)
    data = load(name, noise=0.0, seed=seed, train_ratio=0.5)
    layers, width = [], 2
    for h in hidden:
        layers += [nn.Linear(width, h), nn.Tanh()]
        width = h
    model = nn.Sequential(*layers, nn.Linear(width, 2))
    y_train = (data.y_train.reshape(-1) > 0).long()
    y_test = (data.y_test.reshape(-1) > 0).long()
    loader = DataLoader(torch.utils.data.TensorDataset(data.x_train, y_train), batch_size=10,
                        shuffle=True, generator=torch.Generator().manual_seed(seed))
    opt = optim.SGD(model.parameters(), lr=lr) if optimizer == "sgd" else optim.Adam(model.parameters(), lr=lr)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs)
    with torch.no_grad():
        return accuracy(model(data.x_test), y_test)


@pytest.mark.parametrize("name", ["circle", "xor", "gauss"])
def test_toy_classification_reaches_99_percent(name):
    # The lecture's "Toy-Classif-2classes": a small MLP separates the playground's sets.
    assert _classify(name, [8, 8], epochs=100) >= 0.99


def test_spiral_reaches_95_percent_with_two_hidden_layers():
    assert _classify("spiral", [16, 16], epochs=300, optimizer="adam", lr=0.01) >= 0.95


def test_digits_mlp_reaches_95_percent():
    torch.manual_seed(0)
    data = load("digits", seed=0, train_ratio=0.8)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    loader = DataLoader(data.train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=3e-3), loader, 30,
                  val_loader=DataLoader(data.test, batch_size=500), metrics=["accuracy"])
    assert history["val_accuracy"][-1] >= 0.95
    assert history["loss"][-1] < history["loss"][0]


def test_lecture_1d_regression_with_linear_predicts_8():
    # x = [1, 2, 3], y = [2, 4, 6]: y = 2x, so 4 gives 8.
    torch.manual_seed(0)
    x = torch.tensor([[1.0], [2.0], [3.0]])
    y = torch.tensor([[2.0], [4.0], [6.0]])
    model = nn.Linear(1, 1)
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    for _ in range(5000):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    assert model(torch.tensor([[4.0]])).item() == pytest.approx(8.0, abs=1e-3)


def test_fit_history_and_evaluate():
    torch.manual_seed(1)
    x = torch.randn(40, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    batches = [(x[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10)]
    model = nn.Linear(3, 1)
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), batches, 20,
            val_loader=batches, progress=False)
    assert h.epochs == 20 and len(h["val_loss"]) == 20
    assert h["loss"][-1] < 0.01 * h["loss"][0]
    ev = evaluate(model, nn.MSELoss(), batches)
    assert ev["loss"] == pytest.approx(h["val_loss"][-1])
    assert model.training  # evaluate puts the mode back


def test_fit_stops_on_a_non_finite_loss_naming_epoch_and_step():
    x = torch.tensor([[1.0], [2.0]])
    y = torch.tensor([[1e30], [2e30]])
    model = nn.Linear(1, 1)
    with pytest.raises(NonFiniteLossError, match=r"epoch \d+ .*step \d+"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e10), [(x, y)], 50)


def test_early_stopping_restores_the_best_weights():
    torch.manual_seed(0)
    x = torch.randn(20, 2)
    y = x.sum(1, keepdim=True)
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(monitor="val_loss", patience=2)
    # a learning rate that diverges: the loss rises at once, so training stops early
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1.5), [(x, y)], 100,
            val_loader=[(x, y)], callbacks=[stopper])
    assert h.epochs < 100 and stopper.stopped_epoch is not None
    best = min(h["val_loss"])
    assert evaluate(model, nn.MSELoss(), [(x, y)])["loss"] == pytest.approx(best, rel=1e-5)


def test_accuracy_rules():
    assert accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])) == 0.5
    assert accuracy(torch.tensor([[0.3], [-0.2]]), torch.tensor([[1.0], [-1.0]])) == 1.0
    assert accuracy(torch.tensor([[2.0], [-1.0]]), torch.tensor([[1.0], [1.0]])) == 0.5


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "flambeau", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_cli_train_writes_checkpoint_and_pictures(tmp_path):
    out = tmp_path / "run"
    r = _cli("train", "--dataset", "xor", "--layers", "8,8", "--epochs", "60", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "final: train loss" in r.stdout and "test accuracy" in r.stdout
    for f in ("model.safetensors", "config.json", "loss.png", "boundary.png"):
        assert (out / f).stat().st_size > 0
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    config = json.loads((out / "config.json").read_text())
    assert config["summary"]["test_accuracy"] >= 0.95
    # the checkpoint loads back into the same architecture and gives the reported accuracy
    from flambeau.models import MLP

    model = MLP(2, [8, 8], 2, "tanh")
    model.load_state_dict(torch.load(str(out / "model.safetensors")))
    data = load("xor", noise=0.0, seed=0, train_ratio=0.5)
    with torch.no_grad():
        acc = accuracy(model(data.x_test), (data.y_test.reshape(-1) > 0).long())
    assert acc == pytest.approx(config["summary"]["test_accuracy"])


def test_cli_train_regression_and_mse_classification(tmp_path):
    r = _cli("train", "--dataset", "plane", "--layers", "4", "--epochs", "5")
    assert r.returncode == 0, r.stderr
    assert "test loss" in r.stdout and "accuracy" not in r.stdout.split("final:")[1]
    r = _cli("train", "--dataset", "circle", "--loss", "mse", "--epochs", "5", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "boundary.png").exists()


@pytest.mark.parametrize("args, message", [
    (["--dataset", "nope"], "unknown data set"),
    (["--dataset", "circle", "--layers", "8,x"], "layer sizes"),
    (["--dataset", "circle", "--lr", "-1"], "must be > 0"),
    (["--dataset", "circle", "--noise", "90"], "noise"),
    (["--dataset", "plane", "--loss", "cross_entropy"], "regression"),
    (["--dataset", "digits", "--loss", "bce"], "cross_entropy"),
    (["--dataset", "mnist"], "--data-dir"),
])
def test_cli_bad_arguments_exit_2_with_one_clear_line(args, message):
    r = _cli("train", *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_model_and_optimizer_checkpoint_resume_exactly(tmp_path):
    # 5 steps, save model + Adam state, load into fresh objects, 5 more == 10 straight steps.
    def make():
        torch.manual_seed(3)
        m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        return m, optim.Adam(m.parameters(), lr=0.01)

    x, y = torch.randn(8, 3), torch.randn(8, 1)

    def steps(m, o, n):
        for _ in range(n):
            o.zero_grad()
            nn.functional.mse_loss(m(x), y).backward()
            o.step()

    ref, ref_opt = make()
    steps(ref, ref_opt, 10)
    m, o = make()
    steps(m, o, 5)
    path = tmp_path / "ckpt.safetensors"
    torch.save({"model": m.state_dict(), "optimizer": o.state_dict(), "epoch": 5}, str(path))
    m2, o2 = make()
    ckpt = torch.load(str(path))
    m2.load_state_dict(ckpt["model"])
    o2.load_state_dict(ckpt["optimizer"])
    assert ckpt["epoch"] == 5
    steps(m2, o2, 5)
    for a, b in zip(ref.parameters(), m2.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
