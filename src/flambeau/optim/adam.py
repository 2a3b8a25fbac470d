r"""``Adam`` and ``AdamW``: adaptive moment estimation, with L2 or decoupled weight decay.

For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t = 1, 2, \ldots`
(:math:`\gamma` the learning rate, :math:`\beta_1, \beta_2` the betas, :math:`\lambda` the weight
decay), with :math:`m_0 = v_0 = \hat v_0^{max} = 0`:

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \gamma \lambda)
        \quad \text{(AdamW: decoupled weight decay)} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{(Adam: L2 penalty)} \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    v_t^{max} &\leftarrow \max(v_{t-1}^{max}, v_t) \quad \text{if amsgrad (used instead of } v_t) \\
    \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \,
        \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

The bias corrections :math:`1 - \beta^t` undo the pull of :math:`m_0 = v_0 = 0` towards zero in
the first steps; :math:`\epsilon` is added *after* the square root and its correction. State per
parameter: ``step`` (a 0-d float32 tensor, as PyTorch keeps it), ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`) and, with
amsgrad, ``max_exp_avg_sq``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import _trace
from ..tensor import Tensor, _make
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``: per-coordinate step sizes from running averages of the
    gradient and of its square.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: learning rate :math:`\\gamma`.
        betas: :math:`(\\beta_1, \\beta_2)`, decay rates of the two running averages.
        eps: :math:`\\epsilon`, added to the denominator for numerical stability.
        weight_decay: :math:`\\lambda`, an L2 penalty added to the gradient (or, with
            ``decoupled_weight_decay=True``, a shrinking of the weights: AdamW).
        amsgrad: divide by the running maximum of :math:`v_t` (AMSGrad).
        maximize: climb the objective instead of descending it.
        decoupled_weight_decay: apply the weight decay as AdamW does.
        foreach, fused: accepted for compatibility; flambeau has a single NumPy implementation.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False, foreach: bool | None = None,
                 fused: bool | None = None) -> None:
        _check_adam_family(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = self._evaluate(closure)
        recording = _trace.active() is not None
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            amsgrad = group["amsgrad"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p, theta, g in self._gradients(group, coupled_decay=not decoupled):
                state = self.state[p]
                if not isinstance(state.get("step", 0), Tensor):  # a count as PyTorch keeps it: a 0-d float32 tensor
                    state["step"] = _make(np.array(state.get("step", 0), np.float32))
                step, m, v = _moments(state, theta, g, group, decoupled, recording)
                step_size, root2 = _corrections(step, beta1, beta2, lr, theta.dtype, recording)
                if amsgrad:
                    if "max_exp_avg_sq" not in state:
                        state["max_exp_avg_sq"] = _make(np.zeros_like(theta))
                    v_max = state["max_exp_avg_sq"]._data
                    np.maximum(v_max, v, out=v_max)
                    v = v_max
                denom = np.sqrt(v)
                denom /= root2
                denom += eps
                theta -= step_size * m / denom
        return loss


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``: Adam whose weight decay shrinks the weights directly,
    :math:`\\theta \\leftarrow \\theta (1 - \\gamma \\lambda)`, instead of entering the running
    averages through the gradient (Loshchilov & Hutter, *Decoupled Weight Decay
    Regularization*). Same arguments as :class:`Adam`, with ``weight_decay=1e-2``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


def _corrections(step: np.ndarray, beta1: float, beta2: float, lr: float, dtype: np.dtype,
                 recording: bool) -> tuple[Any, Any]:
    """The step size :math:`\\gamma / (1 - \\beta_1^t)` and :math:`\\sqrt{1 - \\beta_2^t}`, computed in
    double from the float32 count ``step``, as PyTorch's Python floats, then used in the
    parameters' dtype. Python floats (NumPy rounds them to the array's dtype); while
    ``flambeau.compile`` records the step (``recording``), the same operations on 0-d arrays, so
    that the replays follow the count."""
    if not recording:
        t = float(step)
        return lr / (1 - beta1**t), math.sqrt(1 - beta2**t)
    t = step.astype(np.float64)
    return (lr / (1 - beta1**t)).astype(dtype), np.sqrt(1 - beta2**t).astype(dtype)


def _check_adam_family(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    """PyTorch's checks of the arguments that Adam's relatives share."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _moments(state: dict[str, Any], theta: np.ndarray, g: np.ndarray, group: dict[str, Any],
             decoupled: bool, recording: bool = True) -> tuple[int, np.ndarray, np.ndarray]:
    r"""The part of a step that Adam's relatives share: count the step, shrink the weights
    (decoupled weight decay, AdamW's), and update the running averages of the gradient and of
    its square in ``state`` (created at the first step):

    .. math::
        m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2

    Returns ``(step, m, v)``, the arrays updated in place; ``step`` a number, or the array of
    the count when it is a tensor (Adam's, counted in place: by a write of a Python float when
    not ``recording`` for ``flambeau.compile``, 20 times cheaper than a 0-d NumPy addition and the
    same float32, the double sum being exact)."""
    if "exp_avg" not in state:
        state.setdefault("step", 0)
        state["exp_avg"] = _make(np.zeros_like(theta))
        state["exp_avg_sq"] = _make(np.zeros_like(theta))
    count = state["step"]
    if isinstance(count, Tensor):
        step = count._data
        if recording:
            step += 1
        else:
            step[()] = float(step) + 1
    else:
        step = state["step"] = count + 1
    beta1, beta2 = group["betas"]
    if decoupled and group["weight_decay"] != 0:
        theta *= 1 - group["lr"] * group["weight_decay"]
    m = state["exp_avg"]._data
    v = state["exp_avg_sq"]._data
    m += (1 - beta1) * (g - m)
    v *= beta2
    v += (1 - beta2) * (g * g)
    return step, m, v
