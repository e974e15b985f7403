"""Each operator against small cases computed by hand, plus randomized checks
of the fast paths against the plain definitions."""
import math

import pytest
import torch

from training import ops


def t(rows):
    return torch.tensor(rows, dtype=torch.float32)


def test_warp_by_hand():
    x = t([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).view(1, 1, 3, 3)
    flow = torch.zeros(1, 2, 3, 3)
    flow[0, 0] = 0.5  # dx: half a column to the right
    flow[0, 1, 1, 1] = -1.0  # centre pixel also one row up
    out = ops.warp(x, flow)[0, 0]
    # row 0: (1+2)/2, (2+3)/2, 3*0.5 (right neighbour outside contributes 0)
    assert out[0].tolist() == pytest.approx([1.5, 2.5, 1.5])
    # centre: x(row 0, col 1.5) = (2+3)/2
    assert float(out[1, 1]) == pytest.approx(2.5)
    assert out[2].tolist() == pytest.approx([7.5, 8.5, 4.5])


def test_warp_far_outside_is_zero_and_integer_shift_exact():
    x = torch.randn(2, 3, 5, 7)
    flow = torch.zeros(2, 2, 5, 7)
    flow[:, 0] = 100.0
    assert ops.warp(x, flow).abs().max() == 0
    flow = torch.zeros(2, 2, 5, 7)
    flow[:, 1] = 1.0
    out = ops.warp(x, flow)
    assert torch.allclose(out[:, :, :-1], x[:, :, 1:])
    assert out[:, :, -1].abs().max() == 0


def test_warp_one_pixel_wide_map():
    x = t([[2.0], [4.0]]).view(1, 1, 2, 1)
    flow = torch.zeros(1, 2, 2, 1)
    flow[0, 0] = 0.25  # a quarter pixel right: the missing neighbour is outside
    assert ops.warp(x, flow)[0, 0, :, 0].tolist() == pytest.approx([1.5, 3.0])


def test_correlation_by_hand():
    a = t([[1, 0, 0], [0, 2, 0], [0, 0, 0]]).view(1, 1, 3, 3)
    b = t([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).view(1, 1, 3, 3)
    cv = ops.correlation(a, b, 1)
    assert cv.shape == (1, 9, 3, 3)
    # centre p=(1,1): a=2, b(p + (dy,dx)) row-major over the 3x3 neighbourhood
    assert cv[0, :, 1, 1].tolist() == pytest.approx([2, 4, 6, 8, 10, 12, 14, 16, 18])
    # corner p=(0,0): a=1; neighbours above/left are outside -> 0
    assert cv[0, :, 0, 0].tolist() == pytest.approx([0, 0, 0, 0, 1, 2, 0, 4, 5])


def test_correlation_mean_over_channels():
    a = torch.ones(1, 4, 2, 2)
    b = torch.full((1, 4, 2, 2), 3.0)
    assert float(ops.correlation(a, b, 0)[0, 0, 0, 0]) == pytest.approx(3.0)


def test_dcn_align_by_hand():
    # One channel in, one out; weight only on the centre tap (k=4) = 2, bias 0.5.
    x = t([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).view(1, 1, 3, 3)
    mask = t([[1, 1, 1], [1, 0.5, 1], [1, 1, 0]]).view(1, 1, 3, 3)
    w = torch.zeros(1, 1, 3, 3)
    w[0, 0, 1, 1] = 2.0
    b = t([0.5])
    off = torch.zeros(1, 18, 3, 3)
    off[0, 8, 1, 1] = 0.5  # centre tap of pixel (1,1) moves half a row down
    off[0, 9, 1, 1] = 0.5  # and half a column right: samples (1.5, 1.5)
    out = ops.dcn_align_plain(x, mask, off, w, b)[0, 0]
    # x(1.5,1.5) = (5+6+8+9)/4 = 7; mask(1.5,1.5) = (0.5+1+1+0)/4 = 0.625
    assert float(out[1, 1]) == pytest.approx(2 * 7 * 0.625 + 0.5)
    # other pixels: centre tap unmoved: 2 * x * mask + 0.5
    assert float(out[0, 0]) == pytest.approx(2 * 1 * 1 + 0.5)
    assert float(out[2, 2]) == pytest.approx(0.5)


def test_dcn_align_zero_offset_is_a_conv_of_masked_input():
    torch.manual_seed(0)
    x, m = torch.randn(2, 5, 6, 7), torch.rand(2, 1, 6, 7)
    w, b = torch.randn(3, 5, 3, 3), torch.randn(3)
    out = ops.dcn_align_plain(x, m, torch.zeros(2, 18, 6, 7), w, b)
    ref = torch.nn.functional.conv2d(x * m, w, b, padding=1)
    assert torch.allclose(out, ref, atol=1e-5)


@pytest.mark.skipif(ops._tv_deform_conv2d is None, reason="torchvision missing")
def test_dcn_align_torchvision_equals_plain():
    torch.manual_seed(1)
    x, m = torch.randn(2, 5, 7, 9), torch.rand(2, 1, 7, 9)
    m[0, 0, :3] = 0
    m[1] = 1
    off = torch.randn(2, 18, 7, 9) * 3
    off[:, :, 0, 0] = 40.0  # far outside
    off[:, :, 1, 1] = torch.round(off[:, :, 1, 1])  # integer displacements
    w, b = torch.randn(4, 5, 3, 3), torch.randn(4)
    a = ops.dcn_align_plain(x, m, off, w, b)
    c = ops.dcn_align_torchvision(x, m, off, w, b)
    assert torch.allclose(a, c, atol=1e-4)


def test_dlfl_by_hand():
    # N=2 frames, one channel, 3x3, k=3.
    a = torch.stack([torch.ones(1, 3, 3), torch.full((1, 3, 3), 2.0)]).unsqueeze(0)  # (1,2,1,3,3)
    m = torch.stack([torch.full((1, 3, 3), 0.5), torch.zeros(1, 3, 3)]).unsqueeze(0)
    m[0, 1, 0, 1, 1] = 1.0  # frame 1 trusted at the centre only
    q = ops.dlfl(a, m, 3)[0, 0]
    # per pixel sum over frames: 0.5 everywhere + 2 at the centre; box 3x3 sum:
    # centre sees 9 * 0.5 + 2; corner sees 4 * 0.5 + 2; edge sees 6 * 0.5 + 2
    assert float(q[1, 1]) == pytest.approx(6.5)
    assert float(q[0, 0]) == pytest.approx(4.0)
    assert float(q[0, 1]) == pytest.approx(5.0)
    assert torch.allclose(ops.dlfl(a, m, 1)[0, 0], (a * m).sum(1)[0, 0])


def test_dlfl_equals_definition_randomized():
    torch.manual_seed(2)
    a, m = torch.randn(1, 5, 3, 6, 5), torch.rand(1, 5, 1, 6, 5)
    for k in (3, 5):
        r = (k - 1) // 2
        ref = torch.zeros(1, 3, 6, 5)
        for y in range(6):
            for x in range(5):
                for d in range(5):
                    for n in range(-r, r + 1):
                        for mm in range(-r, r + 1):
                            yy, xx = y + n, x + mm
                            if 0 <= yy < 6 and 0 <= xx < 5:
                                ref[0, :, y, x] += a[0, d, :, yy, xx] * m[0, d, 0, yy, xx]
        assert torch.allclose(ops.dlfl(a, m, k), ref, atol=1e-5)


def test_sample_matches_bilinear_definition():
    torch.manual_seed(3)
    x = torch.randn(1, 2, 4, 5)
    py = torch.tensor([[[-0.5, 0.25, 3.5, 2.0]]])
    px = torch.tensor([[[0.0, 4.5, 1.25, -1.0]]])
    out = ops.sample(x, py, px)[0]
    for j in range(4):
        y, xx = float(py[0, 0, j]), float(px[0, 0, j])
        y0, x0 = math.floor(y), math.floor(xx)
        ref = torch.zeros(2)
        for dy in (0, 1):
            for dx in (0, 1):
                yy, xc = y0 + dy, x0 + dx
                wgt = (1 - abs(y - yy)) * (1 - abs(xx - xc))
                if 0 <= yy < 4 and 0 <= xc < 5:
                    ref += wgt * x[0, :, yy, xc]
        assert torch.allclose(out[:, 0, j], ref, atol=1e-6)
