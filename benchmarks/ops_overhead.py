"""Per-op overhead on tiny tensors: flambeau, PyTorch and hand-written NumPy in the same run.

For add, mul, matmul, tanh and sum on 1x1 and 10x10 inputs: the forward alone (inputs that do
not require grad), and forward + backward (inputs that require grad, a gradient from above of
ones). NumPy's forward+backward is the same arithmetic written by hand.
"""

from __future__ import annotations

import numpy as np

import flambeau

from ._timing import per_call_us

try:
    import torch
except ImportError:  # the table then has no PyTorch column
    torch = None


def _cases():
    # name: (flambeau/torch forward, numpy forward, numpy backward given (a, b, out, g))
    return {
        "add": (lambda a, b: a + b, lambda a, b: a + b, lambda a, b, o, g: (g, g)),
        "mul": (lambda a, b: a * b, lambda a, b: a * b, lambda a, b, o, g: (g * b, g * a)),
        "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, lambda a, b, o, g: (g @ b.T, a.T @ g)),
        "tanh": (lambda a, b: a.tanh(), lambda a, b: np.tanh(a), lambda a, b, o, g: (g * (1 - o * o),)),
        "sum": (lambda a, b: a.sum(), lambda a, b: a.sum(), lambda a, b, o, g: (np.broadcast_to(g, a.shape),)),
    }


def run() -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    for n in (1, 10):
        a_np = rng.standard_normal((n, n)).astype(np.float32)
        b_np = rng.standard_normal((n, n)).astype(np.float32)
        for name, (op, np_fwd, np_bwd) in _cases().items():
            fa, fb = flambeau.tensor(a_np), flambeau.tensor(b_np)
            fa_g = flambeau.tensor(a_np, requires_grad=True)
            fb_g = flambeau.tensor(b_np, requires_grad=True)
            ones_f = flambeau.ones_like(op(fa, fb))

            def fl_fb():
                op(fa_g, fb_g).backward(ones_f)

            row = {"op": name, "size": f"{n}x{n}",
                   "flambeau_fwd": per_call_us(lambda: op(fa, fb)),
                   "flambeau_fwdbwd": per_call_us(fl_fb)}

            def np_fb():
                o = np_fwd(a_np, b_np)
                np_bwd(a_np, b_np, o, np.ones_like(o))

            row["numpy_fwd"] = per_call_us(lambda: np_fwd(a_np, b_np))
            row["numpy_fwdbwd"] = per_call_us(np_fb)
            if torch is not None:
                ta, tb = torch.tensor(a_np), torch.tensor(b_np)
                ta_g = torch.tensor(a_np, requires_grad=True)
                tb_g = torch.tensor(b_np, requires_grad=True)
                ones_t = torch.ones_like(op(ta, tb))

                def th_fb():
                    op(ta_g, tb_g).backward(ones_t)

                row["torch_fwd"] = per_call_us(lambda: op(ta, tb))
                row["torch_fwdbwd"] = per_call_us(th_fb)
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    has_torch = "torch_fwd" in rows[0]
    head = "| op | size | flambeau fwd (µs) | PyTorch fwd | NumPy fwd | flambeau fwd+bwd | PyTorch fwd+bwd | NumPy fwd+bwd | flambeau / PyTorch (fwd, fwd+bwd) |"
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        t_f = f"{r['torch_fwd']:.1f}" if has_torch else "-"
        t_b = f"{r['torch_fwdbwd']:.1f}" if has_torch else "-"
        ratio = (f"{r['flambeau_fwd'] / r['torch_fwd']:.2f}, {r['flambeau_fwdbwd'] / r['torch_fwdbwd']:.2f}"
                 if has_torch else "-")
        lines.append(f"| {r['op']} | {r['size']} | {r['flambeau_fwd']:.1f} | {t_f} | {r['numpy_fwd']:.1f} | "
                     f"{r['flambeau_fwdbwd']:.1f} | {t_b} | {r['numpy_fwdbwd']:.1f} | {ratio} |")
    return "\n".join(lines)
