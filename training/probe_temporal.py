"""Does the network learn to use a sharp neighbour at all? A short training run
under controlled conditions, then the test of neighbour_oracle: the output
next to the output for a window holding the centre five times.

Trains the small preset on photo clips with camera motion only (no moving
layers, so the true flow is exact everywhere; 96×96 crops, batch 4,
Charbonnier, Adam with a 200-step warm-up and cosine decay from 3e-4, ten
times that for the frame path), with
one of the arms

- ``true_flow``: the alignment gets the true flow instead of the estimator's
  (the flow estimator is not used), i.e. alignment as good as it gets;
- ``no_align``: the no-alignment ablation, the control;

optionally without the decoder's skips (``--no-skips``: E1, E2 replaced by
zeros, the thesis's decoder), with He initialisation (``--he-init``) and
with the full-resolution temporal path (``--frame-path``: ``Arch.frame_path``,
the four neighbours warped onto the centre by the arm's flow upsampled ×4,
and the centre, through conv3×3 → c1 and LReLU into the skip E1).
Then it evaluates on camera-only clips rendered from the held-out dev photos
(128×128, seed 5) and prints one JSON object: PSNR of input, output, output
with the centre only, over all clips and over those whose centre has a
neighbour ≥ 5 dB sharper.

    /usr/bin/python3 -m training.probe_temporal --arm true_flow --steps 2000 --threads 1
"""
from __future__ import annotations

import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import host_memory
from .data import sources
from .data.synth import ClipSynth, SynthConfig
from .metrics import psnr
from .model import CENTRE, N_FRAMES, Arch, ResBlock, UnblurNet
from .neighbour_oracle import inside, sharpest_neighbour
from .train import FRAME_PATH_LR_SCALE, PRESETS, charbonnier, cosine, make_batch, param_groups

NEIGHBOURS = [i for i in range(N_FRAMES) if i != CENTRE]


def he_init(model: UnblurNet) -> None:
    """Kaiming-normal weights for LReLU(0.1), zero biases, residual branches
    at 0.1, the mask logits and the fusion conv scaled down; the zero-started
    layers (decoder output, residual offsets, frame path) stay zero."""
    keep = {id(model.decoder.out), id(model.align.offset_head.conv3), id(model.frame_path)}
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and id(m) not in keep:
            nn.init.kaiming_normal_(m.weight, a=0.1, nonlinearity="leaky_relu")
            nn.init.zeros_(m.bias)
    nn.init.kaiming_normal_(model.align.weight, a=0.1, nonlinearity="leaky_relu")
    nn.init.zeros_(model.align.bias)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, ResBlock):
                m.conv2.weight.mul_(0.1)
        model.align.mask_head[2].weight.mul_(0.1)
        model.fuse.weight.mul_(0.15)


class Probe:
    """The model with the arm's changes; ``flows`` (B,N,2,H,W) full-resolution
    true flows of the current window when the arm feeds them."""

    def __init__(self, arm: str, skips: bool, he: bool, frame_path: bool = False):
        self.model = UnblurNet(Arch(**PRESETS["small"], align=arm != "no_align", frame_path=frame_path))
        if he:
            he_init(self.model)
        self.flows = None
        if arm == "true_flow":
            order = []

            def true_flow_for(g_ref, g_nbr):
                if not order:
                    order.extend(NEIGHBOURS)
                return [F.avg_pool2d(self.flows[:, order.pop(0)], 4) / 4]
            self.model.flow_for = true_flow_for
        if not skips:
            decode = self.model.decoder.forward

            def decode_without_skips(x, e1, e2):
                return decode(x, torch.zeros_like(e1), torch.zeros_like(e2))
            self.model.decoder.forward = decode_without_skips

    def __call__(self, frames, flows):
        self.flows = flows
        return self.model(frames)[0]


def train(probe: Probe, steps: int, crop: int, seed: int, log=print) -> None:
    synth = ClipSynth(sources.load_photos("train"), SynthConfig(size=(crop, crop), max_layers=0))
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(param_groups(probe.model, 1.0, FRAME_PATH_LR_SCALE), lr=3e-4)
    t0, acc = time.time(), 0.0
    for step in range(steps):
        for grp in opt.param_groups:
            grp["lr"] = 3e-4 * min(1.0, (step + 1) / 200) * cosine(step / steps) * grp["lr_scale"]
        blur, sharp, flows, _ = make_batch(synth, g, 4, 0.0, "cpu")
        loss = charbonnier(probe(blur, flows), sharp)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(probe.model.parameters(), 1.0)
        opt.step()
        acc += float(loss)
        if (step + 1) % 100 == 0 or step + 1 == steps:
            log(json.dumps({"step": step + 1, "loss": acc / ((step % 100) + 1), "s_per_step": (time.time() - t0) / (step + 1)}))
            acc = 0.0


@torch.no_grad()
def evaluate(probe: Probe, clips: int, size: int) -> dict:
    probe.model.eval()
    synth = ClipSynth(sources.load_photos("dev"), SynthConfig(size=(size, size), max_layers=0))
    g = torch.Generator().manual_seed(5)
    rows = {"all": [], "sharp_neighbour": []}
    for _ in range(clips):
        c = synth.clip(g)
        blur, sharp, flows = synth.degrade(c["blur"], g), c["sharp"], c["flows"]
        keep = torch.ones(size, size, dtype=torch.bool)
        for i in NEIGHBOURS:
            keep &= inside(flows[i])
        if keep.float().mean() < 1 / 3:
            continue
        out = probe(blur[None], flows[None])[0]
        alone = probe(blur[CENTRE].expand(1, N_FRAMES, *blur.shape[1:]), torch.zeros_like(flows[None]))[0]
        row = [psnr(x, sharp[CENTRE], keep) for x in (blur[CENTRE], out, alone)]
        rows["all"].append(row)
        if sharpest_neighbour([psnr(blur[i], sharp[i]) for i in range(len(blur))], CENTRE) is not None:
            rows["sharp_neighbour"].append(row)
    return {k: {"frames": len(r), **{name: sum(x[i] for x in r) / max(1, len(r))
                                     for i, name in enumerate(("psnr_in", "psnr_out", "psnr_out_centre_only"))}}
            for k, r in rows.items()}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--arm", required=True, choices=("true_flow", "no_align"))
    ap.add_argument("--no-skips", action="store_true")
    ap.add_argument("--he-init", action="store_true")
    ap.add_argument("--frame-path", action="store_true")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--eval-clips", type=int, default=100)
    ap.add_argument("--eval-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    host_memory.keep_freed_memory()
    torch.manual_seed(args.seed)
    probe = Probe(args.arm, not args.no_skips, args.he_init, args.frame_path)
    train(probe, args.steps, args.crop, args.seed, log=lambda s: print(s, flush=True))
    res = {"arm": args.arm, "skips": not args.no_skips, "he_init": args.he_init,
           "frame_path": args.frame_path, "steps": args.steps,
           **evaluate(probe, args.eval_clips, args.eval_size)}
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
