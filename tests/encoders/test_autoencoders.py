"""Autoencoder arms: stage 1 learns, then freezes; the joint arm trains with the task."""

from __future__ import annotations

from typing import cast

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from genoenc.encoders import (
    AutoencoderBase,
    EncoderConfig,
    JointAutoencoderEncoder,
    StagedAutoencoder,
    TwoStageAutoencoderEncoder,
    VariationalAutoencoderEncoder,
    build_encoder,
)
from genoenc.models import ModelConfig, build_model

V = 32
D_ORIG = 16
STAGED = ("autoencoder", "autoencoder-deep", "autoencoder-vae", "autoencoder-twostage")


def _staged(strategy: str, steps: int = 300, **fields: object) -> StagedAutoencoder:
    cfg = EncoderConfig(
        strategy=strategy,
        d_orig=D_ORIG,
        ratio=4,
        source_table="random",
        stage1_steps=steps,
        **fields,  # type: ignore[arg-type]
    )
    encoder = build_encoder(cfg, V, seed=0)
    assert isinstance(encoder, StagedAutoencoder)
    return encoder


def _pca_mse(table: torch.Tensor, rank: int) -> float:
    """Least possible per-element MSE of an affine rank-``rank`` reconstruction."""
    singular = torch.linalg.svdvals(table - table.mean(dim=0))
    return float((singular[rank:] ** 2).sum() / table.numel())


