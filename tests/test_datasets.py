"""flambeau.datasets: the TensorFlow Playground's generators checked against their formulas
(tf-playground.md), two moons, the lecture's 1-D data, scikit-learn's digits, and IDX/MNIST files."""

from __future__ import annotations

import gzip
import math
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import flambeau
from flambeau import datasets
from flambeau.datasets.playground import gauss_variance, marsaglia_polar, multi_gauss_label
from flambeau.utils.data import DataLoader

CLASSIFIERS = ["circle", "xor", "gauss", "spiral"]
REGRESSIONS = ["plane", "multi_gauss"]
PLAYGROUND = CLASSIFIERS + REGRESSIONS


def arrays(split):
    """x and y of training and test sets together, as NumPy (x: (n, 2), y: (n,))."""
    x = np.concatenate([split.x_train.numpy(), split.x_test.numpy()]).astype(np.float64)
    y = np.concatenate([split.y_train.numpy(), split.y_test.numpy()]).astype(np.float64)
    return x, y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y


# ------------------------------------------------------------------------- the playground
@pytest.mark.parametrize("name", PLAYGROUND)
def test_playground_counts_shapes_dtypes(name):
    n = 500 if name in CLASSIFIERS else 1200
    data = getattr(datasets, name)()
    assert data.name == name
    assert data.task == ("classification" if name in CLASSIFIERS else "regression")
    assert tuple(data.x_train.shape) == (n // 2, 2) and tuple(data.x_test.shape) == (n // 2, 2)
    assert tuple(data.y_train.shape) == (n // 2, 1) and tuple(data.y_test.shape) == (n // 2, 1)
    for t in (data.x_train, data.y_train, data.x_test, data.y_test):
        assert t.dtype == flambeau.float32
    assert data.num_features == 2
    ratio = getattr(datasets, name)(train_ratio=0.3, n_samples=200)
    assert (len(ratio.x_train), len(ratio.x_test)) == (60, 140)
    assert len(getattr(datasets, name)(train_ratio=0.7).x_train) == math.floor(n * 0.7 + 1e-9)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_labels_are_plus_minus_one(name):
    data = getattr(datasets, name)(noise=0.3, seed=4)
    _, y = arrays(data)
    assert set(np.unique(y)) == {-1.0, 1.0}
    assert data.classes == (-1, 1)
    if name in ("gauss", "spiral"):  # one generated half per class, whatever the noise
        assert (y == 1).sum() == (y == -1).sum() == 250


@pytest.mark.parametrize("name", PLAYGROUND)
def test_seed_determinism(name):
    gen = getattr(datasets, name)
    a, b, c = gen(noise=0.2, seed=11), gen(noise=0.2, seed=11), gen(noise=0.2, seed=12)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field).numpy(), getattr(b, field).numpy())
    assert not np.array_equal(a.x_train.numpy(), c.x_train.numpy())


@pytest.mark.parametrize("name", PLAYGROUND)
def test_shuffled_before_the_split(name):
    """The playground generates class by class, then shuffles: both halves mix the classes."""
    data = getattr(datasets, name)()
    if name in CLASSIFIERS:
        for y in (data.y_train.numpy(), data.y_test.numpy()):
            assert 0.3 < (y == 1).mean() < 0.7
        assert not np.all(data.y_train.numpy()[:100] == data.y_train.numpy()[0])
    else:
        x = data.x_train.numpy()
        assert x[:, 0].min() < -5 and x[:, 0].max() > 5


@pytest.mark.parametrize("name", PLAYGROUND)
def test_invalid_options(name):
    gen = getattr(datasets, name)
    with pytest.raises(ValueError, match="noise"):
        gen(noise=0.6)
    with pytest.raises(ValueError, match="noise"):
        gen(noise=-0.1)
    with pytest.raises(ValueError, match="train_ratio"):
        gen(train_ratio=0)
    with pytest.raises(ValueError, match="train_ratio"):
        gen(train_ratio=1.5)
    with pytest.raises(ValueError, match="n_samples"):
        gen(n_samples=1)


def test_circle_formula():
    x, y = arrays(datasets.circle(noise=0.0, seed=1))
    r = np.hypot(x[:, 0], x[:, 1])
    inner, outer = y == 1, y == -1
    assert inner.sum() == outer.sum() == 250
    assert r[inner].max() < 2.5 and r[inner].min() >= 0
    assert r[outer].min() >= 3.5 - 1e-5 and r[outer].max() <= 5 + 1e-5
    assert r[inner].max() > 2.3 and r[outer].min() < 3.7 and r[outer].max() > 4.8  # the whole bands
    angles = np.arctan2(x[:, 0], x[:, 1])  # x = r sin a, y = r cos a
    assert np.histogram(angles, bins=4, range=(-np.pi, np.pi))[0].min() > 80


