"""The sharp-neighbour oracle: neighbour choice, warp measurement, CLI."""
import json
import subprocess
import sys
from pathlib import Path

import torch

from training import export
from training.data.make_dev import save_png
from training.model import Arch, UnblurNet
from training.neighbour_oracle import centre_only, dev_all_report, inside, measure, model_flow, sharpest_neighbour

REPO = Path(__file__).resolve().parents[2]


def test_sharpest_neighbour():
    assert sharpest_neighbour([20, 30, 22, 25, 40], 2) == 4
    assert sharpest_neighbour([20, 30, 26, 25, 30], 2) is None  # 4 dB is not enough
    # at a clip end the window repeats frame 0: its only other frames are 1 and 2
    assert sharpest_neighbour([20, 24, 26, 50, 50], 0) == 2
    assert sharpest_neighbour([30], 0) is None


def test_measure_warps_the_neighbour_onto_the_centre():
    torch.manual_seed(0)
    sharp = torch.rand(3, 24, 32)
    # the neighbour shows the centre moved by (dx, dy) = (3, 2): pixel p of the
    # centre is found at p + (3, 2) there, so U = (3, 2) everywhere
    nbr = torch.roll(sharp, shifts=(2, 3), dims=(-2, -1))
    blur = (sharp + 0.1).clamp(0, 1)
    true = torch.tensor([3.0, 2.0])[:, None, None].expand(2, 24, 32)
    wrong = torch.tensor([1.0, 2.0])[:, None, None].expand(2, 24, 32)
    row = measure(blur, sharp, {"out": sharp}, nbr, {"true": true, "wrong": wrong})
    assert row["warp_true"] > 100  # exact on every pixel kept, up to float rounding
    assert row["warp_wrong"] < 15
    assert row["psnr_out"] == 100.0 and 19 < row["psnr_in"] < 21
    keep = inside(true)
    assert keep[:22, :29].all() and not keep[22:].any() and not keep[:, 29:].any()
    # too little left inside: no measurement
    assert measure(blur, sharp, {"out": sharp}, nbr, {"far": true * 10}) is None


def test_model_flow_and_centre_only():
    torch.manual_seed(0)
    model = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8))
    u = model_flow(model, torch.rand(3, 20, 24), torch.rand(3, 20, 24))
    assert u.shape == (2, 20, 24) and torch.isfinite(u).all()
    # give the untrained decoder an output layer, so neighbours change the result
    last = [m for m in model.decoder.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    torch.nn.init.normal_(last.weight, std=0.1)
    frames = torch.rand(5, 3, 20, 24)
    alone = centre_only(model, frames[2])
    with torch.no_grad():
        copies = model(frames[2].expand(1, 5, 3, 20, 24))[0][0].clamp(0, 1)
        with_nbrs = model(frames[None])[0][0].clamp(0, 1)
    assert torch.equal(alone, copies) and alone.shape == (3, 20, 24)
    assert (alone - with_nbrs).abs().max() > 1e-3


def test_cli_on_dev_clips(tmp_path):
    torch.manual_seed(0)
    clip = tmp_path / "clips" / "a"
    for part in ("blur", "sharp"):
        (clip / part).mkdir(parents=True)
    # frame 2 is the blurriest, frame 0 the next (its window, 0 0 0 1 2, has no
    # frame 5 dB sharper) and frame 3 is sharp
    for t, err in enumerate([0.06, 0.05, 0.2, 0.0, 0.05, 0.05]):
        sharp = torch.rand(3, 20, 24)
        save_png(sharp, clip / "sharp" / f"{t:04d}.png")
        save_png((sharp + err).clamp(0, 1), clip / "blur" / f"{t:04d}.png")
    export.export(UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8)), "tiny", tmp_path / "model")
    out = subprocess.run([sys.executable, "-m", "training.neighbour_oracle", "--model", str(tmp_path / "model"),
                          "--clips", str(tmp_path / "clips"), "--all-frames"],
                         cwd=REPO, capture_output=True, text=True, check=True)
    res = json.loads(out.stdout)
    dev, dev_all = res["dev"], res["dev_all"]
    assert dev_all["frames"] == 6 and abs(dev_all["psnr_out"] - dev_all["psnr_in"]) < 1e-6
    assert abs(dev_all["psnr_out_centre_only"] - dev_all["psnr_in"]) < 1e-6
    # the blurriest third is frames 2 and 0; only frame 2 has a sharp neighbour
    assert dev["frames"] == 1
    assert 13 < dev["psnr_in"] < 15
    # an untrained model is the identity, whatever the window holds
    assert abs(dev["psnr_out"] - dev["psnr_in"]) < 1e-6 and abs(dev["psnr_out_centre_only"] - dev["psnr_in"]) < 1e-6
    assert dev["warp_model_flow"] < dev["psnr_in"]  # unrelated random frames
    assert 0 < dev["mask_mean"] < 1
    # a model that is not the identity: its output depends on the neighbours
    m = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8)).eval()
    torch.nn.init.normal_(m.decoder.out.weight, std=0.1)
    r = dev_all_report(m, tmp_path / "clips")
    assert r["frames"] == 6 and r["psnr_out"] != r["psnr_out_centre_only"] and r["psnr_out"] != r["psnr_in"]