@pytest.mark.parametrize("strategy", STAGED)
def test_stage1_reduces_reconstruction_error(strategy: str) -> None:
    encoder = _staged(strategy)
    stats = encoder.stage1_fit(generator=torch.Generator().manual_seed(0))
    assert stats["stage1_steps"] == 300
    phases = 2 if strategy == "autoencoder-twostage" else 1
    assert stats["stage1_rows_seen"] == V * 300 * phases
    assert stats["stage1_recon_mse"] < 0.6 * stats["stage1_recon_mse_initial"]
    assert stats["stage1_recon_mse"] == pytest.approx(float(encoder.recon_mse()))  # frozen
    assert 0.3 < stats["stage1_explained_variance"] < 1.0
    # No affine code of width d_c does better than PCA; the linear arms reach it.
    optimum = _pca_mse(encoder.table, D_ORIG // 4)
    if strategy == "autoencoder":
        assert stats["stage1_recon_mse"] == pytest.approx(optimum, rel=0.02)
    elif strategy != "autoencoder-deep":
        assert stats["stage1_recon_mse"] > optimum * 0.999


@pytest.mark.parametrize("strategy", STAGED)
def test_codes_are_frozen_after_stage1(strategy: str) -> None:
    encoder = _staged(strategy, steps=30)
    encoder.stage1_fit()
    assert encoder.frozen
    assert encoder.aux_loss() is None
    assert all(not p.requires_grad for p in encoder.parameters())
    assert torch.allclose(encoder.codes, encoder.encode(encoder.table))
    before = {k: v.clone() for k, v in encoder.state_dict().items()}

    torch.manual_seed(0)
    model = build_model(ModelConfig(d_model=16, n_layer=1, n_head=2), 4, V, context=8)
    params = [p for p in [*encoder.parameters(), *model.parameters()] if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=0.1)
    projection = model.input_proj.weight.detach().clone()
    ids = torch.randint(0, V, (2, 8))
    x = encoder(ids)
    assert not x.requires_grad
    loss = F.cross_entropy(model(x)[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    loss.backward()
    optimizer.step()
    for name, value in encoder.state_dict().items():
        assert torch.equal(value, before[name]), name
    assert not torch.equal(model.input_proj.weight, projection)  # the task model did learn

    with pytest.raises(RuntimeError, match="already done"):
        encoder.stage1_fit()


def test_a_checkpointed_arm_reloads_frozen() -> None:
    encoder = _staged("autoencoder", steps=20)
    encoder.stage1_fit()
    fresh = _staged("autoencoder", steps=20)
    assert not fresh.frozen
    assert fresh.aux_loss() is not None  # the stage-1 objective, while unfrozen
    fresh.load_state_dict(encoder.state_dict())
    assert fresh.frozen
    assert fresh.aux_loss() is None
    assert all(not p.requires_grad for p in fresh.parameters())
    assert torch.equal(fresh.codes, encoder.codes)


def test_vae_codes_are_the_posterior_means_and_kl_counts() -> None:
    encoder = _staged("autoencoder-vae", steps=50)
    assert isinstance(encoder, VariationalAutoencoderEncoder)
    mu, _ = encoder.posterior(encoder.table)
    assert torch.equal(encoder.codes, mu.detach())
    plain = _staged("autoencoder-vae", steps=50, vae_beta=0.0)
    heavy = _staged("autoencoder-vae", steps=50, vae_beta=10.0)
    # Same weights and sample; only the KL weight differs.
    light = plain.stage1_loss(torch.Generator().manual_seed(1))
    weighted = heavy.stage1_loss(torch.Generator().manual_seed(1))
    assert float(weighted.detach()) > float(light.detach())
    encoder.stage1_fit(generator=torch.Generator().manual_seed(0))
    mu, _ = encoder.posterior(encoder.table)
    assert torch.equal(encoder.codes, mu)


def test_twostage_trains_outer_then_inner() -> None:
    encoder = _staged("autoencoder-twostage", steps=100)
    assert isinstance(encoder, TwoStageAutoencoderEncoder)
    assert encoder.outer_encoder.out_features == 8  # sqrt(16 * 4)
    assert encoder.inner_encoder.out_features == 4
    outer, inner = encoder.stage1_phases()
    assert {id(p) for p in outer}.isdisjoint(id(p) for p in inner)
    assert len(outer) + len(inner) == len(list(encoder.parameters()))
    encoder.stage1_fit()
    mid = encoder.outer_encoder(encoder.table)
    assert torch.allclose(encoder.codes, encoder.inner_encoder(mid))


def _joint(joint_lambda: float = 0.5) -> JointAutoencoderEncoder:
    cfg = EncoderConfig(
        strategy="autoencoder-joint",
        d_orig=D_ORIG,
        ratio=4,
        source_table="random",
        joint_lambda=joint_lambda,
    )
    encoder = build_encoder(cfg, V, seed=0)
    assert isinstance(encoder, JointAutoencoderEncoder)
    return encoder


def _layers(encoder: JointAutoencoderEncoder) -> tuple[nn.Linear, nn.Linear]:
    """The joint autoencoder's encoder and decoder (typed ``nn.Module`` on the base class)."""
    return cast(nn.Linear, encoder.encoder), cast(nn.Linear, encoder.decoder)


def test_joint_aux_loss_is_weighted_reconstruction_with_gradient_into_both_halves() -> None:
    encoder = _joint(0.5)
    assert not encoder.needs_stage1
    aux = encoder.aux_loss()
    assert float(aux.detach()) == pytest.approx(0.5 * float(encoder.recon_mse().detach()))
    aux.backward()
    for layer in _layers(encoder):
        assert layer.weight.grad is not None
        assert float(layer.weight.grad.abs().sum()) > 0


def test_joint_task_gradient_reaches_the_encoder_only() -> None:
    encoder = _joint()
    ids = torch.randint(0, V, (2, 5))
    encoder(ids).pow(2).sum().backward()
    first, second = _layers(encoder)
    assert first.weight.grad is not None
    assert float(first.weight.grad.abs().sum()) > 0
    assert second.weight.grad is None


def test_joint_eval_uses_the_materialised_codes_of_the_current_encoder() -> None:
    encoder = _joint()
    ids = torch.randint(0, V, (3, 7))
    optimizer = torch.optim.SGD(encoder.parameters(), lr=0.5)
    encoder(ids).sum().backward()
    optimizer.step()
    trained = encoder(ids).detach()
    assert not torch.equal(encoder.codes, encoder.encode(encoder.table))  # stale until eval
    encoder.eval()
    assert torch.equal(encoder.codes, encoder.encode(encoder.table))
    assert torch.equal(encoder(ids), trained)


def test_joint_reload_refreshes_codes() -> None:
    encoder = _joint()
    with torch.no_grad():
        _layers(encoder)[0].weight.mul_(2.0)  # codes are now stale in the state dict
    fresh = _joint()
    fresh.load_state_dict(encoder.state_dict())
    assert torch.equal(fresh.codes, fresh.encode(fresh.table))
    assert isinstance(fresh, AutoencoderBase)
