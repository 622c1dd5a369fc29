"""EncoderConfig checks and build-time errors: each names the offending field."""

from __future__ import annotations

import pytest
import torch

from genoenc.encoders import STRATEGIES, EncoderConfig, build_encoder, needs_source_table
from genoenc.errors import ConfigError


def test_defaults_and_derived_widths() -> None:
    cfg = EncoderConfig()
    assert (cfg.strategy, cfg.d_orig, cfg.ratio, cfg.d_c) == ("learned", 64, 4, 16)
    assert EncoderConfig(strategy="autoencoder-twostage", d_orig=64, ratio=4).d_mid == 32
    assert EncoderConfig(strategy="autoencoder-twostage", ratio=4, ae_mid=48).d_mid == 48
    assert EncoderConfig(strategy="autoencoder-deep", d_orig=8, ratio=1).d_hidden == (8,)
    assert EncoderConfig(strategy="autoencoder-deep", ae_hidden=(40, 24)).d_hidden == (40, 24)


def test_full_records_ratio_one() -> None:
    cfg = EncoderConfig(strategy="full", d_orig=64, ratio=3)
    assert cfg.ratio == 1
    assert cfg.d_c == 64


def test_lists_become_tuples_so_the_config_stays_hashable() -> None:
    cfg = EncoderConfig(strategy="autoencoder-deep", ae_hidden=[32])  # type: ignore[arg-type]
    assert cfg.ae_hidden == (32,)
    assert hash(cfg) == hash(EncoderConfig(strategy="autoencoder-deep", ae_hidden=(32,)))


def test_ratio_must_divide_d_orig() -> None:
    with pytest.raises(ConfigError) as info:
        EncoderConfig(strategy="learned", d_orig=64, ratio=3)
    assert str(info.value) == "encoder.ratio must divide encoder.d_orig (64 / 3)"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"strategy": "pca"}, "encoder.strategy"),
        ({"ratio": 0}, "encoder.ratio"),
        ({"ratio": 2.0}, "encoder.ratio"),
        ({"ratio": True}, "encoder.ratio"),
        ({"d_orig": 0}, "encoder.d_orig"),
        ({"source_table": "glove"}, "encoder.source_table"),
        ({"ae_hidden": (8, 0)}, "encoder.ae_hidden"),
        ({"ae_mid": 80}, "encoder.ae_mid"),
        ({"ae_mid": 8}, "encoder.ae_mid"),
        ({"vae_beta": -1.0}, "encoder.vae_beta"),
        ({"joint_lambda": float("nan")}, "encoder.joint_lambda"),
        ({"stage1_steps": -1}, "encoder.stage1_steps"),
        ({"stage1_lr": 0.0}, "encoder.stage1_lr"),
    ],
)
def test_bad_fields_raise_config_error_naming_the_field(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        EncoderConfig(**fields)  # type: ignore[arg-type]


def test_unknown_strategy_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        EncoderConfig(strategy="pca")
    assert "'pca'" in str(info.value)
    assert all(name in str(info.value) for name in STRATEGIES)


def test_onehot_needs_d_orig_at_least_vocab_size() -> None:
    cfg = EncoderConfig(strategy="autoencoder", d_orig=4, ratio=2, source_table="onehot")
    with pytest.raises(ConfigError, match=r"encoder\.d_orig must be at least .* \(8\)"):
        build_encoder(cfg, 8)


def test_full_source_table_must_be_given_with_the_right_shape() -> None:
    cfg = EncoderConfig(strategy="autoencoder", d_orig=16, ratio=4, source_table="full")
    assert needs_source_table(cfg)
    with pytest.raises(ConfigError, match=r"encoder\.source_table"):
        build_encoder(cfg, 8)
    with pytest.raises(ConfigError, match=r"8x32 .* 8x16"):
        build_encoder(cfg, 8, torch.zeros(8, 32))


def test_table_given_for_a_self_made_source_is_a_bug() -> None:
    cfg = EncoderConfig(strategy="autoencoder", d_orig=16, ratio=4, source_table="random")
    with pytest.raises(ValueError, match="random"):
        build_encoder(cfg, 8, torch.zeros(8, 16))
