"""The training step: batches with flips/reversal keep flows consistent, the
flow loss is zero for perfect flows, and a few steps on one batch fit it."""
import pytest
import torch

from training.data.synth import ClipSynth, SynthConfig
from training.model import Arch, UnblurNet
from training.ops import warp
from training.tests.test_data import photos
from training.train import charbonnier, flow_loss, make_batch


def save_weights(model: UnblurNet, path, step: int = 0):
    """A weights-only checkpoint of `model`, as init_from and export read one; returns path."""
    torch.save({"model": model.state_dict(), "arch": model.arch.to_dict(), "step": step}, path)
    return path


@pytest.fixture
def isolated_train(tmp_path, monkeypatch):
    """training.train on the fake photos (no video), writing only under
    tmp_path (runs/, ck/) and with no dev set."""
    from training import train
    from training.data import sources

    monkeypatch.setattr(sources, "load_photos", lambda split: photos())
    monkeypatch.setattr(sources, "load_videos", lambda split: [])
    monkeypatch.setattr(train, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(train, "CHECKPOINTS", tmp_path / "ck")
    monkeypatch.setattr(train, "DEV", tmp_path / "no-dev")
    return train


def test_batch_augmentations_keep_flows_true():
    s = ClipSynth(photos(), SynthConfig(size=(32, 48), max_layers=0, noise=(0.0, 0.0), jpeg_prob=0.0,
                                        sharp_frame_prob=1.0))
    g = torch.Generator().manual_seed(5)
    blur, sharp, flows, valid = make_batch(s, g, 6, 0.0, "cpu")
    assert blur.shape == (6, 5, 3, 32, 48) and flows.shape == (6, 5, 2, 32, 48) and valid.tolist() == [1.0] * 6
    for b in range(6):
        for i in (1, 3):  # nearly sharp frames: warping them by the true flow matches the centre
            inside = warp(torch.ones(1, 1, 32, 48), flows[b, i:i + 1])[0] > 0.999
            w = warp(blur[b, i:i + 1], flows[b, i:i + 1])[0]
            moved = (blur[b, i] - blur[b, 2]).abs()[inside.expand(3, -1, -1)]
            err = (w - blur[b, 2]).abs()[inside.expand(3, -1, -1)]
            if inside.sum() > 100 and moved.mean() > 0.02:
                assert err.mean() < 0.5 * moved.mean()


def test_flow_loss_zero_for_true_flow():
    gt = torch.zeros(2, 5, 2, 32, 32)
    gt[:, :, 0] = 4.0
    pyr = [[torch.full((2, 2, 8 // s, 8 // s), 1.0 / s) * torch.tensor([1.0, 0.0]).view(1, 2, 1, 1)
            for s in (4, 2, 1)] for _ in range(5)]
    assert float(flow_loss(pyr, gt, torch.ones(2))) < 1e-6
    assert float(flow_loss(pyr, gt + 1, torch.ones(2))) > 0.1
    assert float(flow_loss(pyr, gt + 1, torch.zeros(2))) == 0


def test_few_steps_fit_one_batch():
    torch.manual_seed(0)
    s = ClipSynth(photos(), SynthConfig(size=(32, 32)))
    blur, sharp, _, _ = make_batch(s, torch.Generator().manual_seed(6), 2, 0.0, "cpu")
    m = UnblurNet(Arch(c1=8, c2=8, c=16, flow_width=8))
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    first = None
    for _ in range(120):
        loss = charbonnier(m(blur)[0], sharp)
        first = first if first is not None else float(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss) < 0.9 * first


def test_a_pretrained_flow_estimator_loads_into_a_model_that_fits_it(tmp_path):
    from training.pretrain_flow import flow_arch, flow_state, load_flow
    torch.manual_seed(0)
    src = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8, flow_features=6))
    path = tmp_path / "flow.pt"
    torch.save({"flow": flow_state(src), "arch": flow_arch(src), "step": 1, "epe": 1.0}, path)
    assert all(k.startswith(("flow.", "flow_features.")) for k in flow_state(src))
    dst = UnblurNet(Arch(c1=6, c2=8, c=12, flow_width=8, flow_features=6))  # other restorer widths: fine
    enc_before = dst.encoder.stage1.conv.weight.clone()
    load_flow(dst, path)
    for k, v in flow_state(src).items():
        assert torch.equal(dst.state_dict()[k], v)
    assert torch.equal(dst.encoder.stage1.conv.weight, enc_before)
    with pytest.raises(ValueError, match="does not fit"):
        load_flow(UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8)), path)  # shares F: no G to load
    with pytest.raises(ValueError, match="no flow estimator"):
        load_flow(UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8, flow_features=6, align=False)), path)


