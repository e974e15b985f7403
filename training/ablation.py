"""The thesis's ablation (tables 4-3/4-4) at equal training budget: the full
model against no alignment, no flow and no residual offsets, each trained
from scratch with the same preset, crop, batch, steps and seed, exported and
evaluated on the whole dev set.

    /usr/bin/python3 -m training.ablation --steps 1500 --preset small --crop 96

Trains into training/runs/abl_<preset><crop>_<variant>/ (resumable: a
finished run is not trained again), exports each to <run>/export, evaluates
it (<run>/result.json), and writes training/results/ablation.json
plus a markdown table on stdout. On a small machine, two processes with
--threads 1 and half the variants each use the cores better; then
`--report` gathers the results.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from . import evaluate, export, train
from .export import load_checkpoint
from .model import Arch

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ALL = ("full", "no_align", "no_flow", "no_residual")


def run_name(variant: str, args) -> str:
    """One folder per (preset, crop, flow-detach, flow features, pre-trained flow, frame path, seed, variant):
    runs at another budget never resume these. The pre-trained flow's tag is
    `pf` plus what its file name adds to `flow-ff<W>` (flow-ff32.pt -> pf,
    flow-ff32-4k.pt -> pf4k), so runs from different flow checkpoints never share a folder."""
    seed = f"_s{args.seed}" if args.seed != 1 else ""  # seed 1 keeps the first runs' names
    ff = f"ff{args.flow_features}" if args.flow_features else ""
    pf = ""
    if args.init_flow:
        pf = "pf" + Path(args.init_flow).stem.removeprefix(f"flow-ff{args.flow_features}").lstrip("-")
    fp = "fp" if args.frame_path else ""
    return f"abl_{args.preset}{args.crop}{'fd' if args.flow_detach else ''}{ff}{pf}{fp}{seed}_{variant}"


def variant_has_flow(variant: str) -> bool:
    return Arch(**train.ABLATIONS[variant]).has_flow_estimator


def run(variant: str, args) -> dict:
    name = run_name(variant, args)
    run_dir = train.RUNS / name
    ckpt = run_dir / "ckpt.pt"
    t0 = time.time()
    # Each schedule: train (resuming) up to that many steps on a cosine of that length.
    schedules = [n for n in (args.warm_restart, args.steps) if n]
    for steps in schedules:
        if ckpt.exists() and torch.load(ckpt, map_location="cpu", weights_only=False)["step"] >= steps:
            continue
        train.main(["--name", name, "--preset", args.preset, "--ablation", variant, "--crop", str(args.crop),
                    "--batch", str(args.batch), "--steps", str(steps), "--seed", str(args.seed),
                    "--dev-every", str(10 ** 9), "--ckpt-every", "250", "--resume", "--no-ship",
                    "--threads", str(args.threads), "--flow-features", str(args.flow_features)]
                   + (["--flow-detach"] if args.flow_detach else [])
                   + (["--frame-path"] if args.frame_path else [])
                   + (["--init-flow", str(args.init_flow)] if args.init_flow and variant_has_flow(variant) else []))
    train_s = time.time() - t0  # this call's training only (0 when it was already done)
    model, ck = load_checkpoint(ckpt)
    out = run_dir / "export"
    export.export(model, name, out, {"step": ck["step"], "ablation": variant})
    res = evaluate.evaluate(export.load_exported(out), train.DEV)
    row = {"variant": variant, "steps": ck["step"], "train_seconds": round(train_s), **{k: res[k] for k in
           ("frames", "psnr_in", "psnr_out", "ssim_in", "ssim_out")}, "blurriest_third": res["blurriest_third"],
           "args": {k: getattr(args, k) for k in ("preset", "steps", "crop", "batch", "seed", "threads", "flow_detach",
                                                        "flow_features", "init_flow", "frame_path", "warm_restart")}}
    (run_dir / "result.json").write_text(json.dumps(row, indent=1))
    return row


def table(rows: list[dict]) -> str:
    lines = ["| variant | steps | PSNR in | PSNR out | gain | SSIM in | SSIM out | blurriest third PSNR in → out |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        b = r["blurriest_third"]
        lines.append(f"| {r['variant']} | {r['steps']} | {r['psnr_in']:.2f} | {r['psnr_out']:.2f} | "
                     f"{r['psnr_out'] - r['psnr_in']:+.2f} | {r['ssim_in']:.4f} | {r['ssim_out']:.4f} | "
                     f"{b['psnr_in']:.2f} → {b['psnr_out']:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="full,no_align,no_flow,no_residual")
    ap.add_argument("--preset", default="small", choices=sorted(train.PRESETS))
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--flow-detach", action="store_true", help="train with --flow-detach (own run folders)")
    ap.add_argument("--frame-path", action="store_true", help="train with --frame-path (own run folders)")
    ap.add_argument("--flow-features", type=int, default=0,
                    help="train with --flow-features W: the flow estimator's own features (own run folders)")
    ap.add_argument("--init-flow", default=None,
                    help="start the variants that have a flow estimator from this training.pretrain_flow checkpoint")
    ap.add_argument("--warm-restart", type=int, default=None,
                    help="first train to this many steps on their own cosine schedule, then on to --steps")
    ap.add_argument("--out", default="ablation.json", help="file name under training/results/")
    ap.add_argument("--report", action="store_true", help="only gather the finished variants' results")
    args = ap.parse_args(argv)
    variants = args.variants.split(",")
    if not args.report:
        for v in variants:
            run(v, args)
    rows = [json.loads(p.read_text()) for v in ALL if v in variants
            and (p := train.RUNS / run_name(v, args) / "result.json").exists()]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps({"rows": rows}, indent=1))
    print(table(rows))


if __name__ == "__main__":
    main()
