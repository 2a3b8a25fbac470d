"""LeNet-5's training step written by hand in plain NumPy, with no framework, that the LeNet
benchmark (``conv_step``) sets beside flambeau and PyTorch.

It does only what the step needs, the way one would write it directly in NumPy (flambeau's own
kernels go further: wide im2col rows copied in long runs, buffers kept between steps):

- a convolution is one matrix product over the windows of the padded input (im2col: the
  windows are a strided view, copied once into a matrix by ``tensordot``), its bias added in
  place;
- the first convolution's input needs no gradient (it is the data): only its weight's;
- a 2x2 max-pooling is a reshape and a ``max`` over the window axes; its backward sends the
  gradient to the elements equal to their window's maximum (random inputs have no ties);
- the fully-connected layers, the softmax cross-entropy and SGD as in the MLP's floor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, C, H, W) * (O, C, k, k) + b -> (N, O, OH, OW), and the windows (for the backward)."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(x, w.shape[2:], axis=(2, 3))  # (N, C, OH, OW, k, k), a view
    out = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, OH, OW, O)
    out += b
    return out.transpose(0, 3, 1, 2), win


def _conv_backward(g: np.ndarray, win: np.ndarray, w: np.ndarray,
                   need_x: bool) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """The gradients of ``_conv`` (stride 1, no padding when ``need_x``): input, weight, bias."""
    gw = np.tensordot(g, win, axes=([0, 2, 3], [0, 2, 3]))  # (O, C, k, k)
    gb = g.sum(axis=(0, 2, 3))
    if not need_x:
        return None, gw, gb
    n, _, oh, ow = g.shape
    k = w.shape[2]
    cols = np.tensordot(g, w, axes=([1], [0]))  # (N, OH, OW, C, k, k)
    gx = np.zeros((n, w.shape[1], oh + k - 1, ow + k - 1), g.dtype)
    for i in range(k):
        for j in range(k):
            gx[:, :, i:i + oh, j:j + ow] += cols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return gx, gw, gb


def _pool(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def _pool_backward(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    x6 = x.reshape(n, c, h // 2, 2, w // 2, 2)
    won = x6 == out[:, :, :, None, :, None]
    return (won * g[:, :, :, None, :, None]).reshape(x.shape)


def numpy_lenet_step(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                     lr: float) -> Callable[[], float]:
    """One SGD step of LeNet-5 (``flambeau.models.LeNet5(input_size=28)``'s parameter names) on
    the batch ``x`` (N, 1, 28, 28), labels ``y``; returns the loss. Updates a copy of ``params``
    (``step.params``)."""
    p = {k: v.copy() for k, v in params.items()}
    w1, b1, w2, b2 = (p[k] for k in ("features.0.weight", "features.0.bias",
                                     "features.3.weight", "features.3.bias"))
    fc = [(p[f"classifier.{i}.weight"], p[f"classifier.{i}.bias"]) for i in (1, 3, 5)]
    n = len(x)
    rows = np.arange(n)

    def step() -> float:
        c1, win1 = _conv(x, w1, b1, pad=2)
        a1 = np.maximum(c1, 0)
        p1 = _pool(a1)
        c2, win2 = _conv(p1, w2, b2, pad=0)
        a2 = np.maximum(c2, 0)
        p2 = _pool(a2)
        hs = [p2.reshape(n, -1)]
        for k, (w, b) in enumerate(fc):
            z = hs[-1] @ w.T
            z += b
            hs.append(np.maximum(z, 0) if k < 2 else z)
        logits = hs[-1] - hs[-1].max(axis=1, keepdims=True)
        e = np.exp(logits)
        prob = e / e.sum(axis=1, keepdims=True)
        loss = float(-np.log(prob[rows, y]).mean())
        g = prob
        g[rows, y] -= 1
        g /= n
        grads = []
        for k in (2, 1, 0):
            w, _ = fc[k]
            grads.append((hs[k].T @ g).T)
            grads.append(g.sum(axis=0))
            g = g @ w
            if k > 0:
                g *= hs[k] > 0
        g = _pool_backward(g.reshape(p2.shape), a2, p2) * (c2 > 0)
        gp1, gw2, gb2 = _conv_backward(g, win2, w2, need_x=True)
        g = _pool_backward(gp1, a1, p1) * (c1 > 0)
        _, gw1, gb1 = _conv_backward(g, win1, w1, need_x=False)
        for param, grad in zip([fc[2][0], fc[2][1], fc[1][0], fc[1][1], fc[0][0], fc[0][1],
                                w2, b2, w1, b1], [*grads, gw2, gb2, gw1, gb1]):
            param -= lr * grad
        return loss

    step.params = p  # type: ignore[attr-defined]
    return step
