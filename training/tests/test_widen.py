"""Widening c (training/widen.py): the wider model computes what the trained
one did, the copies' gradients differ so training can pull them apart, and
init_from grows a checkpoint into a wider model."""
import pytest
import torch

from training.model import Arch, UnblurNet
from training.tests.test_train import save_weights
from training.widen import widen_c


def _trained_like(arch: Arch) -> UnblurNet:
    torch.manual_seed(0)
    m = UnblurNet(arch)
    for p in m.parameters():  # the zero-initialised layers too, so every path counts
        torch.nn.init.normal_(p, std=0.15)
    return m


@pytest.mark.parametrize("m", [2, 3])
def test_widened_model_computes_the_same_output(m):
    arch = Arch(c1=4, c2=6, c=8, flow_width=8, frame_path=True)
    src = _trained_like(arch).eval()
    state, wide = widen_c(src.state_dict(), arch, 8 * m, seed=1)
    assert wide == Arch(c1=4, c2=6, c=8 * m, flow_width=8, frame_path=True)
    dst = UnblurNet(wide).eval()
    dst.load_state_dict(state)  # strict: every tensor has the wider model's shape
    x = torch.rand(2, 5, 3, 16, 32)
    with torch.no_grad():
        (a, fa), (b, fb) = src(x), dst(x)
        assert (a - x[:, 2]).abs().max() > 0.05  # the output is not just the input
    assert torch.allclose(a, b, atol=1e-5)
    for pa, pb in zip(fa, fb):  # the flows, from the correlation of the widened features
        for ua, ub in zip(pa, pb):
            assert torch.allclose(ua, ub, atol=1e-5)
    # The mask head's hidden layer and F really are m times wider.
    assert dst.align.mask_head[0].weight.shape == (4 * m, 8 * m, 3, 3)
    assert dst.encoder.stage3.conv.weight.shape == (8 * m, 6, 3, 3)


def _copy_grad_gap(spread: float) -> float:
    arch = Arch(c1=4, c2=6, c=8, flow_width=8)
    state, wide = widen_c(_trained_like(arch).state_dict(), arch, 16, seed=2, spread=spread)
    dst = UnblurNet(wide)
    dst.load_state_dict(state)
    out, _ = dst(torch.rand(1, 5, 3, 16, 16))
    out.square().mean().backward()
    g = dst.encoder.stage3.conv.weight.grad
    return float((g[:8] - g[8:]).abs().max() / g.abs().max())


def test_random_shares_let_the_copies_learn_apart():
    assert _copy_grad_gap(0.5) > 1e-2  # copies of a channel get different gradients
    assert _copy_grad_gap(0.0) < 1e-5  # equal halves: they would stay copies forever


def test_widen_refuses_other_widths():
    arch = Arch(c1=4, c2=6, c=8, flow_width=8)
    with pytest.raises(ValueError, match="multiple"):
        widen_c(UnblurNet(arch).state_dict(), arch, 12)


def test_init_from_grows_a_checkpoint_into_the_wider_model(tmp_path):
    from training.train import PRESETS, init_from
    src = _trained_like(Arch(c1=4, c2=6, c=8, flow_width=8))
    path = save_weights(src, tmp_path / "ck.pt", 7)
    grown = UnblurNet(Arch(c1=4, c2=6, c=16, flow_width=8, frame_path=True))  # wider, and the frame path
    init_from(grown, path, seed=3)
    x = torch.rand(1, 5, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(grown(x)[0], src(x)[0], atol=1e-5)
    assert PRESETS["wide"] == {**PRESETS["base"], "c": 2 * PRESETS["base"]["c"]}