def test_init_from_starts_a_run_from_a_checkpoint_of_the_same_architecture(tmp_path):
    from training.train import init_from
    torch.manual_seed(0)
    src = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8))
    path = save_weights(src, tmp_path / "ck.pt", 7)
    dst = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8))
    init_from(dst, path)
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v)
    with pytest.raises(ValueError, match="does not fit"):
        init_from(UnblurNet(Arch(c1=4, c2=6, c=12, flow_width=8)), path)  # other widths
    with pytest.raises(ValueError, match="does not fit"):
        init_from(UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8, align=False)), path)  # lacks the flow estimator
    # Grown by the frame path: everything else loaded, the path at zero (so the same output).
    grown = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8, frame_path=True))
    init_from(grown, path)
    assert grown.frame_path.weight.abs().sum() == 0 and grown.frame_path.bias.abs().sum() == 0
    torch.nn.init.normal_(src.decoder.out.weight, std=0.1)
    save_weights(src, path, 7)
    init_from(grown, path)
    x = torch.rand(1, 5, 3, 16, 16)
    assert torch.equal(grown(x)[0], src(x)[0])
    with pytest.raises(ValueError, match="does not fit"):
        init_from(UnblurNet(Arch(c1=4, c2=6, c=12, flow_width=8, frame_path=True)), path)


def test_ablation_run_folders_tell_runs_apart():
    from argparse import Namespace

    from training.ablation import run_name

    def name(**kw):
        a = dict(preset="small", crop=96, flow_detach=False, flow_features=0, init_flow=None, frame_path=False, seed=1)
        return run_name("full", Namespace(**{**a, **kw}))

    assert name() == "abl_small96_full"  # the first runs' names stay
    assert name(seed=3, flow_detach=True) == "abl_small96fd_s3_full"
    assert name(flow_features=32, init_flow="training/checkpoints/flow-ff32.pt") == "abl_small96ff32pf_full"
    assert name(flow_features=32, init_flow="ck/flow-ff32-4k.pt", seed=2) == "abl_small96ff32pf4k_s2_full"
    assert name(flow_features=32, init_flow="other.pt") == "abl_small96ff32pfother_full"
    assert name(flow_features=32, init_flow="ck/flow-ff32-4k.pt", frame_path=True) == "abl_small96ff32pf4kfp_full"


def test_flow_pretraining_writes_its_checkpoint_and_log_where_asked(tmp_path, isolated_train):
    from training import pretrain_flow
    from training.pretrain_flow import load_flow

    out = tmp_path / "ck" / "flow-ff8-short.pt"
    pretrain_flow.main(["--flow-features", "8", "--flow-width", "8", "--steps", "2", "--batch", "1",
                        "--crop", "32", "--threads", "1", "--out", str(out)])
    ck = torch.load(out)
    assert ck["step"] == 2 and ck["arch"]["flow_features"] == 8 and ck["epe"] > 0
    assert (tmp_path / "runs" / "flow-ff8-short" / "log.jsonl").exists()  # one log folder per checkpoint
    load_flow(UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8, flow_features=8)), out)


