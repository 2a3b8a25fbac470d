"""Pictures: the computational graph (Graphviz's ``dot``), training curves and decision
boundaries (matplotlib). Both are imported only when a picture is made: ``import flambeau.viz``
loads neither."""

from .graph import DotNotFoundError, GraphDrawing, draw_graph, label
from .plots import plot_decision_boundary, plot_history

__all__ = ["draw_graph", "label", "GraphDrawing", "DotNotFoundError", "plot_history",
           "plot_decision_boundary"]
