r"""The strong Wolfe line search that :class:`~flambeau.optim.LBFGS` uses with
``line_search_fn="strong_wolfe"`` (Nocedal & Wright, *Numerical Optimization*, algorithms 3.5
and 3.6), in the variant PyTorch implements.

Along a descent direction :math:`d` from :math:`x` with loss :math:`f(x)` and slope
:math:`f'(x) \cdot d < 0`, it looks for a step :math:`t` that satisfies both

.. math::

    f(x + t d) \le f(x) + c_1 \, t \, \nabla f(x) \cdot d
        \quad \text{(enough decrease)}, \qquad
    |\nabla f(x + t d) \cdot d| \le c_2 \, |\nabla f(x) \cdot d|
        \quad \text{(the slope has flattened)}

first growing :math:`t` until a bracket :math:`[t_{lo}, t_{hi}]` contains such steps, then
shrinking the bracket ("zoom"), each new trial at the minimum of the cubic that fits the loss
and slopes at the bracket's ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def cubic_minimum(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                  bounds: tuple[float, float] | None = None) -> float:
    r"""The minimum, within ``bounds`` (by default between :math:`x_1` and :math:`x_2`), of the
    cubic through :math:`(x_1, f_1)` and :math:`(x_2, f_2)` with slopes :math:`g_1, g_2`; the
    middle of the bounds when the cubic has no minimum:

    .. math::
        d_1 = g_1 + g_2 - 3 \frac{f_1 - f_2}{x_1 - x_2}, \quad d_2 = \sqrt{d_1^2 - g_1 g_2}, \quad
        x^* = x_2 - (x_2 - x_1) \frac{g_2 + d_2 - d_1}{g_2 - g_1 + 2 d_2}
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


Evaluate = Callable[[Any, float, np.ndarray], tuple[float, np.ndarray]]


def strong_wolfe(evaluate: Evaluate, x: Any, t: float, d: np.ndarray, f: float, g: np.ndarray, gtd: float,
                 c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> tuple[float, np.ndarray, float, int]:
    """Search a step along ``d`` from ``x`` (loss ``f``, flat gradient ``g``, slope ``gtd``),
    starting with ``t``. ``evaluate(x, t, d)`` returns the loss and flat gradient at
    :math:`x + t d` (and puts the parameters back at ``x``).

    Returns ``(loss, flat gradient, t, number of evaluations)`` of the step chosen.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = evaluate(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)

    # growing phase: find a bracket, or a step that already satisfies both conditions
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate: the cubic's minimum between 1.01 t and 10 t
        t_next = cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.copy(), gtd_new
        t = t_next
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase: shrink the bracket until a step satisfies both conditions
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # keep the trial away from the bracket's ends (at least a tenth of its width)
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            # not enough decrease: t becomes the high end
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                # the old low end becomes the high end
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


__all__ = ["cubic_minimum", "strong_wolfe"]
