"""The TensorFlow Playground's data sets as plain NumPy functions, with 2, 3 or 4 classes.

This is the one implementation of the playground's generators. :mod:`flambeau.datasets.playground`
(``flambeau.datasets.circle``, ``xor``, ``gauss``, ``spiral``, ``plane``, ``multi_gauss``) and
:func:`flambeau.datasets.moons` wrap these functions (seed, checks, the :class:`~.split.Split`);
the playground session uses them for its 3- and 4-class sets; the scripts it exports copy the
source of the functions they need, so a script generates the session's very data without
flambeau. Hence this module imports only ``math`` and ``numpy``, and every function here may
call only the functions and constants that :data:`HELPERS` and :data:`CONSTANTS` list for its
generator.

Each generator takes a NumPy generator ``rng``, the number of points ``n``, the ``noise`` (the
playground's slider / 100; a standard deviation for moons) and the number of ``classes``, and
returns ``(xy, labels)``: float64 coordinates of shape (n', 2), class by class and not yet
shuffled, and float64 labels of shape (n',). The playground loops ``i < n / classes`` for each
class, so a class gets ``ceil(n / classes)`` points and n' may exceed n (circle, gauss, spiral).
:func:`shuffle_split` then shuffles once and splits; :func:`generate` does it all from a seed.

The multi-class versions generalise the playground's formulas:

- ``circle``: class k lies in the ring of radius [k w, (k + 1) w] (w = 5 / classes), with a gap of
  0.4 w inside each ring but the first (2 classes: radii [0, 2.5] and [3.5, 5], the original's);
  the label is the ring of the point moved by U(-5, 5) * noise;
- ``xor``: by quadrant of the moved point: 4 classes, one per quadrant (counter-clockwise from
  x > 0, y > 0); 3 classes, the diagonal quadrants together (xor's +1) and the other two apart;
- ``gauss``: one cloud per class, centred at (2, 2) and (-2, -2) for 2 classes, at the four
  (+-2, +-2) for 4, at three points at radius 2.5 (90, 210 and 330 degrees) for 3;
- ``spiral``: one arm per class, arm k turned by 2 pi k / classes.

Labels are +1/-1 with 2 classes (the playground's) and class indices 0..classes-1 otherwise.
"""

from __future__ import annotations

import math

import numpy as np

GAUSS_CENTRES = {
    2: ((2.0, 2.0), (-2.0, -2.0)),
    3: ((0.0, 2.5), (-2.5 * math.cos(math.pi / 6), -1.25), (2.5 * math.cos(math.pi / 6), -1.25)),
    4: ((2.0, 2.0), (-2.0, 2.0), (-2.0, -2.0), (2.0, -2.0)),
}
# reg-gauss: (centre x, centre y, sign) of the six bumps.
REG_GAUSS_CENTRES = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
                     (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))


def shuffle_split(xy, labels, rng, train_ratio):
    """Shuffle once, then the first floor(n * train_ratio) points train, the rest test.
    Returns x_train, y_train, x_test, y_test (coordinates float32, labels float32)."""
    xy = xy.astype(np.float32)
    labels = labels.astype(np.float32)
    order = rng.permutation(len(xy))
    xy, labels = xy[order], labels[order]
    n_train = math.floor(len(xy) * train_ratio + 1e-9)
    return xy[:n_train], labels[:n_train], xy[n_train:], labels[n_train:]


def circle(rng, n, noise, classes=2):
    """Rings of radius 5 (2 classes: a disc of +1 inside a ring of -1); noise flips labels."""
    radius = 5.0
    width = radius / classes
    per_class = math.ceil(n / classes)
    xy, labels = [], []
    for k in range(classes):
        r = rng.uniform(k * width + (0.4 * width if k else 0.0), (k + 1) * width, per_class)
        angle = rng.uniform(0.0, 2 * math.pi, per_class)
        nx = rng.uniform(-radius, radius, per_class) * noise
        ny = rng.uniform(-radius, radius, per_class) * noise
        x, y = r * np.sin(angle), r * np.cos(angle)
        distance = np.hypot(x + nx, y + ny)
        if classes == 2:
            label = np.where(distance < width, 1.0, -1.0)
        else:
            label = np.minimum(np.floor(distance / width), classes - 1)
        xy.append(np.stack([x, y], axis=1))
        labels.append(label)
    return np.concatenate(xy), np.concatenate(labels)


