"""Shapes and gradient flow of the whole network, its ablations, the export
round trip, and the layout changes the browser relies on."""
import json

import numpy as np
import pytest
import torch

from training import export
from training.model import Arch, UnblurNet, count_flops, pad_to_multiple

TINY = dict(c1=4, c2=6, c=8, flow_width=8)


@pytest.mark.parametrize("abl", [{}, {"align": False}, {"flow": False}, {"residual_offsets": False}, {"k": 1},
                                 {"flow_features": 6}, {"frame_path": True}])
def test_forward_shapes_and_gradients(abl):
    torch.manual_seed(0)
    m = UnblurNet(Arch(**TINY, **abl))
    torch.nn.init.normal_(m.decoder.out.weight, std=0.1)  # leave the identity start
    x = torch.rand(2, 5, 3, 30, 37, requires_grad=True)
    out, flows = m(x)
    assert out.shape == (2, 3, 30, 37)
    loss = out.square().mean() + sum(u.square().mean() for pyr in flows for u in pyr)
    loss.backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    trained = [n for n, p in m.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0]
    assert any(n.startswith("encoder") for n in trained)
    assert any(n.startswith("decoder") for n in trained)
    if abl.get("align", True) and abl.get("flow", True):
        assert any(n.startswith("flow.") for n in trained)
        assert len(flows[0]) == 3 and flows[0][-1].shape == (2, 2, 8, 12)


def test_flow_detach_keeps_the_forward_pass_and_stops_flow_gradients_at_the_encoder():
    torch.manual_seed(0)
    m = UnblurNet(Arch(**TINY))
    x = torch.rand(1, 5, 3, 32, 32)
    out, flows = m(x)
    m.detach_flow_input = True
    out_d, flows_d = m(x)
    assert torch.equal(out, out_d) and torch.equal(flows[0][-1], flows_d[0][-1])
    # The flow loss alone: it trains the flow estimator, never the encoder.
    sum(u.square().mean() for pyr in flows_d for u in pyr).backward()
    grads = {n: p.grad for n, p in m.named_parameters()}
    assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items() if n.startswith("flow."))
    assert all(g is None or g.abs().sum() == 0 for n, g in grads.items() if n.startswith("encoder."))


def test_own_flow_features_keep_the_flow_loss_out_of_the_restorers_encoder():
    torch.manual_seed(0)
    m = UnblurNet(Arch(**TINY, flow_features=6))
    x = torch.rand(1, 5, 3, 32, 32)
    e1, e2, f, mask, g, _ = m.encode(x[:, 0])
    assert g.shape == (1, 6, 8, 8) and f.shape == (1, 8, 8, 8)
    _, flows = m(x)
    sum(u.square().mean() for pyr in flows for u in pyr).backward()
    grads = {n: p.grad for n, p in m.named_parameters()}
    assert all(grads[f"flow_features.conv{i}.weight"].abs().sum() > 0 for i in range(1, 5))
    assert all(g is None or g.abs().sum() == 0 for n, g in grads.items() if n.startswith("encoder."))
    # Without own features, G is F itself.
    shared = UnblurNet(Arch(**TINY))
    out = shared.encode(x[:, 0])
    assert out[4] is out[2]