def test_quick_dev_reports_the_temporal_path():
    from training.train import quick_dev

    torch.manual_seed(0)
    model = UnblurNet(Arch(c1=4, c2=6, c=8, flow_width=8))
    sharp = torch.rand(8, 3, 20, 24)
    blur = (sharp + 0.05).clamp(0, 1)
    res = quick_dev(model, [(blur, sharp)], "cpu")
    assert set(res) == {"dev_psnr_in", "dev_psnr_out", "dev_psnr_centre_only", "dev_mask"}
    # an untrained model is the identity, with or without neighbours
    assert abs(res["dev_psnr_out"] - res["dev_psnr_in"]) < 1e-6
    assert abs(res["dev_psnr_centre_only"] - res["dev_psnr_in"]) < 1e-6
    assert 0.3 < res["dev_mask"] < 0.7 and model.training
    torch.nn.init.normal_(model.decoder.out.weight, std=0.1)
    res = quick_dev(model, [(blur, sharp)], "cpu")
    assert res["dev_psnr_out"] != res["dev_psnr_centre_only"]  # now the neighbours change the output


def test_train_grows_the_frame_path_on_a_checkpoint_with_its_own_learning_rate_and_resumes(tmp_path, isolated_train):
    train = isolated_train
    torch.manual_seed(0)
    src = UnblurNet(Arch(**train.PRESETS["small"]))
    start = save_weights(src, tmp_path / "start.pt", 9)
    args = ["--name", "grow", "--preset", "small", "--crop", "32", "--batch", "1", "--threads", "1",
            "--frame-path", "--no-ship", "--log-every", "1"]
    train.main(args + ["--steps", "2", "--init-from", str(start)])
    ck = torch.load(tmp_path / "runs" / "grow" / "ckpt.pt")
    assert ck["step"] == 2 and ck["arch"]["frame_path"]
    assert [g["lr_scale"] for g in ck["opt"]["param_groups"]] == [1.0, 0.1, 10.0]
    assert ck["model"]["frame_path.weight"].abs().sum() > 0  # it learnt from zero
    train.main(args + ["--steps", "3", "--resume"])
    assert torch.load(tmp_path / "runs" / "grow" / "ckpt.pt")["step"] == 3


def test_worker_batches_are_the_steps_own_whatever_the_number_of_workers():
    from types import SimpleNamespace

    from training.train import StepBatches, worker_batches

    s = ClipSynth(photos(), SynthConfig(size=(24, 24)))
    direct = StepBatches(s, 4, 2, 0.0)
    for workers in (1, 2):
        it = worker_batches(s, SimpleNamespace(seed=4, batch=2, video_frac=0.0, workers=workers), 5, pin=False)
        for step in (5, 6, 7):
            got, want = next(it), direct[step]
            assert all(torch.equal(a, b) for a, b in zip(got, want)), (workers, step)
    assert not torch.equal(direct[5][0], direct[6][0]) and not torch.equal(direct[5][0], StepBatches(s, 3, 2, 0.0)[5][0])


def test_a_run_with_minutes_fits_its_schedule_to_the_time(tmp_path, isolated_train):
    import json
    import time

    train = isolated_train
    t0 = time.time()
    train.main(["--name", "timed", "--crop", "24", "--batch", "1", "--threads", "1", "--no-ship", "--workers", "1",
                "--minutes", "0.5", "--steps", "1000000", "--log-every", "10"])
    took = time.time() - t0
    log = [json.loads(line) for line in open(tmp_path / "runs" / "timed" / "log.jsonl")]
    fitted = json.load(open(tmp_path / "runs" / "timed" / "args.json"))["steps"]
    step = torch.load(tmp_path / "runs" / "timed" / "ckpt.pt")["step"]
    calibration = [r for r in log if "loss" not in r]
    assert [r["step"] for r in calibration] == [train.CALIBRATE[1]] and calibration[0]["s_per_step"] > 0
    refits = [r["schedule_steps"] for r in log if "loss" in r and "schedule_steps" in r]
    assert "schedule_steps" not in log[0] and refits and refits[-1] == fitted  # refitted as it went
    assert train.CALIBRATE[1] < fitted < 1000000
    assert step <= fitted and took < 0.5 * 60 + 20  # loading and the first steps are outside the budget
    assert train.fit_schedule(100, 0.5, 60) == 100 + int(0.97 * 60 / 0.5)
    assert train.fit_schedule(100, 5.0, 1) == 101


