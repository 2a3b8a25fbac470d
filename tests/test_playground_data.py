"""The playground's data: the TensorFlow Playground's sets (through flambeau.datasets) and their
3- and 4-class versions checked against their formulas, the features, custom points and CSV."""

from __future__ import annotations

import math

import numpy as np
import pytest

from flambeau import datasets
from flambeau.datasets import generators
from flambeau.playground import config as cfg
from flambeau.playground.data import (
    CustomPoints,
    DataError,
    data_to_csv,
    feature_matrix,
    make_data,
    parse_csv,
)


def config(**changes):
    return cfg.apply_changes(cfg.default_config(), changes)


def everything(data):
    return np.concatenate([data.x_train, data.x_test]), np.concatenate([data.y_train, data.y_test])


# ------------------------------------------------------------------ the playground's sets
FLAMBEAU = {"circle": datasets.circle, "xor": datasets.xor, "gauss": datasets.gauss,
            "spiral": datasets.spiral, "reg-plane": datasets.plane, "reg-gauss": datasets.multi_gauss}


@pytest.mark.parametrize("name", list(FLAMBEAU) + ["moons"])
@pytest.mark.parametrize("noise, seed, ratio", [(0.0, 0, 0.5), (0.3, 7, 0.7), (0.5, 123, 0.1)])
def test_standalone_generators_draw_what_flambeau_datasets_draw(name, noise, seed, ratio):
    """The exported scripts' ``generate`` gives the session's very data (2 classes, regression):
    flambeau.datasets wraps the same generators, so this checks the rest of the way, the
    float32 rounding, the shuffle and the split (and the moons' scaling)."""
    n = 1200 if name.startswith("reg") else 500
    ours = generators.generate(name, n, noise, seed, ratio, 2)
    if name == "moons":
        split = datasets.moons(n, noise=noise, seed=seed, train_ratio=ratio)
    else:
        split = FLAMBEAU[name](n, noise=noise, seed=seed, train_ratio=ratio)
    theirs = [split.x_train.numpy(), split.y_train.numpy()[:, 0], split.x_test.numpy(), split.y_test.numpy()[:, 0]]
    if name == "moons":
        theirs[0], theirs[2] = generators.moons_to_domain(theirs[0]), generators.moons_to_domain(theirs[2])
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, problem, n", [("circle", "classification", 500), ("xor", "classification", 500),
                                              ("gauss", "classification", 500), ("spiral", "classification", 500),
                                              ("moons", "classification", 500), ("reg-plane", "regression", 1200),
                                              ("reg-gauss", "regression", 1200)])