def test_frame_path_starts_at_zero_and_warps_the_neighbours_by_the_upsampled_flow():
    torch.manual_seed(0)
    plain = UnblurNet(Arch(**TINY))
    grown = UnblurNet(Arch(**TINY, frame_path=True))
    missing = set(grown.load_state_dict(plain.state_dict(), strict=False).missing_keys)
    assert missing == {"frame_path.weight", "frame_path.bias"}
    torch.nn.init.normal_(grown.decoder.out.weight, std=0.1)
    plain.decoder.out.load_state_dict(grown.decoder.out.state_dict())
    x = torch.rand(1, 5, 3, 32, 32)
    assert torch.equal(grown(x)[0], plain(x)[0])  # zero-initialised: the same output
    # A flow of (dx, dy) = (1, -0.5) at 1/4 resolution is (4, -2) full-resolution pixels.
    u = torch.tensor([1.0, -0.5]).view(1, 2, 1, 1).expand(1, 2, 8, 8)
    grown.flow_for = lambda g_ref, g_nbr: [u]
    feats = [grown.encode(x[:, i]) for i in range(5)]
    out, _, st = grown.restore(feats, return_stages=True)
    w = st["frames_warped"]
    assert w.shape == (1, 15, 32, 32)
    assert torch.equal(w[:, 6:9], x[:, 2])
    assert torch.allclose(w[0, 0:3, 2:, :28], x[0, 0, :, :30, 4:], atol=1e-5)  # out(y, x) = in(y - 2, x + 4)
    # It learns: the restoration loss reaches its weights, and through them the neighbours.
    out.square().mean().backward()
    assert grown.frame_path.weight.grad.abs().sum() > 0
    torch.nn.init.normal_(grown.frame_path.weight, std=0.1)
    y = x.clone()
    y[:, 0] = 1 - y[:, 0]
    assert not torch.allclose(grown(x)[0], grown(y)[0])


def test_starts_as_identity():
    m = UnblurNet(Arch(**TINY))
    x = torch.rand(1, 5, 3, 16, 16)
    out, _ = m(x)
    assert torch.allclose(out, x[:, 2])


def test_pad_to_multiple_replicates_edges():
    x = torch.arange(6.0).view(1, 1, 2, 3)
    y = pad_to_multiple(x, 4)
    assert y.shape == (1, 1, 4, 4)
    assert y[0, 0, 3].tolist() == [3, 4, 5, 5]


