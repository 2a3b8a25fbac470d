"""Automatic differentiation: the graph (``graph``), grad mode (``grad_mode``), custom ops
(``Function``), ``grad`` and ``gradcheck``, and the old name ``Variable``."""

from __future__ import annotations

from .backward import backward, grad
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .graph import Node
from .variable import Variable

__all__ = ["Function", "FunctionCtx", "grad", "backward", "gradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "Node", "Variable"]
