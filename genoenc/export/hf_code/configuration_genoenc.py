"""Configuration of a genoenc model exported for Hugging Face ``transformers``.

Written by ``genoenc export``; this file must not import genoenc (the folder loads
without it).
"""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig


class GenoencConfig(PretrainedConfig):
    """Shape of an exported genoenc model: stored encoding, input projection, body, head.

    Attributes:
        arch: ``"transformer"`` (pre-LN causal, rotary positions) or ``"lstm"``.
        vocab_size: Ids the tokenizer gives (what ``input_ids`` hold).
        embedding_rows: Rows of the stored encoding (``4**k + 4`` for overlapping k-mers,
            else ``vocab_size``).
        d_in: Width of the stored encoding (``d_orig`` for ``full``, ``d_c`` otherwise).
        target_vocab_size: Logits per position.
        d_model, n_layer, n_head, d_ff: The task model's shape.
        context: Longest sequence the model was trained on; longer inputs are refused.
        kmer_k: For overlapping k-mers (stride 1, k > 1): k; else 1. The model then
            turns base ids into the id of the k-mer ending at each position.
        head: ``"linear"`` (one logit per target id) or ``"chain"`` (non-overlapping
            k-mers predicted base by base; the logits are exact log-probabilities).
        chain_k: Bases per target k-mer of the chain head.
    """

    model_type = "genoenc"

    def __init__(
        self,
        *,
        arch: str = "transformer",
        vocab_size: int = 8,
        embedding_rows: int = 8,
        d_in: int = 16,
        target_vocab_size: int = 8,
        d_model: int = 64,
        n_layer: int = 2,
        n_head: int = 4,
        d_ff: int = 256,
        context: int = 256,
        kmer_k: int = 1,
        head: str = "linear",
        chain_k: int = 1,
        **kwargs: Any,
    ) -> None:
        self.arch = arch
        self.vocab_size = vocab_size
        self.embedding_rows = embedding_rows
        self.d_in = d_in
        self.target_vocab_size = target_vocab_size
        self.d_model = d_model
        self.n_layer = n_layer
        self.n_head = n_head
        self.d_ff = d_ff
        self.context = context
        self.kmer_k = kmer_k
        self.head = head
        self.chain_k = chain_k
        kwargs.setdefault("use_cache", False)
        kwargs.setdefault("tie_word_embeddings", False)
        super().__init__(**kwargs)