def xor(rng, n, noise, classes=2):
    """The four quadrants (2 classes: +1 where x and y have the same sign); noise flips labels."""
    padding = 0.3
    x = rng.uniform(-5.0, 5.0, n)
    y = rng.uniform(-5.0, 5.0, n)
    x = x + np.where(x > 0, padding, -padding)
    y = y + np.where(y > 0, padding, -padding)
    nx = rng.uniform(-5.0, 5.0, n) * noise
    ny = rng.uniform(-5.0, 5.0, n) * noise
    xn, yn = x + nx, y + ny
    if classes == 2:
        labels = np.where(xn * yn >= 0, 1.0, -1.0)
    else:
        quadrant = np.where(xn >= 0, np.where(yn >= 0, 0.0, 3.0), np.where(yn >= 0, 1.0, 2.0))
        labels = quadrant if classes == 4 else np.select([quadrant == 1, quadrant == 3], [1.0, 2.0], 0.0)
    return np.stack([x, y], axis=1), labels


def marsaglia_polar(rng, size):
    """``size`` standard normal numbers by the Marsaglia polar method, as the playground draws
    them: (v1, v2) uniform in [-1, 1]^2 until s = v1^2 + v2^2 is in (0, 1], then
    v1 * sqrt(-2 ln(s) / s) (v2 is not used)."""
    out = np.empty(size)
    filled = 0
    while filled < size:
        want = size - filled
        v1 = 2 * rng.random(want + 8) - 1
        v2 = 2 * rng.random(want + 8) - 1
        s = v1 * v1 + v2 * v2
        keep = (s > 0) & (s <= 1)
        z = (np.sqrt(-2 * np.log(s[keep]) / s[keep]) * v1[keep])[:want]
        out[filled:filled + len(z)] = z
        filled += len(z)
    return out


def gauss_variance(noise):
    """The playground's variance for ``gauss``: noise mapped linearly from [0, 0.5] to [0.5, 4]."""
    return 0.5 + (4.0 - 0.5) * noise / 0.5


def gauss(rng, n, noise, classes=2):
    """One Gaussian cloud per class; the variance grows with noise from 0.5 to 4."""
    variance = gauss_variance(noise)
    per_class = math.ceil(n / classes)
    xy, labels = [], []
    for k, centre in enumerate(GAUSS_CENTRES[classes]):
        z = marsaglia_polar(rng, 2 * per_class)
        xy.append(np.asarray(centre) + math.sqrt(variance) * z.reshape(per_class, 2))
        label = (1.0 if k == 0 else -1.0) if classes == 2 else float(k)
        labels.append(np.full(per_class, label))
    return np.concatenate(xy), np.concatenate(labels)


def spiral(rng, n, noise, classes=2):
    """Interleaved spirals, one arm per class; noise moves the points."""
    m = n / classes
    i = np.arange(math.ceil(n / classes), dtype=np.float64)
    xy, labels = [], []
    for k in range(classes):
        delta = 2 * math.pi * k / classes
        r = i / m * 5
        t = 1.75 * i / m * 2 * math.pi + delta
        x = r * np.sin(t) + rng.uniform(-1.0, 1.0, len(i)) * noise
        y = r * np.cos(t) + rng.uniform(-1.0, 1.0, len(i)) * noise
        xy.append(np.stack([x, y], axis=1))
        label = (1.0 if k == 0 else -1.0) if classes == 2 else float(k)
        labels.append(np.full(len(i), label))
    return np.concatenate(xy), np.concatenate(labels)