@pytest.mark.parametrize("noise", [0.05, 0.1, 0.3, 0.5])
def test_circle_noise_flips_labels_only_near_the_boundary(noise):
    x0, y0 = arrays(datasets.circle(noise=0.0, seed=2))
    x, y = arrays(datasets.circle(noise=noise, seed=2))
    np.testing.assert_array_equal(x, x0)  # noise never moves a point
    r = np.hypot(x[:, 0], x[:, 1])
    clean = np.where(r < 2.5, 1.0, -1.0)
    reach = 5 * noise * math.sqrt(2)  # the farthest the label position moves
    flipped = y != clean
    assert np.all(np.abs(r[flipped] - 2.5) <= reach + 1e-5)
    np.testing.assert_array_equal(y[np.abs(r - 2.5) > reach + 1e-5], clean[np.abs(r - 2.5) > reach + 1e-5])
    if noise >= 0.3:
        assert flipped.sum() > 5
    assert np.array_equal(y0, np.where(np.hypot(x0[:, 0], x0[:, 1]) < 2.5, 1.0, -1.0))


def test_xor_formula():
    x, y = arrays(datasets.xor(noise=0.0, seed=3))
    assert np.all(np.abs(x) >= 0.3 - 1e-6) and np.all(np.abs(x) <= 5.3 + 1e-6)
    np.testing.assert_array_equal(y, np.where(x[:, 0] * x[:, 1] >= 0, 1.0, -1.0))
    quadrants = np.sign(x[:, 0]) * 2 + np.sign(x[:, 1])
    assert len(np.unique(quadrants)) == 4


@pytest.mark.parametrize("noise", [0.1, 0.5])
def test_xor_noise_flips_labels_only_near_the_axes(noise):
    x0, _ = arrays(datasets.xor(noise=0.0, seed=3))
    x, y = arrays(datasets.xor(noise=noise, seed=3))
    np.testing.assert_array_equal(x, x0)
    clean = np.where(x[:, 0] * x[:, 1] >= 0, 1.0, -1.0)
    flipped = y != clean
    assert np.all(np.abs(x[flipped]).min(axis=1) <= 5 * noise + 1e-5)
    assert flipped.sum() > (20 if noise == 0.5 else 0)


def test_gauss_variance_map():
    assert gauss_variance(0.0) == 0.5
    assert gauss_variance(0.5) == 4.0
    assert gauss_variance(0.25) == pytest.approx(2.25)


def test_marsaglia_polar_is_standard_normal():
    z = marsaglia_polar(np.random.default_rng(0), 40_000)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.02
    assert abs(np.mean(np.abs(z) < 1) - 0.6827) < 0.01
    shifted = marsaglia_polar(np.random.default_rng(0), 40_000, mean=2.0, variance=4.0)
    np.testing.assert_allclose(shifted, 2.0 + 2.0 * z)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_gauss_formula(noise):
    x, y = arrays(datasets.gauss(noise=noise, seed=5))
    variance = gauss_variance(noise)
    for label, centre in ((1.0, 2.0), (-1.0, -2.0)):
        pts = x[y == label]
        assert len(pts) == 250
        np.testing.assert_allclose(pts.mean(axis=0), [centre, centre], atol=4 * math.sqrt(variance / 250))
        np.testing.assert_allclose(pts.var(axis=0), [variance, variance], rtol=0.3)


def test_spiral_formula_without_noise():
    x, y = arrays(datasets.spiral(noise=0.0, seed=6))
    m = 250
    for label, delta in ((1.0, 0.0), (-1.0, math.pi)):
        pts = x[y == label]
        r = np.hypot(pts[:, 0], pts[:, 1])
        i = np.rint(r * m / 5)
        np.testing.assert_allclose(r, 5 * i / m, atol=1e-5)
        assert sorted(i.astype(int).tolist()) == list(range(m))
        t = 1.75 * i / m * 2 * math.pi + delta
        np.testing.assert_allclose(pts[:, 0], r * np.sin(t), atol=1e-5)
        np.testing.assert_allclose(pts[:, 1], r * np.cos(t), atol=1e-5)


def test_spiral_noise_moves_points():
    x0, y0 = arrays(datasets.spiral(noise=0.0, seed=6))
    x, y = arrays(datasets.spiral(noise=0.3, seed=6))
    np.testing.assert_array_equal(y, y0)
    moved = np.abs(x - x0)
    assert moved.max() <= 0.3 + 1e-5
    assert moved.mean() > 0.1  # U(-1, 1) * 0.3 has mean absolute value 0.15


