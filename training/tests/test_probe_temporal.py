"""The temporal probe: its arms change what they say, and the CLI runs."""
import json

import torch
import torch.nn.functional as F

from training import probe_temporal
from training.data import sources
from training.probe_temporal import Probe, he_init
from training.tests.test_data import photos


def _randomise_output(probe):
    torch.nn.init.normal_(probe.model.decoder.out.weight, std=0.1)


def test_true_flow_arm_feeds_the_pooled_true_flow_of_each_neighbour():
    torch.manual_seed(0)
    probe = Probe("true_flow", skips=True, he=False)
    flows = torch.randn(1, 5, 2, 32, 32)
    probe.flows = flows
    for _ in range(2):  # one window after another
        for i in (0, 1, 3, 4):
            (u,) = probe.model.flow_for(None, None)
            assert torch.equal(u, F.avg_pool2d(flows[:, i], 4) / 4)
    _randomise_output(probe)
    frames = torch.rand(1, 5, 3, 32, 32)
    with torch.no_grad():
        a, b = probe(frames, flows), probe(frames, flows + 2)
    assert (a - b).abs().max() > 1e-4  # the alignment uses them


def test_no_skips_decoder_ignores_the_skips():
    torch.manual_seed(0)
    probe = Probe("no_align", skips=False, he=False)
    _randomise_output(probe)
    x = torch.rand(1, 48, 8, 8)
    with torch.no_grad():
        a = probe.model.decoder(x, torch.rand(1, 12, 32, 32), torch.rand(1, 24, 16, 16))
        b = probe.model.decoder(x, torch.zeros(1, 12, 32, 32), torch.zeros(1, 24, 16, 16))
    assert torch.equal(a, b)
    assert not probe.model.arch.align


def test_he_init_keeps_the_zero_started_layers():
    torch.manual_seed(0)
    model = Probe("true_flow", skips=True, he=False).model
    he_init(model)
    assert model.decoder.out.weight.abs().max() == 0 and model.align.offset_head.conv3.weight.abs().max() == 0
    with torch.no_grad():
        m = model.encode(torch.rand(1, 3, 32, 32))[3]
    assert 0.4 < float(m.mean()) < 0.6  # the sharpness mask starts near one half


def test_cli(monkeypatch, capsys):
    monkeypatch.setattr(sources, "load_photos", lambda split: photos())
    probe_temporal.main(["--arm", "true_flow", "--he-init", "--no-skips", "--steps", "2", "--crop", "32",
                         "--eval-clips", "2", "--eval-size", "48", "--threads", "1"])
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["arm"] == "true_flow" and res["he_init"] and not res["skips"] and res["steps"] == 2
    assert res["all"]["frames"] <= 2 and set(res["sharp_neighbour"]) == {"frames", "psnr_in", "psnr_out",
                                                                         "psnr_out_centre_only"}


def test_frame_path_warps_the_window_by_the_arms_flow():
    from training.model import upsample_flow4
    from training.ops import warp

    torch.manual_seed(0)
    probe = Probe("true_flow", skips=True, he=False, frame_path=True)
    frames, flows = torch.rand(1, 5, 3, 32, 32), torch.randn(1, 5, 2, 32, 32)
    probe.flows = flows
    m = probe.model
    with torch.no_grad():
        _, _, st = m.restore([m.encode(frames[:, i]) for i in range(5)], return_stages=True)
    assert torch.equal(st["frames_warped"][:, 6:9], frames[:, 2])
    want = warp(frames[:, 0], upsample_flow4(F.avg_pool2d(flows[:, 0], 4) / 4))
    assert torch.allclose(st["frames_warped"][:, 0:3], want)
