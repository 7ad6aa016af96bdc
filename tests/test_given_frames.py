"""Lesson 14d's model from given frames on the CPU: the masked loss, sampling that keeps the given frames, the commands.

`model.kind=given_frames` trains through the unchanged trainer (the `rf` loss sends such a model to the loss over the
frames to generate), `nano_sora_fid --ckpt RUN` on such a run prints `given_frames <n>` with lesson 14a's measures
and, per task, how many generated frames keep the given digits and how far they are from the true bouncing path next
to the frozen guess, `nano_sora_speedrun --preset video_frames` records the same numbers, and
`nano_sora_sample --task` continues held-out clips from their given frames. Tiny runs: seconds.
"""
import json
from pathlib import Path
import numpy as np
import pytest
import torch
from cli_helpers import cli, entry, one_line_error

TINY = ['model.dim=64', 'model.depth=2', 'model.heads=2', 'model.frames=8', 'train.batch_size=8', 'train.lr=2e-3',
        'train.warmup_steps=0', 'train.precision=fp32', 'train.compile=false', 'train.log_every=2',
        'train.sample_every_epochs=0', 'sample.steps=2', 'data.gpu_resident=false']
TASK_KEYS = {f'{t}_{k}' for t in ('extend', 'fill', 'animate') for k in ('kept', 'px', 'frozen_px')}
VIDEO_KEYS = {'label_frames', 'label_clips', 'identity', 'motion', 'fd'}


def test_loss_counts_only_the_frames_to_generate_and_plain_models_keep_theirs():
    from nano_sora.config import FlowConfig, NanoSoraError, get_config
    from nano_sora.models.dit import make_model
    from nano_sora.training.flow_matching import METHODS, flow_loss
    from nano_sora.training.given_frames import given_frames_loss, task_mask, GivenFramesDiT
    x1 = torch.rand(3, 1, 8, 64, 64) * 2 - 1
    x0, t, y = torch.randn_like(x1), torch.rand(3), torch.tensor([1, 2, 3])
    mask = torch.stack([task_mask(k, 8) for k in ('extend', 'fill', 'animate')])
    given = mask.bool()[:, None, :, None, None]
    fake = lambda v: lambda x_t, t, y, g, m: torch.where(given, v, x1 - x0)   # right on the frames to generate
    assert given_frames_loss(fake(0.0), x1, x0, t, y, FlowConfig(), mask)[0] < 1e-10
    assert given_frames_loss(fake(1e3), x1, x0, t, y, FlowConfig(), mask)[0] < 1e-10
    off = lambda x_t, t, y, g, m: torch.where(given, x1 - x0, x1 - x0 + 2)    # off by 2 where it is generated
    assert torch.allclose(given_frames_loss(off, x1, x0, t, y, FlowConfig(), mask)[1], torch.full((3,), 4.0))
    cfg = get_config('video', ['model.dim=64', 'model.depth=2', 'model.heads=2', 'model.frames=8'])
    plain = make_model(cfg.model)
    torch.manual_seed(0); a = METHODS['rf'](plain, x1, x0, t, y)[0]
    torch.manual_seed(0); b = flow_loss(plain, x1, x0, t, y)[0]
    assert torch.equal(a, b)
    assert isinstance(make_model(get_config('video_frames', TINY[:4]).model), GivenFramesDiT)
    for bad in (FlowConfig(loss='min_snr'), FlowConfig(precond='edm'), FlowConfig(contrastive=0.1)):   # its own loss
        with pytest.raises(NanoSoraError, match='flow.precond=none and flow.loss=mse'):
            given_frames_loss(fake(0.0), x1, x0, t, y, bad, mask)