def test_plane_formula():
    x, y = arrays(datasets.plane(noise=0.0, seed=7))
    assert np.all(np.abs(x) <= 6)
    np.testing.assert_allclose(y, (x[:, 0] + x[:, 1]) / 10, atol=1e-6)
    assert y.min() < -0.9 and y.max() > 0.9
    xn, yn = arrays(datasets.plane(noise=0.5, seed=7))
    np.testing.assert_array_equal(xn, x)
    deviation = np.abs(yn - (x[:, 0] + x[:, 1]) / 10)
    assert deviation.max() <= 2 * 6 * 0.5 / 10 + 1e-6
    assert deviation.mean() > 0.1


def reference_multi_gauss(x, y):
    """reg-gauss's rule, written independently: the signed bump of largest absolute value."""
    centres = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    out = []
    for px, py in zip(x, y):
        best = 0.0
        for cx, cy, sign in centres:
            value = sign * min(max(1 - math.dist((px, py), (cx, cy)) / 2, 0), 1)
            if abs(value) > abs(best):
                best = value
        out.append(best)
    return np.array(out)


def test_multi_gauss_formula():
    assert multi_gauss_label(np.array(-4.0), np.array(2.5)) == 1
    assert multi_gauss_label(np.array(0.0), np.array(2.5)) == -1
    assert multi_gauss_label(np.array(4.0), np.array(-2.5)) == -1
    assert multi_gauss_label(np.array(-4.0), np.array(3.5)) == pytest.approx(0.5)
    assert multi_gauss_label(np.array(6.0), np.array(0.0)) == 0
    x, y = arrays(datasets.multi_gauss(noise=0.0, seed=8))
    np.testing.assert_allclose(y, reference_multi_gauss(x[:, 0], x[:, 1]), atol=1e-6)
    assert y.min() < -0.8 and y.max() > 0.8 and np.mean(y == 0) > 0.2
    xn, yn = arrays(datasets.multi_gauss(noise=0.3, seed=8))
    np.testing.assert_array_equal(xn, x)
    deviation = np.abs(yn - y)
    assert deviation.max() <= 0.5 * 6 * 0.3 * math.sqrt(2) + 1e-5  # the target is 1/2-Lipschitz
    assert deviation.max() > 0.1


def test_odd_sample_counts_follow_the_playground_loop():
    data = datasets.circle(n_samples=201)  # `i < n / 2` runs 101 times per class
    assert len(data.x_train) + len(data.x_test) == 202
    assert len(datasets.xor(n_samples=201).x_train) + len(datasets.xor(n_samples=201).x_test) == 201


def test_split_feeds_a_dataloader():
    data = datasets.circle()
    batches = list(DataLoader(data.train, batch_size=10))
    assert len(batches) == 25
    xb, yb = batches[0]
    assert tuple(xb.shape) == (10, 2) and tuple(yb.shape) == (10, 1)
    assert len(data.test) == 250
    assert "circle" in repr(data) and "train=250" in repr(data)


# ------------------------------------------------------------------------- moons, 1-D, digits
def test_moons_geometry_matches_scikit_learn():
    from sklearn.datasets import make_moons

    data = datasets.moons(n_samples=101, noise=0.0, seed=0)
    x, y = arrays(data)
    assert len(x) == 101 and set(np.unique(y)) == {-1.0, 1.0}
    ref_x, ref_y = make_moons(n_samples=101, shuffle=False, noise=None)
    for ours, theirs in ((-1.0, 0), (1.0, 1)):
        a = x[y == ours]
        b = ref_x[ref_y == theirs]
        a, b = a.round(5) + 0.0, b.round(5) + 0.0  # + 0.0: no -0.0 to sort apart
        a, b = a[np.lexsort(a.T)], b[np.lexsort(b.T)]
        np.testing.assert_allclose(a, b, atol=2e-5)


def test_moons_noise_and_seed():
    clean, _ = arrays(datasets.moons(noise=0.0, seed=1))
    noisy, _ = arrays(datasets.moons(noise=0.1, seed=1))
    assert 0.03 < np.abs(noisy - clean).mean() < 0.15
    np.testing.assert_array_equal(noisy, arrays(datasets.moons(noise=0.1, seed=1))[0])
    with pytest.raises(ValueError, match="noise"):
        datasets.moons(noise=-1)


