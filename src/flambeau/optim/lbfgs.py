r"""``LBFGS``: a quasi-Newton method, as ``torch.optim.LBFGS``: each step follows
:math:`-H_k \nabla f`, with :math:`H_k` an approximation of the inverse Hessian built from the
last ``history_size`` pairs of position and gradient changes (Nocedal & Wright, *Numerical
Optimization*, algorithm 7.4).

The whole model is one vector :math:`x` (the parameters flattened and joined). Each call of
``step(closure)`` runs up to ``max_iter`` iterations; ``closure()`` must zero the gradients,
recompute the loss, call ``backward()`` and return the loss. At iteration :math:`k`, with
:math:`s_i = x_{i+1} - x_i`, :math:`y_i = g_{i+1} - g_i` and :math:`\rho_i = 1 / y_i \cdot s_i`
(a pair is kept only when :math:`y_i \cdot s_i > 10^{-10}`), the two-loop recursion computes
the direction :math:`d = -H_k g_k` without forming :math:`H_k`:

.. math::

    q &\leftarrow -g_k; \quad
        \alpha_i \leftarrow \rho_i \, s_i \cdot q, \;\; q \leftarrow q - \alpha_i y_i
        \quad (i = k-1, \ldots, k-m) \\
    r &\leftarrow \frac{s_{k-1} \cdot y_{k-1}}{y_{k-1} \cdot y_{k-1}} \, q; \quad
        \beta_i \leftarrow \rho_i \, y_i \cdot r, \;\; r \leftarrow r + (\alpha_i - \beta_i) s_i
        \quad (i = k-m, \ldots, k-1)

then :math:`x \leftarrow x + t\,d`, with :math:`t` = ``lr`` (at the very first iteration
:math:`\min(1, 1/\|g\|_1)\,` ``lr``) or the step found by the strong Wolfe line search
(:mod:`._line_search`). It stops early when the largest gradient component is at most
``tolerance_grad``, or when the step or the change of the loss is below ``tolerance_change``,
or after ``max_eval`` evaluations of the closure.

The history lives in ``state`` (of the first parameter), so the next ``step`` goes on where
this one stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor, _make
from ._line_search import strong_wolfe
from .optimizer import Optimizer

_VECTORS = ("d", "prev_flat_grad")
_VECTOR_LISTS = ("old_dirs", "old_stps")


def _num(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS`` (see the module's docstring). One parameter group only.

    Args:
        params: the tensors to optimize.
        lr: the step length (default 1).
        max_iter: iterations per ``step`` call.
        max_eval: evaluations of the closure per ``step`` call (``max_iter * 5 // 4``).
        tolerance_grad: stop when every component of the gradient is at most this in size.
        tolerance_change: stop when the step, or the change of the loss, is below this.
        history_size: how many :math:`(s, y)` pairs approximate the Hessian.
        line_search_fn: ``None`` (fixed step ``lr``) or ``"strong_wolfe"``.

    Example::

        >>> opt = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = loss_fn(model(x), y)
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)
    """

    _flat_state = frozenset(_VECTORS + _VECTOR_LISTS)

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # ------------------------------------------------------------------ the model as one vector
    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data.reshape(-1) for p in self._params])

    def _add(self, t: float, d: np.ndarray) -> None:
        """:math:`x \\leftarrow x + t d`, in place."""
        start = 0
        for p in self._params:
            n = p._data.size
            p._data += (t * d[start:start + n]).reshape(p._data.shape).astype(p._data.dtype, copy=False)
            start += n

    def _evaluate_at(self, closure: Callable[[], Any], x: list[np.ndarray], t: float,
                     d: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and flat gradient at :math:`x + t d`; the parameters are put back to ``x``."""
        self._add(t, d)
        with enable_grad():
            loss = float(closure())
        g = self._flat_grad()
        for p, saved in zip(self._params, x):
            p._data[...] = saved
        return loss, g

    # ------------------------------------------------------------------ the algorithm
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` iterations; ``closure`` recomputes the loss and its gradients.
        Returns the loss of the first evaluation."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d = _vector(state.get("d"))
        t = _num(state.get("t"))
        old_dirs = [_vector(v) for v in state.get("old_dirs") or []]
        old_stps = [_vector(v) for v in state.get("old_stps") or []]
        ro = [_num(v) for v in state.get("ro") or []]
        H_diag = _num(state.get("H_diag"))
        prev_flat_grad = _vector(state.get("prev_flat_grad"))
        prev_loss = _num(state.get("prev_loss"))

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                # remember the last change of gradient y and of position s, if curvature is positive
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                # the two-loop recursion: d = -H g
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x0 = [p._data.copy() for p in self._params]
                loss, flat_grad, t, evals = strong_wolfe(
                    lambda x, t_, d_: self._evaluate_at(closure, x, t_, d_), x0, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add(t, d)
                converged = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add(t, d)
                converged = False
                if n_iter != max_iter:
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._flat_grad()
                    converged = np.abs(flat_grad).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _make(d)
        state["t"] = t
        state["old_dirs"] = [_make(v) for v in old_dirs]
        state["old_stps"] = [_make(v) for v in old_stps]
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = _make(prev_flat_grad) if prev_flat_grad is not None else None
        state["prev_loss"] = prev_loss
        return orig_loss


def _vector(x: Any) -> np.ndarray | None:
    """A stored vector as a (writable) NumPy array."""
    if x is None:
        return None
    return np.array(x._data if isinstance(x, Tensor) else x)
