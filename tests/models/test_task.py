"""The task model: causality, shapes, counts, init, config checks."""

from __future__ import annotations

import math

import pytest
import torch

from genoenc.errors import ConfigError
from genoenc.models import ARCHS, ModelConfig, TaskModel, build_model

V_TARGET = 8


def _model(arch: str, d_in: int = 4, seed: int = 0, **fields: object) -> TaskModel:
    cfg = ModelConfig(
        arch=arch,
        d_model=16,
        n_layer=2,
        n_head=2,
        **fields,  # type: ignore[arg-type]
    )
    torch.manual_seed(seed)
    return build_model(cfg, d_in, V_TARGET, context=12)


@pytest.mark.parametrize("arch", ARCHS)
def test_shapes(arch: str) -> None:
    model = _model(arch, d_in=5)
    assert model(torch.randn(3, 12, 5)).shape == (3, 12, V_TARGET)
    assert model(torch.randn(1, 1, 5)).shape == (1, 1, V_TARGET)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("t", [0, 5, 11])
def test_changing_position_t_never_changes_earlier_outputs(arch: str, t: int) -> None:
    model = _model(arch).eval()
    x = torch.randn(2, 12, 4)
    y = x.clone()
    y[:, t] += torch.randn(2, 4)
    with torch.no_grad():
        before, after = model(x), model(y)
    assert torch.equal(before[:, :t], after[:, :t])
    assert not torch.allclose(before[:, t], after[:, t])


@pytest.mark.parametrize("arch", ARCHS)
def test_longer_than_context_is_refused(arch: str) -> None:
    with pytest.raises(ValueError, match="longer than the model context 12"):
        _model(arch)(torch.randn(1, 13, 4))


@pytest.mark.parametrize("arch", ARCHS)
def test_counts_come_from_the_modules(arch: str) -> None:
    model = _model(arch, d_in=4)
    counts = model.param_counts()
    assert counts["input_projection"] == 4 * 16 + 16
    assert counts["head"] == 16 * V_TARGET + V_TARGET
    assert counts["total"] == model.param_count() == sum(p.numel() for p in model.parameters())
    assert counts["input_projection"] + counts["body"] + counts["head"] == counts["total"]
    # Arms differ only in the input projection: d_in rows of d_model weights each.
    wider = _model(arch, d_in=16)
    assert wider.param_count() - model.param_count() == (16 - 4) * 16
    assert wider.param_counts()["body"] == counts["body"]


def test_transformer_parts() -> None:
    model = _model("transformer", d_ff=24)
    assert model.body.head_size == 16 // 2  # rotary: no table
    fc = [m for n, m in model.named_modules() if n.endswith("mlp.c_fc")]
    assert len(fc) == 2
    assert all(isinstance(m, torch.nn.Linear) and m.out_features == 24 for m in fc)
    assert ModelConfig(d_model=16).ff_width == 64


@pytest.mark.parametrize("arch", ARCHS)
def test_init_is_deterministic_given_the_seed(arch: str) -> None:
    a, b, c = _model(arch, seed=1), _model(arch, seed=1), _model(arch, seed=2)
    for (name, x), (_, y), (_, z) in zip(
        a.state_dict().items(), b.state_dict().items(), c.state_dict().items(), strict=True
    ):
        assert torch.equal(x, y), name
        if "bias" not in name and "ln" not in name:
            assert not torch.equal(x, z), name


def test_nanogpt_init_scales_residual_projections() -> None:
    cfg = ModelConfig(d_model=128, n_layer=4, n_head=4)
    torch.manual_seed(0)
    model = build_model(cfg, 128, V_TARGET, context=8)
    for name, param in model.named_parameters():
        if name.endswith("c_proj.weight"):
            expected = 0.02 / math.sqrt(2 * cfg.n_layer)
        elif name.endswith("weight") and param.dim() == 2:
            expected = 0.02
        elif name.endswith("bias") and "ln" not in name:
            assert torch.count_nonzero(param) == 0, name
            continue
        else:
            continue
        assert float(param.detach().std()) == pytest.approx(expected, rel=0.1), name


def test_dropout_is_active_only_in_training() -> None:
    model = _model("transformer", dropout=0.5)
    x = torch.randn(2, 12, 4)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


def test_single_layer_lstm_with_dropout_builds_without_warning() -> None:
    cfg = ModelConfig(arch="lstm", d_model=8, n_layer=1, dropout=0.1)
    assert build_model(cfg, 2, V_TARGET, context=4)(torch.randn(1, 4, 2)).shape == (1, 4, V_TARGET)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"arch": "mamba"}, "model.arch"),
        ({"d_model": 0}, "model.d_model"),
        ({"n_layer": 0}, "model.n_layer"),
        ({"n_head": 3}, r"model.n_head must divide model.d_model \(64 / 3\)"),
        ({"d_ff": 0}, "model.d_ff"),
        ({"dropout": 1.0}, "model.dropout"),
    ],
)
def test_bad_fields_raise_config_error_naming_the_field(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        ModelConfig(**fields)  # type: ignore[arg-type]


def test_lstm_does_not_need_heads_to_divide_width() -> None:
    assert ModelConfig(arch="lstm", d_model=10, n_head=3).n_head == 3