def test_linear1d_is_the_lecture_data():
    data = datasets.linear1d()
    assert data.x_train.tolist() == [[1.0], [2.0], [3.0]]
    assert data.y_train.tolist() == [[2.0], [4.0], [6.0]]
    assert data.x_test.tolist() == [[4.0]] and data.y_test.tolist() == [[8.0]]
    assert data.x_train.dtype == flambeau.float32
    assert datasets.linear1d(dtype=flambeau.float64).x_train.dtype == flambeau.float64
    # The lecture's loop on this data prints 7.804863933862125 after 10 epochs.
    w = 1.0
    xs, ys = [float(v) for v in data.x_train.flatten()], [float(v) for v in data.y_train.flatten()]
    assert float(data.x_test.flatten()[0]) * w == 4.0
    for _ in range(10):
        for xv, yv in zip(xs, ys):
            w -= 0.01 * 2 * xv * (xv * w - yv)
    assert float(data.x_test.flatten()[0]) * w == 7.804863933862125


def test_digits():
    data = datasets.digits()
    assert len(data.x_train) + len(data.x_test) == 1797
    assert (len(data.x_train), len(data.x_test)) == (1437, 360)
    assert tuple(data.x_train.shape[1:]) == (64,) and data.num_features == 64
    assert data.x_train.dtype == flambeau.float32 and data.y_train.dtype == flambeau.int64
    assert tuple(data.y_train.shape) == (1437,)
    x = np.concatenate([data.x_train.numpy(), data.x_test.numpy()])
    y = np.concatenate([data.y_train.numpy(), data.y_test.numpy()])
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(np.unique(y).tolist()) == list(range(10)) and data.classes == tuple(range(10))
    from sklearn.datasets import load_digits

    ref = load_digits()
    ours = sorted(zip(map(bytes, (x * 16).round().astype(np.uint8)), y.tolist()))
    theirs = sorted(zip(map(bytes, ref.data.astype(np.uint8)), ref.target.tolist()))
    assert ours == theirs  # the same images with the same labels, only shuffled
    again = datasets.digits()
    np.testing.assert_array_equal(again.x_test.numpy(), data.x_test.numpy())
    other = datasets.digits(seed=1)
    assert not np.array_equal(other.y_test.numpy(), data.y_test.numpy())
    images = datasets.digits(flatten=False, train_ratio=0.5)
    assert tuple(images.x_train.shape) == (898, 1, 8, 8)
    np.testing.assert_array_equal(images.x_train.numpy().reshape(898, 64),
                                  datasets.digits(train_ratio=0.5).x_train.numpy())


def test_heavy_libraries_are_imported_lazily():
    code = ("import sys, flambeau; flambeau.datasets.circle(); "
            "assert 'sklearn' not in sys.modules; assert 'torch' not in sys.modules; "
            "flambeau.datasets.digits(); assert 'sklearn' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------- IDX and MNIST
def idx_bytes(code, shape, payload):
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape) + payload


@pytest.mark.parametrize("code, big_endian", [
    (0x08, ">u1"), (0x09, ">i1"), (0x0B, ">i2"), (0x0C, ">i4"), (0x0D, ">f4"), (0x0E, ">f8"),
])
def test_read_idx_types(tmp_path, code, big_endian):
    values = (np.arange(24).reshape(2, 3, 4) - (0 if code == 0x08 else 7)).astype(big_endian)
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(code, (2, 3, 4), values.tobytes()))
    t = datasets.read_idx(path)
    assert tuple(t.shape) == (2, 3, 4)
    assert t.dtype.name == np.dtype(big_endian).newbyteorder("=").name
    np.testing.assert_array_equal(t.numpy(), values)
    t.numpy()[0, 0, 0] = 1  # a writable array of the machine's byte order
    assert t.numpy().dtype.isnative


def test_read_idx_gzip_and_vectors(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (5,), labels.tobytes())))
    t = datasets.read_idx(str(path))
    assert t.tolist() == [3, 1, 4, 1, 5] and t.dtype == flambeau.uint8


def test_write_idx_round_trip(tmp_path):
    arr = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    datasets.write_idx(tmp_path / "x.idx.gz", arr)
    assert (tmp_path / "x.idx.gz").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "x.idx.gz").numpy(), arr)
    datasets.write_idx(tmp_path / "y.idx", np.arange(4, dtype=np.int16))
    assert (tmp_path / "y.idx").read_bytes() == idx_bytes(0x0B, (4,), np.arange(4, dtype=">i2").tobytes())
    with pytest.raises(TypeError):
        datasets.write_idx(tmp_path / "z.idx", np.zeros(2, np.uint16))