def test_pivot_spread_and_time_offset_reach_the_clip_synthesiser(tmp_path, isolated_train, monkeypatch):
    train = isolated_train
    made = []
    real = train.ClipSynth
    monkeypatch.setattr(train, "ClipSynth", lambda *a, **k: made.append(a[1]) or real(*a, **k))
    train.main(["--name", "pivot", "--preset", "small", "--crop", "32", "--batch", "1", "--threads", "1",
                "--no-ship", "--steps", "1", "--pivot-spread", "30", "--time-offset", "19"])
    assert [(c.pivot_spread, c.time_offset) for c in made] == [(30.0, 19.0)]


def test_blur_weight_counts_blurrier_clips_more_and_averages_about_one(tmp_path, isolated_train, monkeypatch):
    from training.train import BlurWeight

    sharp = torch.zeros(2, 3, 4, 4)
    blur = torch.stack((torch.full((3, 4, 4), 0.1), torch.full((3, 4, 4), 0.3)))
    w = BlurWeight(1.0)(blur, sharp)
    assert torch.allclose(w, torch.tensor([0.5, 1.5]))  # error 0.1 and 0.3 around their mean 0.2
    w2 = BlurWeight(2.0)(blur, sharp)
    assert torch.allclose(w2, torch.tensor([0.25, 2.25]))
    assert torch.equal(BlurWeight(0.0)(blur, sharp), torch.ones(2))
    bw = BlurWeight(1.0, decay=0.5)
    bw(blur, sharp)
    assert torch.allclose(bw(blur * 3, sharp), torch.tensor([0.75, 2.25]))  # reference 0.5 * 0.2 + 0.5 * 0.6
    assert torch.allclose(charbonnier(blur, sharp, per_clip=True).mean(), charbonnier(blur, sharp))
    weights = []

    class Recorded(BlurWeight):
        def __call__(self, blur_centre, sharp):
            weights.append((self.gamma, super().__call__(blur_centre, sharp)))
            return weights[-1][1]

    monkeypatch.setattr(isolated_train, "BlurWeight", Recorded)
    short_run(isolated_train, "weighted", "--blur-weight", "1")
    assert [(gamma, w.shape) for gamma, w in weights] == [(1.0, (2,))] * 2  # every step's loss weighted
    assert torch.load(tmp_path / "runs" / "weighted" / "ckpt.pt")["step"] == 2


def record_loss_calls(train, monkeypatch, name):
    """Patch train.<name>, a loss of (out, sharp), to record each call's out shape; returns the list."""
    used, real = [], getattr(train, name)
    monkeypatch.setattr(train, name, lambda a, b: used.append(a.shape) or real(a, b))
    return used


def short_run(train, name, *flags, steps=2):
    """A run of the small preset on 2 crops of 32x32, kept in runs/<name>."""
    train.main(["--name", name, "--preset", "small", "--crop", "32", "--batch", "2", "--threads", "1",
                "--no-ship", "--steps", str(steps), *flags])


def test_psnr_loss_is_minus_each_clips_psnr_and_reaches_training(tmp_path, isolated_train, monkeypatch):
    import math

    from training.metrics import psnr
    from training.train import psnr_loss

    g = torch.Generator().manual_seed(0)
    sharp = torch.rand(2, 3, 8, 8, generator=g) * 0.8 + 0.1
    out = sharp + torch.stack((torch.full((3, 8, 8), 0.01), torch.randn(3, 8, 8, generator=g) * 0.05))
    got = psnr_loss(out, sharp, scale=1.0, floor=0.0)
    want = torch.tensor([-psnr(out[i], sharp[i]) * math.log(10) / 10 for i in range(2)])
    assert torch.allclose(got, want, atol=1e-4)
    assert psnr_loss(sharp, sharp, scale=0.5, floor=1e-4).tolist() == pytest.approx([0.5 * math.log(1e-4)] * 2)
    used = record_loss_calls(isolated_train, monkeypatch, "psnr_loss")
    short_run(isolated_train, "psnr", "--loss", "psnr")
    assert used == [(2, 3, 32, 32)] * 2  # every step's image loss
    assert torch.load(tmp_path / "runs" / "psnr" / "ckpt.pt")["step"] == 2


