"""PSNR over all pixels or over the kept ones."""
import pytest
import torch

from training.metrics import psnr


def test_psnr_over_kept_pixels():
    a = torch.zeros(3, 4, 6)
    b = a.clone()
    b[:, :, :3] = 0.1  # left half off by 0.1: MSE 0.01 there
    keep = torch.zeros(4, 6, dtype=torch.bool)
    assert psnr(a, b) == pytest.approx(10 * torch.log10(torch.tensor(1 / 0.005)).item())
    keep[:, 3:] = True
    assert psnr(a, b, keep) == 100.0  # only the untouched right half counts
    keep[:, :3] = True
    assert psnr(a, b, keep) == pytest.approx(psnr(a, b))
    keep[:, 3:] = False
    assert psnr(a, b, keep) == pytest.approx(20.0)
