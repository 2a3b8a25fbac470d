"""The small GPT's training step (``seq_step.gpt``) written by hand in plain NumPy, with no
framework, that the sequence benchmark sets beside flambeau and PyTorch.

Forward and backward of every layer in float32, the way one would write them directly in NumPy: the attention of all heads as batched products with a causal mask, layer norm's
backward in its closed form, GELU's ``erf`` from Abramowitz and Stegun's 7.1.26 (NumPy has no
``erf``; flambeau's float32 GELU uses the same formula), then AdamW (PyTorch's defaults).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

_EPS_LN = 1e-5


def _erf(z: np.ndarray) -> np.ndarray:
    t = 1 / (1 + 0.3275911 * np.abs(z))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(z) * (1 - poly * np.exp(-z * z))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    rstd = 1 / np.sqrt((xc * xc).mean(-1, keepdims=True) + _EPS_LN)
    xhat = xc * rstd
    return xhat * w + b, (xhat, rstd, w)


def _layer_norm_backward(g: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xhat, rstd, w = cache
    lead = tuple(range(g.ndim - 1))
    gw, gb = (g * xhat).sum(lead), g.sum(lead)
    d = g * w
    dx = rstd * (d - d.mean(-1, keepdims=True) - xhat * (d * xhat).mean(-1, keepdims=True))
    return dx, gw, gb


def numpy_gpt_step(params: dict[str, np.ndarray], idx: np.ndarray, targets: np.ndarray, layers: int,
                   heads: int, lr: float = 1e-3) -> Callable[[], float]:
    """One AdamW step of ``seq_step.gpt`` (its parameter names) on token ids ``idx`` (B, T) and
    ``targets``; returns the loss. Updates a copy of ``params`` (``step.params``)."""
    p = {k: v.copy() for k, v in params.items()}
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in p.items()}
    beta1, beta2, eps, decay = 0.9, 0.999, 1e-8, 1e-2
    count = [0]
    B, T = idx.shape
    C = p["wte.weight"].shape[1]
    D = C // heads
    scale = 1 / math.sqrt(D)
    future = np.triu(np.ones((T, T), bool), 1)
    rows = np.arange(B * T)

    def linear(x: np.ndarray, name: str) -> np.ndarray:
        out = x @ p[name + ".weight"].T
        bias = p.get(name + ".bias")
        if bias is not None:
            out += bias
        return out

    def linear_backward(g: np.ndarray, x: np.ndarray, name: str, grads: dict) -> np.ndarray:
        g2, x2 = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
        grads[name + ".weight"] = g2.T @ x2
        if name + ".bias" in p:
            grads[name + ".bias"] = g2.sum(0)
        return g @ p[name + ".weight"]

    def step() -> float:
        x = p["wte.weight"][idx] + p["wpe.weight"][:T]
        caches = []
        for i in range(layers):
            pre = f"blocks.{i}."
            h, ln1 = _layer_norm(x, p[pre + "ln_1.weight"], p[pre + "ln_1.bias"])
            qkv = linear(h, pre + "attn.c_attn")
            q, k, v = (qkv[..., j * C:(j + 1) * C].reshape(B, T, heads, D).transpose(0, 2, 1, 3)
                       for j in range(3))
            s = q @ k.transpose(0, 1, 3, 2) * scale
            s[..., future] = -np.inf
            s -= s.max(-1, keepdims=True)
            att = np.exp(s)
            att /= att.sum(-1, keepdims=True)
            y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
            x1 = x + linear(y, pre + "attn.c_proj")
            h2, ln2 = _layer_norm(x1, p[pre + "ln_2.weight"], p[pre + "ln_2.bias"])
            f = linear(h2, pre + "mlp.0")
            cdf = 0.5 * (1 + _erf(f * (1 / math.sqrt(2))))
            gelu = f * cdf
            x = x1 + linear(gelu, pre + "mlp.2")
            caches.append((h, ln1, q, k, v, att, y, h2, ln2, f, cdf, gelu))
        hf, lnf = _layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
        logits = (hf @ p["lm_head.weight"].T).reshape(B * T, -1)
        logits -= logits.max(1, keepdims=True)
        e = np.exp(logits)
        prob = e / e.sum(1, keepdims=True)
        flat = targets.reshape(-1)
        loss = float(-np.log(prob[rows, flat]).mean())
        prob[rows, flat] -= 1
        g = (prob / (B * T)).reshape(B, T, -1)

        grads: dict[str, np.ndarray] = {}
        g = linear_backward(g, hf, "lm_head", grads)
        g, grads["ln_f.weight"], grads["ln_f.bias"] = _layer_norm_backward(g, lnf)
        for i in reversed(range(layers)):
            pre = f"blocks.{i}."
            h, ln1, q, k, v, att, y, h2, ln2, f, cdf, gelu = caches[i]
            gm = linear_backward(g, gelu, pre + "mlp.2", grads)
            gm *= cdf + f * np.exp(-0.5 * f * f) * (1 / math.sqrt(2 * math.pi))
            gm = linear_backward(gm, h2, pre + "mlp.0", grads)
            gx, grads[pre + "ln_2.weight"], grads[pre + "ln_2.bias"] = _layer_norm_backward(gm, ln2)
            g = g + gx
            gy = linear_backward(g, y, pre + "attn.c_proj", grads)
            gy = gy.reshape(B, T, heads, D).transpose(0, 2, 1, 3)
            gv = att.transpose(0, 1, 3, 2) @ gy
            ga = gy @ v.transpose(0, 1, 3, 2)
            gs = att * (ga - (ga * att).sum(-1, keepdims=True)) * scale
            gq, gk = gs @ k, gs.transpose(0, 1, 3, 2) @ q
            gqkv = np.concatenate([t.transpose(0, 2, 1, 3).reshape(B, T, C) for t in (gq, gk, gv)], -1)
            gh = linear_backward(gqkv, h, pre + "attn.c_attn", grads)
            gx, grads[pre + "ln_1.weight"], grads[pre + "ln_1.bias"] = _layer_norm_backward(gh, ln1)
            g = g + gx
        gwte = np.zeros_like(p["wte.weight"])
        np.add.at(gwte, idx.reshape(-1), g.reshape(-1, C))
        gwpe = np.zeros_like(p["wpe.weight"])
        gwpe[:T] = g.sum(0)
        grads["wte.weight"], grads["wpe.weight"] = gwte, gwpe

        count[0] += 1
        c1, c2 = 1 - beta1 ** count[0], 1 - beta2 ** count[0]
        for name, grad in grads.items():
            w, (m, v2) = p[name], moments[name]
            w *= 1 - lr * decay
            m *= beta1
            m += (1 - beta1) * grad
            v2 *= beta2
            v2 += (1 - beta2) * grad * grad
            w -= (lr / c1) * m / (np.sqrt(v2 / c2) + eps)
        return loss

    step.params = p  # type: ignore[attr-defined]
    return step