def test_sampling_returns_the_given_frames_as_given():
    from nano_sora.config import SampleConfig, get_config
    from nano_sora.data.moving_mnist import bouncing_clips
    from nano_sora.models.dit import make_model
    from nano_sora.training.given_frames import generate_given, task_mask
    from nano_sora.training.video_eval import digit_split
    _, (digits, labels) = digit_split()
    x, y = bouncing_clips(digits, labels, 3, 8, 64, seed=3)
    model = make_model(get_config('video_frames', TINY[:4]).model)
    for p in model.final.parameters(): torch.nn.init.normal_(p, std=0.02)
    mask = torch.stack([task_mask(k, 8) for k in ('extend', 'fill', 'animate')])
    out = generate_given(model, y, x, mask, SampleConfig(steps=2, cfg_scale=2.0))
    given = mask.bool()[:, None, :, None, None].expand_as(x)
    assert torch.equal(out[given], x[given]) and not torch.equal(out[~given], x[~given])


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    "A tiny given-frames run through the trainer: 16 clips of 8 frames, one epoch."
    from nano_sora.config import get_config
    from nano_sora.data.moving_mnist import bouncing_clips
    from nano_sora.training.train import train
    from nano_sora.training.video_eval import digit_split
    import nano_sora.training.given_frames  # noqa: F401  (the preset, the model, the loss)
    (digits, labels), _ = digit_split()
    x, y = bouncing_clips(digits, labels, 16, frames=8, seed=0)
    folder = tmp_path_factory.mktemp('frames')/'run'
    summary = train(get_config('video_frames', [*TINY, 'train.epochs=1']), folder, data=(x, y), quiet=True)
    assert summary['step'] == 2 and np.isfinite(summary['loss'])
    return folder


def scores_of(line: str) -> dict:
    words = line.split()
    return dict(zip(words[2:-1:2], map(float, words[3:-1:2])))


def test_fid_command_prints_the_given_frames_measures(run):
    r = entry('nano_sora.training.evaluation', 'main', '--ckpt', run, '--n', 6, '--device', 'cpu', cwd=run.parent)
    assert r.returncode == 0, r.stderr[-2000:]
    line = r.stdout.strip().splitlines()[-1]
    assert line.split()[:2] == ['given_frames', '6'] and line.split()[-1].endswith('run'), line
    s = scores_of(line)
    assert set(s) == VIDEO_KEYS | TASK_KEYS | {'real_kept', 'real_px'}, line
    assert 0.6 <= s['real_kept'] <= 1 and s['real_px'] < 3, line                      # the ruler on real clips
    assert all(s[f'{t}_frozen_px'] > 2 * s['real_px'] for t in ('extend', 'fill', 'animate')), line
    assert all(0 <= s[f'{t}_kept'] < s['real_kept'] for t in ('extend', 'fill', 'animate')), line   # untrained


def test_sample_command_continues_held_out_clips(run, tmp_path):
    from nano_sora.data.moving_mnist import bouncing_clips
    from nano_sora.training.video_eval import digit_split
    code, out, err = cli('inference', '--ckpt', run, '--device', 'cpu', '--task', 'extend', '--n', 3,
                         '--out', tmp_path/'e.npy')
    assert code == 0, err[-2000:]
    clips = np.load(tmp_path/'e.npy')                                                # (n, T, H, W, 1)
    _, (digits, labels) = digit_split()
    truth = bouncing_clips(digits, labels, 3, 8, 64, seed=0)[0][:, 0, ..., None].numpy()   # --seed 0's clips
    assert clips.shape == (3, 8, 64, 64, 1) and (clips[:, :4] == truth[:, :4]).all()  # the first 4 frames, as given
    for flags, words in [(['--task', 'fill', '--classes', '3'], ['drop --classes']),
                         (['--task', 'fill', '--size', '8x64'], ['are two ways to sample; ask for one']),
                         (['--size', '8x64'], ['--size needs a model trained on packed sizes'])]:
        one_line_error(*cli('inference', '--ckpt', run, '--device', 'cpu', *flags, '--out', tmp_path/'no.npy')[::2],
                       *words)
    assert not (tmp_path/'no.npy').exists()


def test_speedrun_records_the_given_frames_measures(tmp_path):
    records = tmp_path/'records.jsonl'
    r = entry('nano_sora.benchmark', 'speedrun_main', '--preset', 'video_frames', '--minutes', '0.02', '--n', '4',
            '--device', 'cpu', '--records', records, '--set', *[o for o in TINY if 'frames' not in o], 'data.limit=32',
            cwd=tmp_path)                                           # the data source's 16-frame clips
    assert r.returncode == 0, r.stderr[-2000:]
    rec = json.loads(records.read_text())
    assert rec['preset'] == 'video_frames' and rec['n'] == 4 and 'fid' not in rec
    assert set(rec['scores']) == VIDEO_KEYS | TASK_KEYS | {'real_kept', 'real_px'}
    assert f"extend_frozen_px {rec['scores']['extend_frozen_px']}" in r.stdout
    assert Path(rec['run_dir']).is_absolute() or (tmp_path/rec['run_dir']).is_dir()