def two_moons(rng, n, noise):
    """Two moons as scikit-learn's ``make_moons`` draws them: -1 on the upper half circle
    (cos t, sin t), +1 on the lower (1 - cos t, 0.5 - sin t), t evenly spaced in [0, pi], plus
    Gaussian noise of standard deviation ``noise`` (x in [-1, 2], y in [-0.5, 1] without it)."""
    n_upper = n // 2
    t_upper = np.linspace(0.0, math.pi, n_upper)
    t_lower = np.linspace(0.0, math.pi, n - n_upper)
    xy = np.concatenate([np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
                         np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)])
    xy = xy + rng.normal(0.0, 1.0, xy.shape) * noise
    labels = np.concatenate([np.full(n_upper, -1.0), np.full(n - n_upper, 1.0)])
    return xy, labels


def moons_to_domain(xy):
    """The moons (x in [-1, 2], y in [-0.5, 1]) scaled by 4 around (0.5, 0.25)."""
    return ((xy.astype(np.float64) - np.array([0.5, 0.25])) * 4.0).astype(np.float32)


def moons(rng, n, noise, classes=2):
    """Two moons (-1 upper, +1 lower) with Gaussian noise of standard deviation ``noise``,
    scaled by 4 and centred to fill the playground's [-6, 6] square."""
    xy, labels = two_moons(rng, n, noise)
    return moons_to_domain(xy.astype(np.float32)), labels


def regression_points(rng, n, noise):
    """Points x, y ~ U(-6, 6) and the moved positions the target is computed at (each
    coordinate plus U(-6, 6) * noise): returns x, y, x moved, y moved."""
    x, y = rng.uniform(-6.0, 6.0, n), rng.uniform(-6.0, 6.0, n)
    nx, ny = rng.uniform(-6.0, 6.0, n) * noise, rng.uniform(-6.0, 6.0, n) * noise
    return x, y, x + nx, y + ny


def plane_label(x, y):
    """reg-plane's target: x + y mapped linearly from [-10, 10] to [-1, 1] (not clamped)."""
    return (x + y) / 10.0


def multi_gauss_label(x, y):
    """reg-gauss's target: each centre of ``REG_GAUSS_CENTRES`` gives sign * clamp(1 - d/2, 0, 1)
    at distance d, and the target is the contribution of largest absolute value (the first one
    on a tie, 0 far from every centre)."""
    labels = np.zeros(np.broadcast(x, y).shape)
    for cx, cy, sign in REG_GAUSS_CENTRES:
        value = sign * np.clip(1 - np.hypot(x - cx, y - cy) / 2, 0, 1)
        labels = np.where(np.abs(value) > np.abs(labels), value, labels)
    return labels


def reg_plane(rng, n, noise, classes=0):
    """Regression: (x' + y') / 10 at the point moved by U(-6, 6) * noise."""
    x, y, xn, yn = regression_points(rng, n, noise)
    return np.stack([x, y], axis=1), plane_label(xn, yn)


def reg_gauss(rng, n, noise, classes=0):
    """Regression: six bumps of alternating sign, the largest contribution at the moved point."""
    x, y, xn, yn = regression_points(rng, n, noise)
    return np.stack([x, y], axis=1), multi_gauss_label(xn, yn)


GENERATORS = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral, "moons": moons,
              "reg-plane": reg_plane, "reg-gauss": reg_gauss}
#: The helper functions each generator calls (for the exported scripts).
HELPERS = {"gauss": (marsaglia_polar, gauss_variance), "moons": (two_moons, moons_to_domain),
           "reg-plane": (regression_points, plane_label),
           "reg-gauss": (regression_points, multi_gauss_label)}
#: Constants each generator reads.
CONSTANTS = {"gauss": ("GAUSS_CENTRES",), "reg-gauss": ("REG_GAUSS_CENTRES",)}


def generate(name, n, noise, seed, train_ratio=0.5, classes=2):
    """The data set ``name`` (a key of :data:`GENERATORS`): ``n`` points, ``noise`` the slider /
    100 (a standard deviation for moons), NumPy generator seeded by ``seed``; returns x_train,
    y_train, x_test, y_test."""
    rng = np.random.default_rng(seed)
    xy, labels = GENERATORS[name](rng, n, noise, classes)
    return shuffle_split(xy, labels, rng, train_ratio)
