"""Pre-trains the flow estimator on its own (the thesis starts from a
separately trained PWC-Net): the flow features G and the flow heads, from the
end-point-error loss alone, on synthetic photo clips (true flow known).
Only the flow path runs, so a step costs a fraction of a training step.

    /usr/bin/python3 -m training.pretrain_flow --flow-features 32 --steps 1500

Writes training/checkpoints/flow-ff<W>.pt ({"flow": weights named as in
UnblurNet, "arch": the flow fields, "step", "epe"}), or --out, and a log
under training/runs/<its file name without .pt>/; `train --init-flow PATH` starts a model from it.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from . import host_memory, train
from .data import sources
from .data.synth import ClipSynth, SynthConfig
from .model import CENTRE, N_FRAMES, Arch, UnblurNet

FLOW_FIELDS = ("d", "flow_width", "flow_levels", "flow_features")


def flow_arch(model: UnblurNet) -> dict:
    """The Arch fields a flow estimator's weights depend on."""
    return {k: getattr(model.arch, k) for k in FLOW_FIELDS}


def flow_state(model: UnblurNet) -> dict:
    return {k: v.detach().cpu() for k, v in model.state_dict().items() if k.startswith(("flow.", "flow_features."))}


def load_flow(model: UnblurNet, path) -> dict:
    """Loads a pre-trained flow estimator into ``model`` (same flow fields of Arch)."""
    ck = torch.load(path, map_location="cpu", weights_only=False)
    mine = flow_arch(model)
    if ck["arch"] != mine:
        raise ValueError(f"{path}: flow estimator {ck['arch']} does not fit this model's {mine}")
    if model.flow is None:
        raise ValueError(f"{path}: this model has no flow estimator to start from it")
    missing = set(flow_state(model)) - set(ck["flow"])
    if missing:
        raise ValueError(f"{path}: lacks {sorted(missing)}")
    model.load_state_dict(ck["flow"], strict=False)
    return ck


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flow-features", type=int, default=32)
    ap.add_argument("--flow-width", type=int, default=32)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--out", default=None, help="default training/checkpoints/flow-ff<W>.pt")
    args = ap.parse_args(argv)
    if args.flow_features <= 0:
        ap.error("--flow-features must be > 0: the flow estimator needs features of its own to train alone")
    torch.set_num_threads(args.threads)
    host_memory.keep_freed_memory()
    torch.manual_seed(args.seed)
    out = Path(args.out) if args.out else train.CHECKPOINTS / f"flow-ff{args.flow_features}.pt"
    name = out.stem  # the log's folder: one per checkpoint
    model = UnblurNet(Arch(flow_width=args.flow_width, flow_features=args.flow_features))
    params = list(model.flow.parameters()) + list(model.flow_features.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    # Photo clips only: real-video clips have no true flow.
    synth = ClipSynth(sources.load_photos("train"), SynthConfig(size=(args.crop, args.crop)), sources.load_videos("train"))
    g = torch.Generator().manual_seed(args.seed + 1000)  # not the restoration runs' batches
    run = train.RUNS / name
    run.mkdir(parents=True, exist_ok=True)
    log = open(run / "log.jsonl", "w")
    t0, recent = time.time(), []  # the losses of the last 50 steps
    for step in range(1, args.steps + 1):
        for grp in opt.param_groups:
            grp["lr"] = args.lr * train.cosine(step / args.steps)
        blur, _, flows, valid = train.make_batch(synth, g, args.batch, 0.0, "cpu")
        b, n, _, h, w = blur.shape
        feats = model.flow_features(blur.reshape(b * n, 3, h, w)).reshape(b, n, -1, h // 4, w // 4)
        pyramids = [[] if i == CENTRE else model.flow(feats[:, CENTRE], feats[:, i]) for i in range(N_FRAMES)]
        loss = train.flow_loss(pyramids, flows, valid)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        recent = (recent + [float(loss)])[-50:]
        if step % 50 == 0:
            rec = {"step": step, "epe": sum(recent) / len(recent), "s_per_step": (time.time() - t0) / 50}
            t0 = time.time()
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"flow": flow_state(model), "arch": flow_arch(model), "step": args.steps, "epe": sum(recent) / len(recent)}, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