def test_sizes_split_and_labels(name, problem, n):
    key = "dataset" if problem == "classification" else "regDataset"
    data = make_data(config(**{key: name, "problem": problem}))
    assert len(data.x_train) == len(data.x_test) == n // 2
    assert data.x_train.shape == (n // 2, 2) and data.y_train.shape == (n // 2,)
    assert data.x_train.dtype == np.float64 and data.name == name
    if problem == "classification":
        assert set(np.unique(everything(data)[1])) == {-1.0, 1.0} and data.num_classes == 2
    seventy = make_data(config(**{key: name, "problem": problem, "percTrainData": 70}))
    assert len(seventy.x_train) == math.floor(n * 0.7)


def test_the_session_data_is_flambeau_datasets_with_the_mapped_seed():
    data = make_data(config(dataset="spiral", noise=20, seed="0.04321", percTrainData=60))
    split = datasets.spiral(500, noise=0.2, seed=4321, train_ratio=0.6)
    np.testing.assert_array_equal(data.x_train, split.x_train.numpy())
    np.testing.assert_array_equal(data.y_test, split.y_test.numpy()[:, 0])


def test_same_seed_same_data_other_seed_other_data():
    a, b = make_data(config(seed="0.5")), make_data(config(seed="0.5"))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    c = make_data(config(seed="0.6"))
    assert not np.array_equal(a.x_train, c.x_train)


def test_noise_flips_circle_labels_without_moving_points():
    clean, noisy = make_data(config(noise=0)), make_data(config(noise=50))
    np.testing.assert_array_equal(everything(clean)[0], everything(noisy)[0])
    xy, labels = everything(clean)
    np.testing.assert_array_equal(labels, np.where(np.hypot(xy[:, 0], xy[:, 1]) < 2.5, 1.0, -1.0))
    assert (everything(noisy)[1] != labels).any()


def test_noise_moves_spiral_points():
    clean, noisy = make_data(config(dataset="spiral")), make_data(config(dataset="spiral", noise=30))
    assert not np.array_equal(everything(clean)[0], everything(noisy)[0])


def test_moons_fill_the_playground_square():
    xy, labels = everything(make_data(config(dataset="moons")))
    assert xy[:, 0].min() == pytest.approx(-6, abs=1e-5) and xy[:, 0].max() == pytest.approx(6, abs=1e-5)
    assert set(np.unique(labels)) == {-1.0, 1.0}


# ------------------------------------------------------------------ 3 and 4 classes
def multi(name, classes, noise=0, seed=0):
    return everything(make_data(config(dataset=name, numClasses=classes, loss="cross_entropy", noise=noise,
                                       seed=str(seed))))


@pytest.mark.parametrize("classes", [3, 4])
def test_circle_rings(classes):
    xy, labels = multi("circle", classes)
    width = 5 / classes
    distance = np.hypot(xy[:, 0], xy[:, 1])
    assert set(np.unique(labels)) == set(range(classes))
    for k in range(classes):
        ring = distance[labels == k]
        low = k * width + (0.4 * width if k else 0)
        assert ring.min() >= low - 1e-5 and ring.max() <= (k + 1) * width + 1e-5
    # without noise the label is the ring of the point itself
    np.testing.assert_array_equal(labels, np.minimum(np.floor(distance / width), classes - 1))
    assert len(labels) == classes * math.ceil(500 / classes)
    noisy = multi("circle", classes, noise=50)
    np.testing.assert_array_equal(noisy[0], xy)            # noise flips labels only
    assert (noisy[1] != labels).any()


def test_xor_quadrants():
    xy, labels = multi("xor", 4)
    x, y = xy[:, 0], xy[:, 1]
    expected = np.select([(x >= 0) & (y >= 0), (x < 0) & (y >= 0), (x < 0) & (y < 0)], [0, 1, 2], 3)
    np.testing.assert_array_equal(labels, expected)
    assert (np.abs(xy) >= 0.3 - 1e-6).all()                # pushed away from the axes
    xy3, labels3 = multi("xor", 3)
    x, y = xy3[:, 0], xy3[:, 1]
    same_sign = x * y >= 0
    np.testing.assert_array_equal(labels3, np.select([same_sign, x < 0], [0, 1], 2))


@pytest.mark.parametrize("classes", [3, 4])
def test_gauss_centres(classes):
    xy, labels = multi("gauss", classes)
    for k, centre in enumerate(generators.GAUSS_CENTRES[classes]):
        cloud = xy[labels == k]
        assert len(cloud) == math.ceil(500 / classes)
        np.testing.assert_allclose(cloud.mean(axis=0), centre, atol=0.2)
        assert cloud.var(axis=0) == pytest.approx([0.5, 0.5], rel=0.3)   # variance 0.5 without noise
    assert multi("gauss", classes, noise=50)[0][labels == 0].var(axis=0) == pytest.approx([4, 4], rel=0.3)


@pytest.mark.parametrize("classes", [3, 4])
def test_spiral_arms(classes):
    rng = np.random.default_rng(0)
    xy, labels = generators.spiral(rng, 500, 0.0, classes)
    m = 500 / classes
    i = np.arange(math.ceil(m))
    for k in range(classes):
        r = i / m * 5
        t = 1.75 * i / m * 2 * math.pi + 2 * math.pi * k / classes
        arm = xy[labels == k]
        np.testing.assert_allclose(arm, np.stack([r * np.sin(t), r * np.cos(t)], axis=1), atol=1e-12)


def test_multi_class_split_follows_the_ratio():
    data = make_data(config(dataset="spiral", numClasses=3, loss="cross_entropy", percTrainData=30))
    total = len(data.x_train) + len(data.x_test)
    assert len(data.x_train) == math.floor(total * 0.3) and data.num_classes == 3


# ------------------------------------------------------------------ features
def test_the_seven_features():
    xy = np.array([[1.0, 2.0], [-0.5, 3.0]])
    out = feature_matrix(xy, list(cfg.FEATURES))
    x, y = xy[:, 0], xy[:, 1]
    np.testing.assert_array_equal(out, np.stack([x, y, x * x, y * y, x * y, np.sin(x), np.sin(y)], axis=1))
    assert feature_matrix(xy, ["sinY", "x"]).tolist() == np.stack([np.sin(y), x], axis=1).tolist()
    assert feature_matrix(xy, []).shape == (2, 0)


# ------------------------------------------------------------------ custom points and CSV
def test_custom_points():
    points = CustomPoints()
    points.add(1.0, 2.0, 1.0)
    points.add(-1.0, 0.5, -1.0, train=False)
    data = make_data(config(dataset="custom"), points)
    assert data.x_train.tolist() == [[1.0, 2.0]] and data.y_test.tolist() == [-1.0]
    assert make_data(config(dataset="custom")).x_train.shape == (0, 2)
    points.clear()
    assert len(points) == 0


def test_csv_round_trip():
    data = make_data(config(dataset="gauss", noise=10))
    xy, labels, is_train = parse_csv(data_to_csv(data), "classification", 2)
    np.testing.assert_array_equal(xy, everything(data)[0])
    np.testing.assert_array_equal(labels, everything(data)[1])
    assert is_train.sum() == len(data.x_train)


def test_csv_without_header_and_with_0_1_labels():
    xy, labels, is_train = parse_csv("1,2,0\n-3.5,4e-1,1\n\n", "classification", 2)
    assert xy.tolist() == [[1.0, 2.0], [-3.5, 0.4]] and labels.tolist() == [-1.0, 1.0] and is_train is None
    xy, labels, _ = parse_csv("a,b,c\n0,0,2\n1,1,0\n", "classification", 3)
    assert labels.tolist() == [2.0, 0.0]
    _, labels, _ = parse_csv("x,y,label\n0,0,0.25\n", "regression", 0)
    assert labels.tolist() == [0.25]


@pytest.mark.parametrize("text, problem, classes, words", [
    ("x,y,label\n1,2,abc\n", "classification", 2, "row 2"),
    ("1,2,1\n1,nan,1\n", "classification", 2, "row 2"),
    ("1,2,1\ninf,1,1\n", "classification", 2, "finite"),
    ("1,2,1\n1,2,3\n", "classification", 2, "row 2"),
    ("1,2,1\n1,2,0.5\n", "classification", 2, "class"),
    ("1,2,3\n", "classification", 3, "0 to 2"),
    ("1,2\n", "classification", 2, "3 columns"),
    ("1,2,1,train,x\n", "classification", 2, "3 columns"),
    ("1,2,1,sometimes\n", "classification", 2, "train or test"),
    ("x,y,label\n", "classification", 2, "no points"),
    ("", "classification", 2, "no points"),
    ("1,2,1e300\n", "regression", 0, "finite"),
    ("1,2,1\n" * 5001, "classification", 2, "5000"),
    ("1" * 1_000_001, "classification", 2, "too large"),
])
def test_bad_csv(text, problem, classes, words):
    with pytest.raises(DataError) as info:
        parse_csv(text, problem, classes)
    assert words in str(info.value)
    assert info.value.field == "text"


def test_csv_at_the_row_limit_is_accepted():
    xy, _, _ = parse_csv("1,2,1\n" * 5000, "classification", 2)
    assert len(xy) == 5000


def test_custom_labels_checked_against_the_problem():
    points = CustomPoints()
    points.add(0.0, 0.0, -1.0)
    points.check_labels("classification", 2)
    points.check_labels("regression", 0)
    with pytest.raises(DataError):
        points.check_labels("classification", 3)  # -1 is no class index
