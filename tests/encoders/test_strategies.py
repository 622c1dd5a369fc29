"""Every strategy: shapes, gradients, parameter counts, seeding, source tables."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from genoenc.encoders import (
    AUTOENCODER_STRATEGIES,
    STRATEGIES,
    AutoencoderBase,
    Encoder,
    EncoderConfig,
    FullEncoder,
    build_encoder,
)
from genoenc.models import ModelConfig, build_model

V = 8
D_ORIG = 16


def _config(strategy: str, ratio: int = 4, **fields: object) -> EncoderConfig:
    return EncoderConfig(
        strategy=strategy,
        d_orig=D_ORIG,
        ratio=ratio,
        source_table="random",
        stage1_steps=20,
        **fields,  # type: ignore[arg-type]
    )


def _build(strategy: str, ratio: int = 4, seed: int = 0) -> Encoder:
    return build_encoder(_config(strategy, ratio), V, seed=seed)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_runs_forward_and_backward(strategy: str) -> None:
    encoder = _build(strategy)
    if encoder.needs_stage1:
        encoder.stage1_fit()
    torch.manual_seed(0)
    model = build_model(ModelConfig(d_model=16, n_layer=1, n_head=2), encoder.d_out, V, context=8)
    ids = torch.randint(0, V, (2, 6))
    x = encoder(ids)
    assert x.shape == (2, 6, encoder.d_out)
    assert encoder.d_out == (D_ORIG if strategy == "full" else D_ORIG // 4)
    logits = model(x)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    aux = encoder.aux_loss()
    if aux is not None:
        loss = loss + aux
    loss.backward()
    assert model.input_proj.weight.grad is not None
    trained = [p for p in encoder.parameters() if p.grad is not None]
    # Staged autoencoders are frozen after stage 1; every other arm learns from the task.
    assert bool(trained) is (not encoder.needs_stage1)
    assert all(torch.isfinite(p.grad).all() for p in trained if p.grad is not None)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_counts_add_up_to_every_tensor_of_the_encoder(strategy: str) -> None:
    encoder = _build(strategy)
    counts = encoder.param_counts()
    everything = sum(p.numel() for p in encoder.parameters()) + sum(
        b.numel() for b in encoder.buffers() if b.is_floating_point()
    )
    assert counts["encoding"] + counts["training_only"] == everything
    assert encoder.encoding_bytes() == 4 * counts["encoding"]
    assert encoder.encoding_bytes(torch.bfloat16) == 2 * counts["encoding"]


def test_full_and_learned_store_their_embedding_only() -> None:
    full = _build("full")
    assert full.param_counts() == {"encoding": V * D_ORIG, "training_only": 0}
    for ratio in (1, 2, 4, 8):
        learned = _build("learned", ratio)
        assert learned.param_counts() == {"encoding": V * D_ORIG // ratio, "training_only": 0}


@pytest.mark.parametrize("strategy", AUTOENCODER_STRATEGIES)
def test_autoencoders_store_codes_and_train_with_table_and_both_halves(strategy: str) -> None:
    encoder = _build(strategy)
    assert isinstance(encoder, AutoencoderBase)
    weights = sum(p.numel() for p in encoder.parameters())
    assert encoder.param_counts() == {
        "encoding": encoder.codes.numel(),
        "training_only": encoder.table.numel() + weights,
    }
    assert encoder.codes.shape == (V, D_ORIG // 4)
    assert encoder.table.shape == (V, D_ORIG)
    # The encoding shrinks with the ratio; the source table does not.
    wider = build_encoder(_config(strategy, ratio=2), V)
    assert wider.param_counts()["encoding"] == 2 * encoder.param_counts()["encoding"]


def test_deep_autoencoder_layers_follow_the_config() -> None:
    encoder = build_encoder(_config("autoencoder-deep", ratio=8, ae_hidden=(12, 6)), V)
    assert isinstance(encoder, AutoencoderBase)
    widths = [m.out_features for m in encoder.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [12, 6, 2, 6, 12, 16]  # encoder, then decoder
    gelus = [m for m in encoder.modules() if isinstance(m, torch.nn.GELU)]
    assert len(gelus) == 4


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_same_seed_same_encoder_and_global_rng_untouched(strategy: str) -> None:
    state = torch.random.get_rng_state()
    a, b, c = _build(strategy, seed=3), _build(strategy, seed=3), _build(strategy, seed=4)
    assert torch.equal(torch.random.get_rng_state(), state)
    for (name, x), (_, y), (_, z) in zip(
        a.state_dict().items(), b.state_dict().items(), c.state_dict().items(), strict=True
    ):
        assert torch.equal(x, y), name
        if x.is_floating_point() and x.numel() > 1:
            assert not torch.equal(x, z), name


def test_onehot_table_is_padded_identity() -> None:
    cfg = EncoderConfig(strategy="autoencoder", d_orig=D_ORIG, ratio=4, source_table="onehot")
    encoder = build_encoder(cfg, V)
    assert isinstance(encoder, AutoencoderBase)
    expected = torch.zeros(V, D_ORIG)
    expected[:, :V] = torch.eye(V)
    assert torch.equal(encoder.table, expected)


def test_random_table_is_standard_normal_and_seeded() -> None:
    cfg = EncoderConfig(strategy="autoencoder", d_orig=64, ratio=4, source_table="random")
    a, b = build_encoder(cfg, 64, seed=1), build_encoder(cfg, 64, seed=2)
    assert isinstance(a, AutoencoderBase)
    assert isinstance(b, AutoencoderBase)
    assert abs(float(a.table.mean())) < 0.1
    assert abs(float(a.table.std()) - 1.0) < 0.1
    assert not torch.equal(a.table, b.table)


def test_full_table_comes_from_the_full_arm_and_is_copied() -> None:
    full = build_encoder(EncoderConfig(strategy="full", d_orig=D_ORIG), V)
    assert isinstance(full, FullEncoder)
    cfg = EncoderConfig(strategy="autoencoder", d_orig=D_ORIG, ratio=4, source_table="full")
    encoder = build_encoder(cfg, V, full.source_table())
    assert isinstance(encoder, AutoencoderBase)
    assert torch.equal(encoder.table, full.embedding.weight)
    with torch.no_grad():
        full.embedding.weight.add_(1.0)
    assert not torch.equal(encoder.table, full.embedding.weight)


def test_full_and_learned_ignore_a_source_table() -> None:
    table = torch.zeros(V, D_ORIG)
    for strategy in ("full", "learned"):
        cfg = EncoderConfig(strategy=strategy, d_orig=D_ORIG, source_table="full")
        assert build_encoder(cfg, V, table).param_counts()["training_only"] == 0


def test_stage1_is_refused_by_unstaged_strategies() -> None:
    for strategy in ("full", "learned", "autoencoder-joint"):
        with pytest.raises(RuntimeError, match="no stage 1"):
            _build(strategy).stage1_fit()
