"""``flambeau.backends.cudnn``: cuDNN's flags, kept as in PyTorch (there is no cuDNN here).

Example::

    >>> import flambeau.backends.cudnn as cudnn
    >>> cudnn.benchmark = True
    >>> cudnn.is_available()
    False
"""

from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available() -> bool:
    """False: flambeau has no GPU, hence no cuDNN."""
    return False


def version() -> None:
    """None: cuDNN is not there (PyTorch without it answers the same)."""
    return None