def test_read_idx_errors(tmp_path):
    missing = tmp_path / "nope-idx3-ubyte"
    with pytest.raises(FileNotFoundError, match="nope-idx3-ubyte"):
        datasets.read_idx(missing)
    good = idx_bytes(0x08, (2, 3), bytes(range(6)))
    cases = {
        "magic.idx": (b"\x01\x02" + good[2:], "magic number"),
        "code.idx": (idx_bytes(0x07, (2, 3), bytes(6)), "magic number"),
        "data.idx": (good[:-1], "truncated IDX file: shape \\[2, 3\\] of uint8 needs 6 bytes of data, the file has 5"),
        "header.idx": (good[:9], "truncated IDX file: the header"),
        "tiny.idx": (b"\x00\x00", "truncated IDX file"),
        "extra.idx": (good + b"\x00", "unexpected bytes"),
        "gz.idx": (gzip.compress(good)[:-6], "gzip"),
    }
    for name, (raw, message) in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(datasets.IDXError, match=message) as info:
            datasets.read_idx(tmp_path / name)
        assert name in str(info.value)
        assert isinstance(info.value, ValueError)


def write_mnist(root, n_train=5, n_test=3, size=4, gz=False):
    rng = np.random.default_rng(0)
    sets = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        suffix = ".gz" if gz else ""
        datasets.write_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte{suffix}"), images)
        datasets.write_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte{suffix}"), labels)
        sets[prefix] = (images, labels)
    return sets


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_dataset(tmp_path, gz):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    sets = write_mnist(raw, gz=gz)
    train = datasets.MNIST(tmp_path, train=True)
    test = datasets.MNIST(tmp_path, train=False)
    assert len(train) == 5 and len(test) == 3
    images, labels = sets["train"]
    image, label = train[2]
    assert tuple(image.shape) == (1, 4, 4) and image.dtype == flambeau.float32
    np.testing.assert_allclose(image.numpy()[0], images[2] / 255, rtol=1e-6)
    assert label == int(labels[2]) and isinstance(label, int)
    assert train.targets.dtype == flambeau.int64 and train.data.dtype == flambeau.uint8
    xb, yb = next(iter(DataLoader(test, batch_size=3)))
    assert tuple(xb.shape) == (3, 1, 4, 4) and yb.tolist() == sets["t10k"][1].tolist()
    flipped = datasets.MNIST(tmp_path, transform=lambda im: im.flip(-1), target_transform=lambda y: -y)
    np.testing.assert_allclose(flipped[0][0].numpy()[0], images[0][:, ::-1] / 255, rtol=1e-6)
    assert flipped[0][1] == -int(labels[0])
    split = datasets.mnist(tmp_path)
    assert tuple(split.x_train.shape) == (5, 16) and tuple(split.x_test.shape) == (3, 16)
    assert split.y_train.dtype == flambeau.int64
    assert tuple(datasets.load("mnist", root=tmp_path, flatten=False).x_test.shape) == (3, 1, 4, 4)


def test_mnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        datasets.MNIST(tmp_path)
    write_mnist(tmp_path)
    datasets.write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="5 images but .* 4 labels"):
        datasets.MNIST(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"not an idx file")
    with pytest.raises(datasets.IDXError, match="t10k-images-idx3-ubyte"):
        datasets.MNIST(tmp_path, train=False)


def test_mnist_dotted_file_names(tmp_path):
    write_mnist(tmp_path)
    for name in os.listdir(tmp_path):
        head, _, tail = name.rpartition("-idx")
        os.rename(tmp_path / name, tmp_path / f"{head}.idx{tail}")
    assert len(datasets.MNIST(tmp_path)) == 5


# ------------------------------------------------------------------------- load by name
@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral", "plane", "multi_gauss", "moons",
                                  "linear1d", "digits"])
def test_load_by_name(name):
    data = datasets.load(name)
    assert isinstance(data, datasets.Split) and data.name == name
    assert len(data.x_train) == len(data.y_train) > 0


def test_load_options_aliases_and_errors():
    a = datasets.load("spiral", noise=0.2, seed=3, train_ratio=0.7)
    b = datasets.spiral(noise=0.2, seed=3, train_ratio=0.7)
    np.testing.assert_array_equal(a.x_test.numpy(), b.x_test.numpy())
    assert datasets.load("reg-plane").name == "plane"
    assert datasets.load("reg-gauss").name == "multi_gauss"
    assert datasets.load("Multi-Gauss").name == "multi_gauss"
    with pytest.raises(ValueError, match="unknown data set 'ring'.*circle, xor"):
        datasets.load("ring")
    with pytest.raises(TypeError, match="data set 'circle'.*colour"):
        datasets.load("circle", colour=1)
    assert set(datasets.NAMES) >= {"circle", "xor", "gauss", "spiral", "plane", "multi_gauss", "moons",
                                   "linear1d", "digits"}
