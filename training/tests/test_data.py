"""The synthetic clip generator: shapes, value ranges, and that its true flows
really carry the centre frame's pixels."""
import math

import pytest
import torch

from training.data.synth import ClipSynth, SynthConfig, jpeg_like
from training.ops import warp


# Camera rotation only (no travel, shake, zoom or moving layers).
ROTATION_ONLY = dict(max_layers=0, max_speed=0.0, max_shake=0.0, max_zoom=0.0, max_rot=0.04)


def photos():
    g = torch.Generator().manual_seed(0)
    # textured fake photographs: smooth noise at several scales
    out = []
    for _ in range(3):
        x = torch.zeros(3, 300, 400)
        for s in (4, 16, 64):
            n = torch.rand(3, 300 // s + 1, 400 // s + 1, generator=g)
            x += torch.nn.functional.interpolate(n[None], size=(300, 400), mode="bilinear", align_corners=False)[0]
        out.append((x / 3 * 255).clamp(0, 255).to(torch.uint8))
    return out


def test_clip_shapes_and_ranges():
    s = ClipSynth(photos(), SynthConfig(size=(48, 64)))
    c = s.clip(torch.Generator().manual_seed(1))
    assert c["blur"].shape == (5, 3, 48, 64) and c["sharp"].shape == (5, 3, 48, 64)
    assert c["flows"].shape == (5, 2, 48, 64)
    assert c["blur"].min() >= 0 and c["blur"].max() <= 1
    assert c["flows"][2].abs().max() < 1e-4  # the centre frame does not move
    assert c["exposure"].shape == (5,) and c["turn"].shape == (5,) and (c["turn"] >= 0).all()
    x = s.degrade(c["blur"], torch.Generator().manual_seed(2))
    assert x.shape == c["blur"].shape


@pytest.mark.parametrize("pivot_spread,time_offset", [(0.0, 0.0), (40.0, 0.0), (40.0, 19.0)])
def test_true_flow_aligns_sharp_frames(pivot_spread, time_offset):
    cfg = SynthConfig(size=(48, 64), max_layers=0, pivot_spread=pivot_spread, time_offset=time_offset)
    s = ClipSynth(photos(), cfg)
    g = torch.Generator().manual_seed(3)
    for _ in range(3):
        c = s.clip(g)
        sharp, flows = c["sharp"], c["flows"]
        for i in (0, 1, 3, 4):
            inside = warp(torch.ones(1, 1, 48, 64), flows[i:i + 1])[0] > 0.999  # source within the frame
            if inside.sum() < 200:
                continue
            moved = (sharp[i] - sharp[2]).abs()[inside.expand(3, -1, -1)].mean()
            warped = warp(sharp[i:i + 1], flows[i:i + 1])[0]
            err = (warped - sharp[2]).abs()[inside.expand(3, -1, -1)].mean()
            if moved > 0.01:
                assert err < 0.3 * moved


def test_an_off_centre_pivot_turns_rotation_into_motion_at_the_crops_centre():
    # Rotation only: about the crop's centre (the default) the centre pixel stays
    # put; about a pivot off it (a crop of a larger picture) it travels.
    cfg = dict(size=(49, 65), **ROTATION_ONLY)
    centre = {}
    for spread in (0.0, 60.0):
        c = ClipSynth(photos(), SynthConfig(**cfg, pivot_spread=spread)).clip(torch.Generator().manual_seed(6))
        centre[spread] = c["flows"][:, :, 24, 32].norm(dim=1)
    assert centre[0.0].max() < 1e-3
    assert centre[60.0][[0, 4]].min() > 0.1


def test_a_time_offset_reaches_the_faster_rotation_of_a_longer_clips_later_windows():
    # Rotation only, about the crop's centre: the corner's travel from frame 1 to
    # frame 2. Windows starting at 0 never turn as fast as the late windows of a
    # long clip; with the offset they do.
    cfg = dict(size=(33, 33), **ROTATION_ONLY)

    def corner_travel(offset, seed):
        c = ClipSynth(photos(), SynthConfig(**cfg, time_offset=offset)).clip(torch.Generator().manual_seed(seed))
        return c["flows"][1, :, 0, 0].norm().item()
    plain = [corner_travel(0.0, s) for s in range(12)]
    late = [corner_travel(19.0, s) for s in range(12)]
    assert max(late) > 2 * max(plain)


def test_turn_is_the_cameras_rotation_speed():
    # Rotation only about the crop's centre: from frame 1 to 2 a corner, r px from
    # the centre, travels the chord 2 r sin(dtheta / 2), dtheta = the mean turn.
    cfg = SynthConfig(size=(33, 33), **ROTATION_ONLY, time_offset=19.0)
    checked = 0
    for seed in range(12):
        c = ClipSynth(photos(), cfg).clip(torch.Generator().manual_seed(seed))
        w1, w2 = c["turn"][1].item(), c["turn"][2].item()
        if min(w1, w2) < 0.05:  # a sign change within the frame is then impossible (|rot_a| <= 0.02)
            continue
        chord = 2 * 16 * 2 ** 0.5 * math.sin((w1 + w2) / 4)
        assert abs(c["flows"][1, :, 0, 0].norm().item() - chord) < 1e-3 * chord
        checked += 1
    assert checked >= 2


def test_blurrier_frames_have_longer_exposure():
    s = ClipSynth(photos(), SynthConfig(size=(48, 64), max_layers=0, sharp_frame_prob=0.0, min_exposure=0.1))
    c = s.clip(torch.Generator().manual_seed(4), frames=12)
    err = (c["blur"] - c["sharp"]).abs().mean(dim=(1, 2, 3))
    assert err.max() > 0  # some blur happens
    assert c["exposure"].shape == (12,)


def test_jpeg_like_is_mild_and_odd_sizes_work():
    x = torch.rand(2, 3, 21, 30)
    y = jpeg_like(x, 90)
    assert y.shape == x.shape
    smooth = torch.linspace(0, 1, 30).expand(2, 3, 21, 30).contiguous()
    assert (jpeg_like(smooth, 90) - smooth).abs().mean() < 0.02


def test_the_pack_keeps_the_split_and_the_pixels(tmp_path, monkeypatch):
    from PIL import Image

    from training.data import pack, sources

    src = tmp_path / "sources"
    (src / "photos").mkdir(parents=True)
    (src / "videos").mkdir()
    for i, x in enumerate(photos() * 3):  # 9 photos, names of both kinds, long sides above and below MAX_SIDE
        big = torch.nn.functional.interpolate(x[None].float(), scale_factor=4 if i % 2 else 1)[0].to(torch.uint8)
        Image.fromarray(big.numpy().transpose(1, 2, 0)).save(src / "photos" / f"p{i}_{'ab'[i % 2]}.{'png' if i % 3 else 'jpg'}")
    for name in sources.VIDEOS:
        (src / "videos" / name).write_bytes(name.encode())
    monkeypatch.setattr(sources, "ROOT", src)
    monkeypatch.setattr(sources, "CACHE", src / "cache")
    originals = {split: [sources.load_photo(p) for p in sources.photo_paths(split)] for split in ("train", "dev")}
    size = pack.pack(tmp_path / "pack")
    assert size == sum(f.stat().st_size for f in (tmp_path / "pack").rglob("*") if f.is_file())

    monkeypatch.setattr(sources, "ROOT", tmp_path / "pack")
    monkeypatch.setattr(sources, "CACHE", tmp_path / "pack" / "cache")
    assert [p.name for p in sources.photo_paths("dev")] == ["p7_b.png.jpg"]
    for split in ("train", "dev"):
        packed = sources.load_photos(split)
        assert [x.shape for x in packed] == [x.shape for x in originals[split]]
        assert max(float((a.float() - b.float()).abs().mean()) for a, b in zip(packed, originals[split])) < 2.5  # 1.7 here: fine noise
        assert max(max(x.shape[1:]) for x in packed) <= sources.MAX_SIDE
    assert (tmp_path / "pack" / "videos" / "vtest.avi").read_bytes() == b"vtest.avi"
    with pytest.raises(SystemExit, match="overwrite"):
        pack.pack(tmp_path / "pack")
