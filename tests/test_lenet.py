"""LeNet-5 and the small VGG end to end: seeded training on the 8x8 digits to at least 97% test
accuracy (in seconds), the checkpoint read back by flambeau (identical predictions) and by
PyTorch (the same logits), a 10-layer convolutional network that trains without NaN and frees
its graph, the data transforms, the pictures, and ``flambeau train --model lenet``."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref

import numpy as np
import pytest

import flambeau
from flambeau import nn, optim
from flambeau.datasets import transforms as T
from flambeau.models import LeNet5, SmallVGG
from flambeau.train import fit
from flambeau.utils.data import DataLoader, TensorDataset

# ----------------------------------------------------------------------------------- the models


@pytest.mark.parametrize("size, flat", [(8, 16 * 2 * 2), (28, 16 * 5 * 5), (32, 16 * 5 * 5)])
def test_lenet_layout(size, flat):
    model = LeNet5(input_size=size)
    out = model(flambeau.randn(3, 1, size, size))
    assert tuple(out.shape) == (3, 10)
    assert model.classifier[1].in_features == flat
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [6, 16]
    assert [lin.out_features for lin in model.modules() if isinstance(lin, nn.Linear)] == [120, 84, 10]
    assert list(model.state_dict())[:2] == ["features.0.weight", "features.0.bias"]


def test_lenet_classic_parameter_count():
    # the original network on 32x32 images: 61,706 parameters
    assert sum(p.numel() for p in LeNet5(input_size=32).parameters()) == 61706
    with pytest.raises(ValueError, match="input_size"):
        LeNet5(input_size=12)


@pytest.mark.parametrize("size", [8, 28])
def test_small_vgg_shapes_and_modes(size):
    flambeau.manual_seed(0)
    model = SmallVGG()
    x = flambeau.randn(4, 1, size, size)
    assert tuple(model(x).shape) == (4, 10)
    model.eval()
    with flambeau.no_grad():
        a, b = model(x), model(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())  # no dropout, running statistics
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())


# ----------------------------------------------------------------------- training on the digits

def _digits():
    data = flambeau.datasets.load("digits", flatten=False, seed=0, train_ratio=0.8)
    normalize = T.Normalize(float(data.x_train.mean()), float(data.x_train.std()))
    return data, normalize(data.x_train), normalize(data.x_test)


@pytest.fixture(scope="module")
def trained():
    """LeNet-5 on the 8x8 digits, seeded: SGD with momentum, cosine decay, 15 epochs (a couple
    of seconds)."""
    flambeau.manual_seed(0)
    data, x_train, x_test = _digits()
    model = LeNet5(input_size=8)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader = DataLoader(TensorDataset(x_train, data.y_train), batch_size=32, shuffle=True,
                        generator=flambeau.Generator().manual_seed(0))
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, 15, metrics=["accuracy"],
                  scheduler=optim.lr_scheduler.CosineAnnealingLR(opt, 15))
    model.eval()
    return model, data, x_test, history


def test_lenet_reaches_97_percent_on_digits(trained):
    model, data, x_test, history = trained
    with flambeau.no_grad():
        pred = model(x_test).argmax(1).numpy()
    accuracy = float(np.mean(pred == data.y_test.numpy()))
    assert accuracy >= 0.97, accuracy
    assert history["loss"][-1] < history["loss"][0] / 10


def test_saved_lenet_predicts_the_same(trained, tmp_path):
    model, _, x_test, _ = trained
    path = str(tmp_path / "lenet.safetensors")
    flambeau.save(model.state_dict(), path)
    again = LeNet5(input_size=8)
    again.load_state_dict(flambeau.load(path))
    again.eval()
    with flambeau.no_grad():
        np.testing.assert_array_equal(again(x_test).numpy(), model(x_test).numpy())


def test_lenet_weights_load_into_pytorch(torch, trained, tmp_path):
    from safetensors.torch import load_file

    model, _, x_test, _ = trained
    path = str(tmp_path / "lenet.safetensors")
    flambeau.save(model.state_dict(), path)

    class TorchLeNet(torch.nn.Module):  # the same architecture, written for PyTorch
        def __init__(self):
            super().__init__()
            tn = torch.nn
            self.features = tn.Sequential(tn.Conv2d(1, 6, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
                                          tn.Conv2d(6, 16, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2))
            self.classifier = tn.Sequential(tn.Flatten(), tn.Linear(64, 120), tn.ReLU(), tn.Linear(120, 84),
                                            tn.ReLU(), tn.Linear(84, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    th = TorchLeNet()
    th.load_state_dict(load_file(path))
    th.eval()
    with torch.no_grad(), flambeau.no_grad():
        ours = model(x_test).numpy()
        theirs = th(torch.tensor(x_test.numpy())).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(ours.argmax(1), theirs.argmax(1))


# -------------------------------------------------------------- a deep network: no NaN, no leak

def test_ten_layer_cnn_trains_and_frees_its_graph():
    flambeau.manual_seed(0)
    layers = []
    c = 1
    for width in (8, 8, 16, 16, 16, 16, 32, 32, 32, 32):
        layers += [nn.Conv2d(c, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
        c = width
    body = nn.Sequential(*layers)
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10))
    params = list(body.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=1e-3)
    x = flambeau.randn(8, 1, 12, 12)
    y = flambeau.randint(0, 10, (8,))
    losses = []
    for _ in range(4):
        opt.zero_grad()
        h = x
        refs = []
        for layer in body:
            h = layer(h)
            refs.append(weakref.ref(h))
        loss = nn.functional.cross_entropy(head(h), y)
        loss.backward()
        del h, layer
        # the loss is alive, but backward freed the graph: nothing holds the intermediates
        assert all(r() is None for r in refs)
        assert all(np.isfinite(p.grad.numpy()).all() for p in params)
        opt.step()
        losses.append(float(loss))
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    gc.collect()


# ------------------------------------------------------------------------------- the transforms

def test_random_shift_moves_whole_pixels():
    img = np.zeros((1, 5, 5), np.float32)
    img[0, 2, 2] = 1
    shifted = T.RandomShift(2, generator=flambeau.Generator().manual_seed(1))(np.stack([img] * 50))
    for s in shifted:
        (y, x), = np.argwhere(s[0] == 1)  # one lit pixel, moved by at most 2 in each direction
        assert abs(y - 2) <= 2 and abs(x - 2) <= 2 and s.sum() == 1
    moves = {tuple(np.argwhere(s[0] == 1)[0]) for s in shifted}
    assert len(moves) > 10  # each image drew its own shift


def test_random_transforms_follow_the_seed():
    x = flambeau.rand(6, 1, 8, 8)
    aug = T.Compose([T.RandomShift(1), T.RandomRotation(15)])
    flambeau.manual_seed(3)
    a = aug(x)
    flambeau.manual_seed(3)
    b = aug(x)
    flambeau.manual_seed(4)
    c = aug(x)
    assert isinstance(a, flambeau.Tensor) and tuple(a.shape) == (6, 1, 8, 8)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())


def test_rotation_turns_counter_clockwise():
    img = np.zeros((1, 1, 7, 7), np.float32)
    img[0, 0, 3, 5] = 1  # right of the centre
    for mode in ("nearest", "bilinear"):
        turned = T.rotate(img, [90], mode)
        assert np.argwhere(turned[0, 0] > 0.5).tolist() == [[1, 3]]  # now above it
    np.testing.assert_allclose(T.rotate(img, [0])[0], img[0], atol=1e-6)
    square = T.RandomRotation((90, 90), interpolation="nearest")(img[0])
    assert square.shape == (1, 7, 7) and square[0, 1, 3] == 1


def test_normalize_and_to_tensor():
    x = np.stack([np.full((4, 4), 2.0), np.full((4, 4), 5.0)])
    out = T.Normalize((1.0, 3.0), (0.5, 2.0))(flambeau.tensor(x))
    np.testing.assert_allclose(out.numpy()[:, 0, 0], [2.0, 1.0])
    rgb = np.full((3, 2, 3), 255, np.uint8)  # H, W, C
    t = T.ToTensor()(rgb)
    assert tuple(t.shape) == (3, 3, 2) and t.dtype == flambeau.float32 and float(t.max()) == 1.0
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize(0.0, 0.0)


def test_transform_dataset_draws_new_variants_each_epoch():
    flambeau.manual_seed(0)
    x, y = flambeau.rand(10, 1, 6, 6), flambeau.arange(10)
    ds = T.TransformDataset(TensorDataset(x, y), transform=T.RandomShift(1), target_transform=lambda t: t * 2)
    loader = DataLoader(ds, batch_size=4)
    first = [(xb.numpy(), yb.numpy()) for xb, yb in loader]
    second = [xb.numpy() for xb, _ in loader]
    assert [b[0].shape for b in first] == [(4, 1, 6, 6), (4, 1, 6, 6), (2, 1, 6, 6)]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in first]), np.arange(10) * 2)
    assert not all(np.array_equal(a[0], b) for a, b in zip(first, second))
    xi, yi = ds[3]
    assert tuple(xi.shape) == (1, 6, 6) and int(yi) == 6


# -------------------------------------------------------------------------------- the pictures

def test_feature_maps_layer_by_layer(trained, tmp_path):
    from flambeau.viz import cnn

    model, data, x_test, _ = trained
    maps = cnn.feature_maps(model, x_test[0])
    assert [name for name, _ in maps] == ["input", "0: Conv2d", "1: ReLU", "2: MaxPool2d", "3: Conv2d",
                                          "4: ReLU", "5: MaxPool2d"]
    assert [m.shape for _, m in maps] == [(1, 8, 8), (6, 8, 8), (6, 8, 8), (6, 4, 4), (16, 4, 4),
                                          (16, 4, 4), (16, 2, 2)]
    assert not model.training
    cnn.plot_feature_maps(maps, str(tmp_path / "maps.png"))
    cnn.plot_filters(model.features[0].weight, str(tmp_path / "filters.png"))
    cnn.plot_misclassified(data.x_test.numpy(), data.y_test.numpy(), np.zeros(len(data.y_test), int),
                           str(tmp_path / "wrong.png"))
    for name in ("maps.png", "filters.png", "wrong.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------ the command line

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "flambeau", *args], capture_output=True, text=True, timeout=300)


def test_cli_train_lenet_writes_the_files(tmp_path):
    out = tmp_path / "lenet"
    r = _cli("train", "--dataset", "digits", "--model", "lenet", "--epochs", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "epoch 2/2" in r.stdout and "test accuracy" in r.stdout
    assert "confusion matrix (rows: true class, columns: predicted class)" in r.stdout
    for name in ("model.safetensors", "config.json", "loss.png", "filters.png", "feature_maps.png",
                 "misclassified.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "feature_maps.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "lenet" and config["input_size"] == 8 and config["epochs"] == 2
    matrix = np.array(config["summary"]["confusion_matrix"])
    assert matrix.shape == (10, 10) and np.trace(matrix) / matrix.sum() == pytest.approx(
        config["summary"]["test_accuracy"])
    model = LeNet5(input_size=8)
    model.load_state_dict(flambeau.load(str(out / "model.safetensors")))


def test_cli_train_lenet_on_mnist_files(tmp_path):
    # a small MNIST-shaped set written as IDX files: LeNet-5 laid out for 28x28
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 96), ("t10k", 40)):
        flambeau.datasets.write_idx(tmp_path / f"{prefix}-images-idx3-ubyte",
                                    rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        flambeau.datasets.write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte",
                                    rng.integers(0, 10, n, dtype=np.uint8))
    out = tmp_path / "run"
    r = _cli("train", "--dataset", "mnist", "--data-dir", str(tmp_path), "--model", "lenet", "--epochs", "1",
             "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "on 1x28x28 images" in r.stdout and "epoch 1/1" in r.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["input_size"] == 28 and config["batch_size"] == 32
    model = LeNet5(input_size=28)
    model.load_state_dict(flambeau.load(str(out / "model.safetensors")))


def test_cli_cnn_needs_images():
    r = _cli("train", "--dataset", "circle", "--model", "lenet")
    assert r.returncode == 2 and "needs images" in r.stderr and "Traceback" not in r.stderr
    r = _cli("train", "--dataset", "digits", "--model", "vgg", "--loss", "mse")
    assert r.returncode == 2 and "cross_entropy" in r.stderr
