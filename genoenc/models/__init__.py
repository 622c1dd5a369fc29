"""The shared task models: input projection to ``d_model``, causal body, logits head.

``build_model(cfg, d_in, target_vocab_size, context=T_max)`` gives a :class:`TaskModel` with a
pre-LN causal transformer (default) or an LSTM body; ``forward(x: (B, T, d_in)) -> (B, T,
V_target)`` for ``T <= T_max`` (the run's ``window.context``).
"""

from genoenc.models.lstm import LSTMBody
from genoenc.models.task import ARCHS, ModelConfig, TaskModel, build_model
from genoenc.models.transformer import Block, CausalSelfAttention, Transformer

__all__ = [
    "ARCHS",
    "Block",
    "CausalSelfAttention",
    "LSTMBody",
    "ModelConfig",
    "TaskModel",
    "Transformer",
    "build_model",
]
