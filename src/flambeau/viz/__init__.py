"""Pictures: training curves and decision boundaries (matplotlib, imported when used)."""

from .plots import plot_decision_boundary, plot_history

__all__ = ["plot_history", "plot_decision_boundary"]