def test_spectrum_l1_weighs_the_frequencies_of_the_error_and_reaches_training(tmp_path, isolated_train, monkeypatch):
    from training.train import spectrum_l1

    sharp = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    out = sharp.clone()
    out[1] += 0.3  # a constant error: only the DC coefficient, 0.3 * sqrt(16), of the 4 * 3 rfft2 coefficients
    assert torch.allclose(spectrum_l1(out, sharp), torch.tensor([0.0, 0.3 * 4 / 12]), atol=1e-6)
    impulse = sharp.clone()
    impulse[0, :, 0, 0] += 0.8  # every coefficient 0.8 / 4, real: |Re| + |Im| = 0.2
    assert torch.allclose(spectrum_l1(impulse, sharp)[0], torch.tensor(0.2), atol=1e-6)
    used = record_loss_calls(isolated_train, monkeypatch, "spectrum_l1")
    short_run(isolated_train, "fft", "--fft-weight", "0.5")
    assert used == [(2, 3, 32, 32)] * 2  # every step's image loss
    assert torch.load(tmp_path / "runs" / "fft" / "ckpt.pt")["step"] == 2
    used.clear()
    short_run(isolated_train, "plain", steps=1)
    assert used == []  # off by default


def test_weight_average_follows_the_weights_with_its_decay_and_a_run_writes_and_resumes_it(tmp_path, isolated_train):
    from training import export
    from training.train import WeightAverage

    model = UnblurNet(Arch(**isolated_train.PRESETS["small"]))
    name, w = next(iter(model.named_parameters()))
    with torch.no_grad():
        w.fill_(0.0)
    avg = WeightAverage(model, 0.5)
    for value in (1.0, 2.0, 3.0):
        with torch.no_grad():
            w.fill_(value)
        avg.update(model)
    want = ((0.0 * 0.5 + 1.0 * 0.5) * 0.5 + 2.0 * 0.5) * 0.5 + 3.0 * 0.5  # 2.125
    assert torch.allclose(avg.state[name], torch.full_like(w, want)) and avg.n == 3
    assert w.eq(3.0).all()  # the model's own weights are untouched

    args = ["--name", "avg", "--preset", "small", "--crop", "32", "--batch", "1", "--threads", "1", "--no-ship",
            "--ema", "0.9"]
    isolated_train.main(args + ["--steps", "2"])
    run = tmp_path / "runs" / "avg"
    ck, ema = torch.load(run / "ckpt.pt"), torch.load(run / "ema.pt")
    assert ck["ema"]["n"] == 2 and ema["step"] == 2 and ema["arch"] == ck["arch"]
    assert any(not torch.equal(ema["model"][k], ck["model"][k]) for k in ck["model"])  # an average, not a copy
    export.load_checkpoint(run / "ema.pt")  # as export and evaluate load a checkpoint
    isolated_train.main(args + ["--steps", "3", "--resume"])
    assert torch.load(run / "ckpt.pt")["ema"]["n"] == 3


def test_train_only_the_named_modules_learn_the_rest_keep_their_weights(tmp_path, isolated_train):
    train = isolated_train
    torch.manual_seed(0)
    src = UnblurNet(Arch(**train.PRESETS["small"]))
    start = save_weights(src, tmp_path / "start.pt")
    train.main(["--name", "frozen", "--preset", "small", "--crop", "32", "--batch", "1", "--threads", "1",
                "--no-ship", "--steps", "3", "--lr", "1e-3", "--init-from", str(start), "--train-only", "flow,decoder"])
    after = torch.load(tmp_path / "runs" / "frozen" / "ckpt.pt")["model"]
    moved = {k.split(".")[0] for k, v in after.items() if not torch.equal(v, src.state_dict()[k])}
    assert moved == {"flow", "decoder"}
    with pytest.raises(SystemExit):
        train.main(["--name", "bad", "--preset", "small", "--no-ship", "--steps", "1", "--train-only", "flwo"])
    assert not (tmp_path / "runs" / "bad").exists()
