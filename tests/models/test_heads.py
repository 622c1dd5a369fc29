"""The chain head: a proper distribution over k-mers whose nats match its log-probabilities."""

from __future__ import annotations

import pytest
import torch

from genoenc.errors import ConfigError
from genoenc.models import ModelConfig, build_model
from genoenc.models.heads import ChainHead


@pytest.mark.parametrize("k", [2, 3])
def test_chain_head_is_a_distribution_over_every_target(k: int) -> None:
    torch.manual_seed(0)
    head = ChainHead(16, k)
    h = torch.randn(2, 5, 16)
    log_probs = head.log_probs(h)
    assert log_probs.shape == (2, 5, 4**k + 4)
    torch.testing.assert_close(log_probs.logsumexp(-1), torch.zeros(2, 5), atol=1e-5, rtol=0)
    # nats of every target id equal -log p from the enumeration (chain rule is exact).
    for target in [0, 1, 4**k - 1, 4**k + 2, 7 % 4**k]:
        y = torch.full((2, 5), target)
        torch.testing.assert_close(head.nats(h, y), -log_probs[..., target], atol=1e-5, rtol=0)
    # Greedy decoding: the first symbol is the exact argmax of the first step's marginal.
    predicted = head.predict(h)
    first_marginal = torch.cat(
        [log_probs[..., : 4**k].view(2, 5, 4, -1).logsumexp(-1), log_probs[..., 4**k :]], -1
    )
    first = torch.where(predicted < 4**k, predicted // 4 ** (k - 1), predicted - 4**k + 4)
    assert torch.equal(first, first_marginal.argmax(-1))


def test_kmer_ids_are_read_first_base_most_significant() -> None:
    head = ChainHead(8, 3)
    # G A T = 3, 0, 1 -> 3*16 + 0*4 + 1 = 49
    assert head._bases(torch.tensor([49])).tolist() == [[3, 0, 1]]


def test_head_choice() -> None:
    cfg = ModelConfig(d_model=16, n_layer=1, n_head=2)
    assert isinstance(build_model(cfg, 4, 4**3 + 4, target_k=3, context=8).head, torch.nn.Linear)
    chain3 = ModelConfig(d_model=16, n_layer=1, n_head=2, head="chain")
    assert isinstance(build_model(chain3, 4, 4**3 + 4, target_k=3, context=8).head, ChainHead)
    chain = ModelConfig(d_model=16, n_layer=1, n_head=2, head="chain")
    with pytest.raises(ConfigError, match=r"model\.head chain"):
        build_model(chain, 4, 8, context=8)


def test_chain_model_is_causal_and_trains() -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(d_model=16, n_layer=1, n_head=2, head="chain")
    model = build_model(cfg, 4, 4**2 + 4, target_k=2, context=8)
    x = torch.randn(1, 8, 4)
    y = torch.randint(0, 16, (1, 8))
    base = model(x, y).detach()
    changed = x.clone()
    changed[0, 5:] += 1.0
    torch.testing.assert_close(model(changed, y)[0, :5], base[0, :5])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(50):
        loss = model(x, y).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert model(x, y).mean().item() < base.mean().item() / 2
