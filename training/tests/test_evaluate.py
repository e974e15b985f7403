"""The evaluation CLI on a tiny clips folder written here."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training import export
from training.clips import window_indices
from training.evaluate import _bands
from training.data.make_dev import save_png
from training.model import Arch, UnblurNet

REPO = Path(__file__).resolve().parents[2]


def test_window_repeats_ends():
    assert window_indices(0, 10) == [0, 0, 0, 1, 2]
    assert window_indices(9, 10) == [7, 8, 9, 9, 9]
    assert window_indices(1, 3) == [0, 0, 1, 2, 2]


def test_passes_average_the_mirrored_restorations():
    from training.clips import restore_clip
    torch.manual_seed(0)
    m = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8)).eval()
    torch.nn.init.normal_(m.decoder.out.weight, std=0.1)  # not the identity, and not mirror-symmetric
    blur = torch.rand(3, 3, 18, 22)
    one = restore_clip(m, blur)
    turned = restore_clip(m, blur.flip(-1).flip(-2)).flip(-1).flip(-2)
    lr = restore_clip(m, blur.flip(-1)).flip(-1)
    ud = restore_clip(m, blur.flip(-2)).flip(-2)
    assert not torch.allclose(one, turned, atol=1e-4)
    assert torch.allclose(restore_clip(m, blur, passes=2), (one + turned) / 2, atol=1e-6)
    assert torch.allclose(restore_clip(m, blur, passes=4), (one + turned + lr + ud) / 4, atol=1e-6)
    assert torch.equal(restore_clip(m, blur, [1], passes=2), restore_clip(m, blur, passes=2)[1:2])
    with pytest.raises(ValueError, match="passes"):
        restore_clip(m, blur, passes=3)


def test_evaluate_cli(tmp_path):
    torch.manual_seed(0)
    for c in ("a", "b"):
        for part in ("blur", "sharp"):
            (tmp_path / "clips" / c / part).mkdir(parents=True)
        for t in range(3):
            sharp = torch.rand(3, 20, 24)
            save_png(sharp, tmp_path / "clips" / c / "sharp" / f"{t:04d}.png")
            save_png((sharp + 0.05).clamp(0, 1), tmp_path / "clips" / c / "blur" / f"{t:04d}.png")
    export.export(UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8)), "tiny", tmp_path / "model")
    out = subprocess.run([sys.executable, "-m", "training.evaluate", "--model", str(tmp_path / "model"),
                          "--clips", str(tmp_path / "clips"), "--json"], cwd=REPO, capture_output=True, text=True,
                         check=True)
    res = json.loads(out.stdout)
    assert res["frames"] == 6 and res["passes"] == 1 and set(res["clips"]) == {"a", "b"}
    # an untrained model starts as the identity: output == input
    assert abs(res["psnr_out"] - res["psnr_in"]) < 1e-6
    assert 20 < res["psnr_in"] < 30
    assert res["blurriest_third"]["frames"] == 2
    # every frame lands in exactly one band, the band its input PSNR names
    bands = res["by_input_psnr"]
    assert sum(b["frames"] for b in bands) == 6
    assert sum(b["frames"] * b["psnr_in"] for b in bands) / 6 == pytest.approx(res["psnr_in"])
    for b in bands:
        lo, hi = _band_limits(b["band"])
        assert lo <= b["psnr_in"] < hi


def _band_limits(name):
    if name.startswith("<"):
        return float("-inf"), float(name[1:])
    if name.startswith(">="):
        return float(name[2:]), float("inf")
    lo, hi = name.split("-")
    return float(lo), float(hi)


def test_bands_split_by_input_psnr():
    rows = [{"psnr_in": v, "psnr_out": v + 1, "ssim_in": 0.5, "ssim_out": 0.6} for v in (20.0, 23.9, 24.0, 35.0, 41.0)]
    bands = {b["band"]: b for b in _bands(rows)}
    assert {k: b["frames"] for k, b in bands.items()} == {"<24": 2, "24-27": 1, "33-36": 1, ">=40": 1}
    assert bands["<24"]["psnr_in"] == pytest.approx(21.95) and bands["<24"]["psnr_out"] == pytest.approx(22.95)
