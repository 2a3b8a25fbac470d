"""``flambeau.nn.utils``: helpers around layers and training, as ``torch.nn.utils``: gradient
clipping (:mod:`.clip_grad`), flattening parameters into one vector (:mod:`.convert_parameters`),
padded and packed sequences (:mod:`.rnn`)."""

from __future__ import annotations

from . import rnn
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "rnn", "clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
    "parameters_to_vector", "vector_to_parameters",
]
