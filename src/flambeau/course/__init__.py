"""The lecture's worked examples, runnable: lessons in French and English, their exercises and
the helpers their code uses (:func:`tr` for the printed language, :func:`check` for answers)."""

from .check import check
from .i18n import language, set_language, tr

__all__ = ["check", "language", "set_language", "tr"]