def test_pixel_shuffle_permutation_matches_depth_to_space():
    torch.manual_seed(0)
    c = 3
    conv = torch.nn.Conv2d(2, 4 * c, 1)
    x = torch.randn(1, 2, 2, 3)
    ref = torch.nn.functional.pixel_shuffle(conv(x), 2)  # (1,c,4,6)
    w = export.to_browser("decoder.up1.weight", conv.weight)  # [1,1,2,4c]
    b = export.to_browser("decoder.up1.bias", conv.bias)
    xh = x.permute(0, 2, 3, 1).numpy()
    y = np.einsum("nhwi,io->nhwo", xh, w[0, 0]) + b  # (1,2,3,4c) NHWC
    # TF depthToSpace (DCR): out[y*2+dy, x*2+dx, ch] = in[y, x, (dy*2+dx)*c + ch]
    out = np.zeros((1, 4, 6, c), np.float32)
    for dy in range(2):
        for dx in range(2):
            out[0, dy::2, dx::2, :] = y[0, :, :, (dy * 2 + dx) * c:(dy * 2 + dx + 1) * c]
    assert np.allclose(out, ref.permute(0, 2, 3, 1).detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("extra", [{}, {"frame_path": True}])
def test_export_round_trip(tmp_path, extra):
    torch.manual_seed(0)
    m = UnblurNet(Arch(**TINY, **extra))
    for p in m.parameters():
        p.data.normal_(0, 0.1)
    export.export(m, "tiny", tmp_path)
    manifest = json.loads((tmp_path / "model.json").read_text())
    assert manifest["arch"]["c"] == 8 and manifest["arch"]["frame_path"] == bool(extra)
    specs = manifest["weightsManifest"][0]["weights"]
    conv = next(s for s in specs if s["name"] == "encoder.stage1.conv.weight")
    assert conv["shape"] == [3, 3, 3, 4]  # HWIO
    assert sum(4 * int(np.prod(s["shape"])) for s in specs) == (tmp_path / "weights.bin").stat().st_size
    m2 = export.load_exported(tmp_path)
    for (n, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), n
    x = torch.rand(1, 5, 3, 20, 24)
    assert torch.allclose(m.eval()(x)[0], m2(x)[0])


def test_golden_fixture_has_every_stage(tmp_path):
    m = UnblurNet(Arch(**TINY)).eval()
    export.golden(m, torch.rand(5, 3, 20, 24), tmp_path)
    idx = json.loads((tmp_path / "golden.json").read_text())
    names = {t["name"]: t["shape"] for t in idx["tensors"]}
    assert names["E1"] == [5, 32, 32, 4] and names["F"] == [5, 8, 8, 8]
    assert names["flows"] == [5, 8, 8, 2] and names["offsets"] == [5, 8, 8, 18]
    assert names["restored"] == [1, 20, 24, 3]
    assert "framePath" not in names
    total = sum(4 * int(np.prod(s)) for s in names.values())
    assert (tmp_path / "golden.bin").stat().st_size == total
    export.golden(UnblurNet(Arch(**TINY, frame_path=True)).eval(), torch.rand(5, 3, 20, 24), tmp_path)
    names = {t["name"]: t["shape"] for t in json.loads((tmp_path / "golden.json").read_text())["tensors"]}
    assert names["framesWarped"] == [1, 32, 32, 15] and names["framePath"] == [1, 32, 32, 4]


def test_golden_clip_is_what_evaluate_restores(tmp_path):
    from training import clips as clipio
    m = UnblurNet(Arch(**TINY)).eval()
    torch.nn.init.normal_(m.decoder.out.weight, std=0.1)  # not the identity
    blur = torch.rand(4, 3, 18, 22)
    export.golden_clip(m, blur, tmp_path)
    idx = json.loads((tmp_path / "clip.json").read_text())
    assert idx["frames"] == 4 and (idx["height"], idx["width"]) == (18, 22)
    data = np.frombuffer((tmp_path / "clip.bin").read_bytes(), "<f4")
    spec = {t["name"]: t for t in idx["tensors"]}
    r = spec["restored"]
    got = data[r["offset"] // 4: r["offset"] // 4 + int(np.prod(r["shape"]))].reshape(r["shape"])
    want = clipio.restore_clip(m, blur).permute(0, 2, 3, 1).numpy()
    assert r["shape"] == [4, 18, 22, 3] and np.array_equal(got, want)
    assert not np.allclose(got, blur.permute(0, 2, 3, 1).numpy())
    part = {k: data[spec[k]["offset"] // 4:][:int(np.prod(spec[k]["shape"]))].reshape(spec[k]["shape"])
            for k in ("blur4", "restored2", "restored4")}
    blur4 = blur[:4, :, :14, :20]
    assert np.array_equal(part["blur4"], blur4.permute(0, 2, 3, 1).numpy())
    one = clipio.restore_clip(m, blur4).permute(0, 2, 3, 1).numpy()
    for n in (2, 4):
        want = clipio.restore_clip(m, blur4, passes=n).permute(0, 2, 3, 1).numpy()
        assert spec[f"restored{n}"]["shape"] == [4, 14, 20, 3] and np.array_equal(part[f"restored{n}"], want)
        assert not np.allclose(want, one, atol=1e-4)


def test_flops_count_is_plausible():
    a = Arch()
    f = count_flops(a, 720, 1280)
    assert f["total"] == sum(v for k, v in f.items() if k != "total")
    # the first encoder conv alone: 2*9*3*16 per pixel
    assert f["encode"] > 2 * 9 * 3 * 16 * 720 * 1280
    assert count_flops(Arch(align=False), 720, 1280)["flow"] == 0
    assert count_flops(Arch(align=False, flow_features=32), 720, 1280)["flow"] == 0
    # own features: 4 convs per frame, but a cheaper correlation (32 channels, not 64)
    own, shared = count_flops(Arch(flow_features=32), 720, 1280)["flow"], f["flow"]
    assert own != shared
    # the frame path: 4 x (flow upsampled, 2 x 8; RGB warp, 3 x 8) per pixel + conv3x3 15 -> c1
    p = 720 * 1280
    assert f["frames"] == 0
    assert count_flops(Arch(frame_path=True), 720, 1280)["frames"] == 4 * (16 + 24) * p + 2 * 9 * 15 * 16 * p
