"""Trains the network on synthetic clips (DESIGN.md section 3).

    /usr/bin/python3 -m training.train --name base --steps 20000            # CPU or CUDA
    /usr/bin/python3 -m training.train --name base --steps 40000 --resume   # continue
    python3 -m training.train --name gpu --workers 14 --batch 16 --minutes 7  # a GPU lease (device_train.sh)

Writes training/runs/<name>/ (log.jsonl, ckpt.pt: model, optimiser, step and
RNG state, so a run resumes exactly where it stopped) and the same state to
training/checkpoints/<name>.pt, which is committed: a fresh clone resumes
from it.
Loss: Charbonnier (or, --loss psnr, each clip's log MSE) on the restored
centre frame plus the flow end-point error against the true motion, with a
weight that decays. Adam (0.9, 0.999); the
offset head learns at a tenth of the rate, as the thesis does for its
alignment module. Cosine learning-rate decay.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from . import clips as clipio
from . import host_memory
from .data import sources
from .data.synth import ClipSynth, SynthConfig
from .metrics import psnr
from .model import CENTRE, Arch, UnblurNet
from .neighbour_oracle import centre_only, mask_mean
from .widen import widen_c, widens_to

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs"
CHECKPOINTS = HERE / "checkpoints"
DEV = HERE / "data" / "dev"

PRESETS = {
    "base": dict(c1=16, c2=32, c=64),
    "small": dict(c1=12, c2=24, c=48),
    "large": dict(c1=24, c2=48, c=96),
    "wide": dict(c1=16, c2=32, c=128),  # base with twice the 1/4-resolution width: grown from a base checkpoint
}
ABLATIONS = {
    "full": {},
    "no_align": dict(align=False),
    "no_flow": dict(flow=False),
    "no_residual": dict(residual_offsets=False),
}


def charbonnier(a, b, eps=1e-3, per_clip=False):
    """Mean Charbonnier distance; per_clip: one mean per leading index, (B,)."""
    d = torch.sqrt((a - b) ** 2 + eps * eps)
    return d.flatten(1).mean(1) if per_clip else d.mean()


class BlurWeight:
    """Per-clip weights of the image loss, (e / r) ** gamma, where e is the
    clip's input error (mean |blurred centre - sharp centre|) and r its running
    mean over the batches seen (decay 0.99; restarted on --resume): blurrier
    clips count more, and the weights average about 1, so the learning rate
    keeps its meaning. gamma 0: every clip counts the same (the committed runs)."""

    def __init__(self, gamma: float, decay: float = 0.99):
        self.gamma, self.decay, self.ref = gamma, decay, None

    def __call__(self, blur_centre: torch.Tensor, sharp: torch.Tensor) -> torch.Tensor:
        e = (blur_centre - sharp).abs().flatten(1).mean(1)
        m = float(e.mean())
        self.ref = m if self.ref is None else self.decay * self.ref + (1 - self.decay) * m
        return (e / max(self.ref, 1e-8)) ** self.gamma


def psnr_loss(a, b, scale=0.003, floor=1e-5):
    """Per clip, scale * ln(MSE + floor): minus the clip's PSNR up to a constant
    factor (ln 10 / 10 * scale), so the mean over clips is the mean PSNR the
    dev set is measured by. Its gradient is 2 e / (MSE + floor) * scale per
    pixel: sharp clips (small MSE) and large errors within a clip count more
    than under Charbonnier (about sign(e)); the scale makes the two about the
    same size on training batches (RESULTS.md "A nineteenth trial"), so the
    flow loss's weight and the gradient clipping keep their meaning; the
    floor (MSE 1e-5, 50 dB) keeps near-perfect flat crops from dominating. (B,)."""
    return scale * torch.log(((a - b) ** 2).flatten(1).mean(1) + floor)


def spectrum_l1(a, b):
    """Per clip, the mean |Re| + |Im| of the difference of the frames' 2-D
    spectra (rfft2 over H, W, orthonormal, so a white error has about the size
    it has per pixel): the frequency loss of MIMO-UNet (Cho et al. 2021) with
    Parseval's scaling. At equal energy an L1 norm is larger for an error
    spread over many values than for one held in few; the error a blur leaves
    sits on few pixels (the edges) but spreads over many frequencies, so this
    counts it more than an L1 on pixels (Charbonnier) does. (B,)."""
    d = torch.fft.rfft2(a - b, norm="ortho")
    return (d.real.abs() + d.imag.abs()).flatten(1).mean(1)


class WeightAverage:
    """An exponential moving average of the model's weights (Polyak averaging),
    updated after every optimiser step: a <- decay a + (1 - decay) w. It
    starts at the run's first weights, which after n steps still count
    decay ** n (meant for runs that start from a trained checkpoint: 0.998
    over 2,000 steps, 2 %). Integer buffers are copied, not averaged."""

    def __init__(self, model: UnblurNet, decay: float, state: dict | None = None, n: int = 0):
        self.decay, self.n = decay, n
        self.state = state if state is not None else {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: UnblurNet) -> None:
        self.n += 1
        for k, v in model.state_dict().items():
            if v.is_floating_point():
                self.state[k].mul_(self.decay).add_(v.detach(), alpha=1 - self.decay)
            else:
                self.state[k].copy_(v)


def cosine(frac: float) -> float:
    """The learning-rate factor at this fraction of a schedule: a cosine from 1 down to a floor of 0.05."""
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac))


def make_batch(synth: ClipSynth, g: torch.Generator, batch: int, video_frac: float, device):
    blur, sharp, flows, valid = [], [], [], []
    for _ in range(batch):
        c = synth.clip(g, use_video=torch.rand(1, generator=g).item() < video_frac)
        x = synth.degrade(c["blur"], g)
        f = c["flows"]
        s = c["sharp"][CENTRE]
        # Flips and time reversal (thesis 3.5.1); flows follow.
        if torch.rand(1, generator=g).item() < 0.5:
            x, s, f = x.flip(-1), s.flip(-1), f.flip(-1)
            f = torch.stack((-f[:, 0], f[:, 1]), 1)
        if torch.rand(1, generator=g).item() < 0.5:
            x, s, f = x.flip(-2), s.flip(-2), f.flip(-2)
            f = torch.stack((f[:, 0], -f[:, 1]), 1)
        if torch.rand(1, generator=g).item() < 0.5:
            x, f = x.flip(0), f.flip(0)
        blur.append(x)
        sharp.append(s)
        flows.append(f)
        valid.append(c["flow_valid"])
    return (torch.stack(blur).to(device), torch.stack(sharp).to(device), torch.stack(flows).to(device),
            torch.tensor(valid, dtype=torch.float32, device=device))


class StepBatches(torch.utils.data.Dataset):
    """Step i's batch, synthesised on the CPU from a generator seeded by (seed, i)
    alone: the same batches for any number of workers, and on resume."""

    def __init__(self, synth: ClipSynth, seed: int, batch: int, video_frac: float):
        self.synth, self.seed, self.batch, self.video_frac = synth, seed, batch, video_frac

    def __len__(self):
        return 1 << 62

    def __getitem__(self, i: int):
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + i)
        return make_batch(self.synth, g, self.batch, self.video_frac, "cpu")


def worker_batches(synth: ClipSynth, args, start: int, pin: bool):
    """Batches for steps start, start + 1, ... made by args.workers processes."""
    loader = torch.utils.data.DataLoader(StepBatches(synth, args.seed, args.batch, args.video_frac),
                                         batch_size=None, sampler=range(start, 1 << 62),
                                         num_workers=args.workers, prefetch_factor=4, pin_memory=pin)
    return iter(loader)


CALIBRATE = (10, 60)  # --minutes: steps timed from the 10th to the 60th of the run fit its schedule


def fit_schedule(step: int, s_per_step: float, seconds_left: float) -> int:
    """The schedule's length (steps) that ends a run within the seconds left
    (3 % kept for the last checkpoint)."""
    return step + max(1, int(0.97 * seconds_left / s_per_step))


def flow_loss(pyramids, gt, valid):
    """Mean end-point error of every level against the true flow pooled to it."""
    if valid.sum() == 0:
        return gt.new_zeros(())
    total, n = gt.new_zeros(()), 0
    for i, pyr in enumerate(pyramids):
        if i == CENTRE:
            continue
        for u in pyr:
            s = gt.shape[-1] // u.shape[-1]
            g = F.avg_pool2d(gt[:, i], s) / s
            epe = torch.norm(u - g, dim=1).mean(dim=(1, 2))
            total = total + (epe * valid).sum() / valid.sum()
            n += 1
    return total / max(n, 1)


def quick_dev(model: UnblurNet, dev_clips, device) -> dict:
    """PSNR in/out over a fixed few frames of each dev clip (a quick check;
    training.evaluate does the full set), the PSNR of the output for a window
    of five copies of the centre (the temporal path's contribution is the
    difference) and the centre's mean sharpness mask: a collapse of the
    temporal path (masks near 0, as the shipped base's; RESULTS.md) shows
    in the log as it happens."""
    model.eval()
    rows = []
    for blur, sharp in dev_clips:
        ids = [3, len(blur) // 2, len(blur) - 4]
        r = clipio.restore_clip(model, blur.to(device), ids).cpu()
        for k, t in enumerate(ids):
            alone = centre_only(model, blur[t].to(device)).cpu()
            rows.append((psnr(blur[t], sharp[t]), psnr(r[k], sharp[t]), psnr(alone, sharp[t]),
                         mask_mean(model, blur[t].to(device))))
    model.train()
    keys = ("dev_psnr_in", "dev_psnr_out", "dev_psnr_centre_only", "dev_mask")
    return {key: sum(row[i] for row in rows) / len(rows) for i, key in enumerate(keys)}


def build(args) -> UnblurNet:
    kw = dict(PRESETS[args.preset])
    kw.update(ABLATIONS[args.ablation])
    kw["k"] = args.dlfl_k
    kw["flow_features"] = args.flow_features
    kw["frame_path"] = args.frame_path
    model = UnblurNet(Arch(**kw))
    model.detach_flow_input = args.flow_detach
    return model


def init_from(model: UnblurNet, path, seed: int = 0) -> None:
    """Loads a checkpoint's weights into a model of the same architecture
    (fields a checkpoint predates take their defaults, as when it is exported),
    or into the same architecture grown by the frame path, which then starts
    at zero, or with its quarter-resolution width c a multiple of the
    checkpoint's (widen.widen_c, random shares from seed): either way the
    model starts at the checkpoint's output."""
    ck = torch.load(path, map_location="cpu", weights_only=False)
    arch, state = Arch(**ck["arch"]), ck["model"]
    grown = model.arch.frame_path and not arch.frame_path
    if grown:
        arch.frame_path = True
    if widens_to(arch, model.arch):
        state, arch = widen_c(state, arch, model.arch.c, seed)
    if arch != model.arch:
        raise ValueError(f"{path}: does not fit this architecture ({ck['arch']} vs {model.arch.to_dict()})")
    missing = model.load_state_dict(state, strict=not grown).missing_keys
    assert set(missing) <= {"frame_path.weight", "frame_path.bias"}, missing


FRAME_PATH_LR_SCALE = 10.0  # the frame path's learning rate relative to the rest: it starts at zero


def param_groups(model: UnblurNet, offset_lr_scale: float, frame_path_lr_scale: float) -> list[dict]:
    """Adam's parameter groups, each with the factor ("lr_scale") on the
    learning rate: everything else 1, the residual-offset head, and the frame
    path (a group only when the model has one: checkpoints of models without
    it resume as before)."""
    offset_params = list(model.align.offset_head.parameters())
    frame_params = list(model.frame_path.parameters()) if model.frame_path is not None else []
    ids = {id(p) for p in offset_params + frame_params}
    groups = [{"params": [p for p in model.parameters() if id(p) not in ids], "lr_scale": 1.0},
              {"params": offset_params, "lr_scale": offset_lr_scale}]
    if frame_params:
        groups.append({"params": frame_params, "lr_scale": frame_path_lr_scale})
    return groups


def freeze(model: UnblurNet, train_only: str) -> None:
    """Only the named top-level modules learn (``--train-only``); the others
    keep their loaded weights (requires_grad off, so Adam leaves them).
    Empty: everything learns."""
    names = {n for n in train_only.split(",") if n}
    if not names:
        return
    unknown = names - {n for n, _ in model.named_children()}
    if unknown:
        raise ValueError(f"--train-only: no module {sorted(unknown)} (the modules: "
                         f"{', '.join(n for n, _ in model.named_children())})")
    for name, p in model.named_parameters():
        p.requires_grad_(name.split(".")[0] in names)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--preset", default="base", choices=sorted(PRESETS))
    ap.add_argument("--ablation", default="full", choices=sorted(ABLATIONS))
    ap.add_argument("--dlfl-k", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20000, help="total steps (the cosine schedule's length)")
    ap.add_argument("--stop-at", type=int, default=None, help="stop early at this step (resumable)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--offset-lr-scale", type=float, default=0.1)
    ap.add_argument("--flow-weight", type=float, default=0.05)
    ap.add_argument("--flow-decay", type=float, default=4000, help="flow loss half-life in steps")
    ap.add_argument("--flow-detach", action="store_true",
                    help="no gradient from the flow estimator into the shared encoder (training only)")
    ap.add_argument("--flow-features", type=int, default=0,
                    help="width of the flow estimator's own features (0: it correlates the shared F)")
    ap.add_argument("--frame-path", action="store_true",
                    help="the full-resolution temporal path (Arch.frame_path)")
    ap.add_argument("--frame-path-lr-scale", type=float, default=FRAME_PATH_LR_SCALE,
                    help="its learning rate relative to --lr (it starts at zero)")
    ap.add_argument("--init-flow", default=None,
                    help="a fresh run starts its flow estimator from this training.pretrain_flow checkpoint")
    ap.add_argument("--init-from", default=None,
                    help="a fresh run starts from this checkpoint's weights (same architecture, "
                         "or grown by --frame-path); new schedule, optimiser and data order")
    ap.add_argument("--workers", type=int, default=0,
                    help="synthesise batches in this many processes (CPU), step i's batch from its own seed; "
                         "0: in the training process from one generator, as every committed run")
    ap.add_argument("--minutes", type=float, default=None,
                    help="a wall-clock budget: after a few timed steps the schedule (--steps) is fitted to end within it")
    ap.add_argument("--video-frac", type=float, default=0.2)
    ap.add_argument("--pivot-spread", type=float, default=0.0,
                    help="crops as if cut from a larger picture: the camera's rotation/zoom pivot up to this many px off the crop's centre (SynthConfig.pivot_spread)")
    ap.add_argument("--time-offset", type=float, default=0.0,
                    help="each clip a window starting up to this many frames into its camera's path, as the later windows of a longer clip (SynthConfig.time_offset; 19 spans the dev set's 24-frame clips)")
    ap.add_argument("--blur-weight", type=float, default=0.0,
                    help="weight each clip's image loss by its input error to this power (BlurWeight; 0: equal)")
    ap.add_argument("--loss", default="charbonnier", choices=("charbonnier", "psnr"),
                    help="the image loss: Charbonnier (every committed run) or per-clip log MSE (psnr_loss; "
                         "the log still records Charbonnier)")
    ap.add_argument("--fft-weight", type=float, default=0.0,
                    help="add this times the clip's spectrum_l1 (frequency loss) to its image loss; 0: none")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="keep an exponential moving average of the weights with this decay (e.g. 0.998) "
                         "and write it to runs/<name>/ema.pt, a checkpoint export and evaluate take")
    ap.add_argument("--train-only", default="",
                    help="comma-separated top-level modules that learn (e.g. flow,align,fuse,frame_path); "
                         "the rest stay as loaded (freeze); empty: all learn")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--dev-every", type=int, default=1000)
    ap.add_argument("--ckpt-every", type=int, default=250)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--no-ship", action="store_true", help="keep the state in runs/<name> only (no committed copy)")
    args = ap.parse_args(argv)
    if args.init_from and args.init_flow:
        ap.error("--init-from already sets the flow estimator; give --init-flow or --init-from, not both")
    if args.minutes and (args.resume or args.stop_at):
        ap.error("--minutes fits a fresh run's schedule; resume it with --resume --steps N (N as it printed)")

    torch.set_num_threads(args.threads)
    host_memory.keep_freed_memory()
    device = torch.device(args.device)
    model = build(args).to(device)
    try:
        freeze(model, args.train_only)
    except ValueError as e:
        ap.error(str(e))  # before anything is written
    run = RUNS / args.name
    run.mkdir(parents=True, exist_ok=True)
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)

    opt = torch.optim.Adam(param_groups(model, args.offset_lr_scale, args.frame_path_lr_scale),
                           lr=args.lr, betas=(0.9, 0.999))
    step = 0
    g = torch.Generator().manual_seed(args.seed)
    ckpt_path = run / "ckpt.pt"
    shipped = CHECKPOINTS / f"{args.name}.pt"  # the committed copy: a fresh clone resumes from it
    resume_from = ckpt_path if ckpt_path.exists() else shipped
    if args.resume and resume_from.exists():
        ck = torch.load(resume_from, map_location=device, weights_only=False)
        model.load_state_dict(ck["model"])
        step = ck["step"]
        if "opt" in ck:
            opt.load_state_dict(ck["opt"])
            g.set_state(ck["rng"])
            print(f"resumed {args.name} at step {step}", flush=True)
        else:  # weights only (an older light checkpoint): fresh optimiser and data order
            g.manual_seed(args.seed + step)
            print(f"resumed {args.name} weights at step {step} (no optimiser state)", flush=True)
    elif args.init_from:
        init_from(model, args.init_from, args.seed)
        print(f"weights from {args.init_from}", flush=True)
    elif args.init_flow:
        from .pretrain_flow import load_flow
        ck = load_flow(model, args.init_flow)
        print(f"flow estimator from {args.init_flow} (pre-trained {ck['step']} steps, epe {ck['epe']:.3f})", flush=True)

    def write_args():
        with open(run / "args.json", "w") as f:
            json.dump({**vars(args), "arch": model.arch.to_dict()}, f, indent=1)

    average = None
    if args.ema:
        ck_ema = ck.get("ema") if args.resume and resume_from.exists() else None
        average = WeightAverage(model, args.ema, *((ck_ema["state"], ck_ema["n"]) if ck_ema else ()))
    write_args()
    synth = ClipSynth(sources.load_photos("train"), SynthConfig(size=(args.crop, args.crop), pivot_spread=args.pivot_spread,
                                                                time_offset=args.time_offset),
                      sources.load_videos("train"),
                      device=str(device) if device.type == "cuda" and not args.workers else "cpu")
    dev_clips = []
    if DEV.is_dir():
        for d in clipio.clip_dirs(DEV):
            dev_clips.append((clipio.load_clip(d, "blur"), clipio.load_clip(d, "sharp")))

    def save():
        """Full state (model, optimiser, step, RNG) to the run folder and to the committed copy."""
        state = {"model": {k: v.cpu() for k, v in model.state_dict().items()}, "opt": opt.state_dict(),
                 "step": step, "rng": g.get_state(), "arch": model.arch.to_dict(), "name": args.name}
        if average is not None:
            state["ema"] = {"state": average.state, "n": average.n}
        for path in (ckpt_path,) if args.no_ship else (ckpt_path, shipped):
            torch.save(state, str(path) + ".tmp")
            os.replace(str(path) + ".tmp", path)
        if average is not None:  # the average alone, as a weights-only checkpoint
            torch.save({"model": average.state, "step": step, "arch": model.arch.to_dict(), "name": f"{args.name}-ema"},
                       str(run / "ema.pt") + ".tmp")
            os.replace(str(run / "ema.pt") + ".tmp", run / "ema.pt")

    log = open(run / "log.jsonl", "a")

    def record(rec):
        print(json.dumps(rec), flush=True)
        log.write(json.dumps(rec) + "\n")
        log.flush()

    batches = worker_batches(synth, args, step, device.type == "cuda") if args.workers else None
    blur_weight = BlurWeight(args.blur_weight)
    model.train()
    t0, acc, acc_f, acc_n = time.time(), 0.0, 0.0, 0
    stop = args.stop_at or args.steps
    start, started, timed_from = step, time.time(), None
    deadline = started + args.minutes * 60 if args.minutes else math.inf
    while step < stop and time.time() < deadline:
        if step - start == CALIBRATE[0]:
            timed_from = time.time()
        frac = step / args.steps
        lr = args.lr * min(1.0, (step + 1) / 200) * cosine(min(frac, 1.0))
        for grp in opt.param_groups:
            grp["lr"] = lr * grp["lr_scale"]
        if batches is not None:
            blur, sharp, flows, valid = (t.to(device, non_blocking=True) for t in next(batches))
        else:
            blur, sharp, flows, valid = make_batch(synth, g, args.batch, args.video_frac, device)
        out, pyramids = model(blur)
        per_clip = charbonnier(out, sharp, per_clip=True)
        l_img = per_clip.mean()  # logged unweighted, comparable across runs
        if args.loss == "psnr":
            per_clip = psnr_loss(out, sharp)
        if args.fft_weight:
            per_clip = per_clip + args.fft_weight * spectrum_l1(out, sharp)
        l_fit = (blur_weight(blur[:, CENTRE], sharp) * per_clip).mean() if args.blur_weight else per_clip.mean()
        wf = args.flow_weight * 0.5 ** (step / args.flow_decay)
        l_flow = flow_loss(pyramids, flows, valid) if model.flow is not None else out.new_zeros(())
        loss = l_fit + wf * l_flow
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if average is not None:
            average.update(model)
        step += 1
        acc += float(l_img)
        acc_f += float(l_flow)
        acc_n += 1
        since = step - start
        if args.minutes and (since == CALIBRATE[1] or (since > CALIBRATE[1] and step % args.log_every == 0)):
            # The schedule, fitted after CALIBRATE[1] steps and refitted at every log
            # step, from the mean step time since CALIBRATE[0] (prefetched batches
            # can make the first steps faster than the rest).
            s_per_step = (time.time() - timed_from) / (since - CALIBRATE[0])
            args.steps = stop = fit_schedule(step, s_per_step, deadline - time.time())
            if since == CALIBRATE[1]:
                rec = {"step": step, "schedule_steps": args.steps, "s_per_step": s_per_step}
                if device.type == "cuda":
                    rec["gpu_max_gib"] = torch.cuda.max_memory_allocated() / 2**30
                record(rec)
        if step % args.log_every == 0:
            rec = {"step": step, "loss": acc / acc_n, "epe": acc_f / acc_n, "lr": lr,
                   "s_per_step": (time.time() - t0) / acc_n, "time": time.time()}
            if args.minutes and since >= CALIBRATE[1]:
                rec["schedule_steps"] = args.steps
            t0, acc, acc_f, acc_n = time.time(), 0.0, 0.0, 0
            if dev_clips and step % args.dev_every == 0:
                rec.update(quick_dev(model, dev_clips, device))
            record(rec)
        if step % args.ckpt_every == 0 or step == stop:
            save()
    save()
    if args.minutes:  # the fitted schedule, for --resume --steps
        write_args()
        print(f"schedule fitted to {args.minutes} min: {args.steps} steps, stopped at {step}", flush=True)


if __name__ == "__main__":
    main()
