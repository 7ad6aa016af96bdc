"""The video ruler of lesson 14a end to end on the CPU: a tiny VideoDiT trained for a few steps, scored by the command.

`nano_sora_fid --ckpt RUN` on a video run samples class-balanced clips with the run's recipe and prints one line of the
video measures (label accuracy, identity, motion, FD to real clips of held-out digits) instead of an FID. An untrained
model's clips must score far below real clips measured the same way; a run the ruler cannot read (48 x 48 frames) and
image flags given with a video checkpoint are refused in one line with exit code 2. `--record` appends the same
measures to a records file as a `clips` line, and `nano_sora_speedrun --preset video` (tiny, a few seconds) writes a
record whose `scores` are the same measures.
"""
import json
from pathlib import Path
import numpy as np
import pytest
from cli_helpers import entry

TINY = ['model.dim=64', 'model.depth=2', 'model.heads=2', 'model.frames=8', 'train.batch_size=8', 'train.lr=2e-3',
        'train.warmup_steps=0', 'train.precision=fp32', 'train.compile=false', 'train.epochs=1', 'train.log_every=2',
        'train.sample_every_epochs=0', 'train.ckpt_every_epochs=1', 'sample.steps=4', 'data.gpu_resident=false']


def fid_cli(*args, cwd):
    "nano_sora_fid as its console script runs it, in `cwd`: (exit code, stdout, stderr)."
    r = entry('training.evaluation', 'main', *args, cwd=cwd)
    return r.returncode, r.stdout, r.stderr


def tiny_video_run(folder: Path, size: int = 64) -> Path:
    "Lesson 14's CPU twin on 32 clips of `size` pixels: a 2-block VideoDiT, 4 steps, one checkpoint."
    from nano_sora.config import get_config
    from nano_sora.data.moving_mnist import bouncing_clips
    from nano_sora.training.train import train
    from nano_sora.training.video_eval import digit_split
    import nano_sora.models.video  # noqa: F401  (the video presets and model)
    (digits, labels), _ = digit_split()
    x, y = bouncing_clips(digits, labels, 32, frames=8, size=size, seed=0)
    train(get_config('video', [*TINY, f'model.img_size={size}']), folder, data=(x, y), quiet=True)
    return folder


@pytest.fixture(scope='module')
def scored(tmp_path_factory):
    """The command's line for 40 clips of the tiny run, 40 real clips' measures, the run: (code, out, err, real, run).
    The command also records its measures (`--record`) in the run's folder's records.jsonl."""""
    from nano_sora.training.video_eval import real_clips, score_clips
    run = tiny_video_run(tmp_path_factory.mktemp('video')/'run')
    code, out, err = fid_cli('--ckpt', run, '--n', 40, '--device', 'cpu', '--record', 'the tiny run after 4 steps',
                             '--records', run.parent/'records.jsonl', cwd=run.parent)
    x, y = real_clips(40, 8, seed=7)
    return code, out, err, score_clips(x, y, None, 'cpu'), run


def measures(out: str) -> dict:
    "The measures of the command's first line, `video <n> <name> <value> ... <what>`."
    words = out.splitlines()[0].split()
    return dict(zip(words[2:-1:2], map(float, words[3:-1:2])))


def test_command_prints_the_video_measures(scored):
    code, out, err, _, _ = scored
    assert code == 0, err[-2000:]
    words = out.splitlines()[0].split()
    assert words[:2] == ['video', '40'] and words[-1].endswith('run'), out
    scores = measures(out)
    assert set(scores) == {'label_frames', 'label_clips', 'identity', 'motion', 'fd'}, out
    assert all(np.isfinite(v) and v >= 0 for v in scores.values()), out


def test_record_holds_the_printed_measures(scored):
    code, out, err, _, run = scored
    assert code == 0, err[-2000:]
    path = run.parent/'records.jsonl'
    assert out.splitlines()[1] == f'appended to {path}', out
    rec = json.loads(path.read_text())                                     # one line: json.loads refuses two
    assert rec['kind'] == 'clips' and 'fid' not in rec and rec['preset'] == 'video' and rec['n'] == 40
    assert rec['scores'] == {k: round(v, 4) for k, v in measures(out).items()}, (rec, out)
    assert rec['sampler'] == 'euler 4 steps, t_shift 1.0, cfg off' and rec['gpu'] == 'cpu'
    assert rec['what'] == 'the tiny run after 4 steps' and rec['command'].startswith(f'nano_sora_fid --ckpt {run} ')


def test_untrained_clips_score_far_below_real_clips(scored):
    code, out, err, real, _ = scored
    assert code == 0, err[-2000:]
    gen = measures(out)
    assert real['label_clips'] >= 0.75 and real['motion'] >= 0.7, real           # the ruler's ceiling on real clips
    assert gen['label_clips'] <= real['label_clips'] - 0.5 and gen['label_frames'] <= real['label_frames'] - 0.5, out
    assert gen['motion'] <= real['motion'] - 0.5, out
    assert gen['fd'] >= 10 * real['fd'], (out, real)


def test_what_the_ruler_cannot_read_is_one_line(scored, tmp_path):
    run = tiny_video_run(tmp_path/'run48', size=48)
    code, out, err = fid_cli('--ckpt', run, '--n', 4, '--device', 'cpu', cwd=tmp_path)
    assert code == 2 and err.startswith('error: ') and 'this run makes 1 x 8 x 48 x 48' in err, err   # before sampling
    np.save(tmp_path/'images.npy', np.zeros((4, 32, 32, 3), np.uint8))
    code, out, err = fid_cli('--ckpt', scored[4], '--samples', tmp_path/'images.npy', '--device', 'cpu', cwd=tmp_path)
    assert code == 2 and 'score a video checkpoint on its own' in err and 'Traceback' not in err, err


SPEEDRUN = ['model.dim=64', 'model.depth=2', 'model.heads=2', 'train.batch_size=8', 'train.precision=fp32',
            'train.compile=false', 'train.warmup_steps=0', 'train.log_every=5', 'train.sample_every_epochs=0',
            'sample.steps=4', 'data.limit=64', 'data.gpu_resident=false']


def speedrun_cli(*args, cwd):
    "nano_sora_speedrun as its console script runs it, in `cwd`: the finished process."
    return entry('benchmark', 'speedrun_main', *args, cwd=cwd)


def test_speedrun_of_a_video_preset_records_the_video_measures(tmp_path):
    records = tmp_path/'records.jsonl'
    r = speedrun_cli('--preset', 'video', '--minutes', '0.05', '--n', '20', '--device', 'cpu', '--records', records,
                     '--set', *SPEEDRUN, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    rec = json.loads(records.read_text())
    assert 'fid' not in rec and set(rec['scores']) == {'label_frames', 'label_clips', 'identity', 'motion', 'fd'}
    assert rec['preset'] == 'video' and rec['n'] == 20 and rec['steps'] > 0
    assert f"label_clips {rec['scores']['label_clips']}" in r.stdout and 'FID' not in r.stdout
    r = speedrun_cli('--preset', 'video', '--ref', tmp_path/'stats.npz', '--records', tmp_path/'other.jsonl',
                     cwd=tmp_path)
    assert r.returncode == 2 and '--ref is FID statistics' in r.stderr and not (tmp_path/'other.jsonl').exists()
