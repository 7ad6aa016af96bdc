"""The speedrun and the recipe's guide, end to end on the CPU: the commands a README reader runs.

`nano_sora_speedrun` trains the tiny preset from a fresh start, samples with the run's recipe (autoguided by the
model the run kept after epoch 1), scores FID against the training set with the Inception weights beside the clone
(`../shared/fid`, skipped with a message without them), and appends one JSON line to the records file.
`nano_sora_sample --compile` then samples the same run with its guide, as the README's `make sample` does.
"""
import io, json, math, os, subprocess, sys, zipfile
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
INCEPTION = ROOT.parent/'shared/fid/inception-2015-12-05-fp16.pt'
ENV = {**os.environ, 'OMP_NUM_THREADS': '2', 'PYTHONUNBUFFERED': '1'}
RECIPE = ['sample.guide_epoch=1', 'sample.cfg_scale=2', 'train.sample_every_epochs=0', 'train.log_every=10']


def run(*args, cwd, timeout=600):
    "`python -c` running nano_sora.MODULE's FUNCTION as its console script, in `cwd`: (exit code, stdout, stderr)."
    env = {**ENV, 'NANO_SORA_INCEPTION': str(INCEPTION), 'NANO_SORA_CACHE': str(Path(cwd)/'cache')}
    r = subprocess.run([sys.executable, '-c', 'import sys; from nano_sora.{} import {} as m; m()'.format(*args[:2]),
                        *map(str, args[2:])], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope='module')
def colours(tmp_path_factory) -> Path:
    "100 images, 10 classes, each class a colour of its own."
    path = tmp_path_factory.mktemp('data')/'colours.zip'
    with zipfile.ZipFile(path, 'w') as z:
        for c in range(10):
            for i in range(10):
                rgb = np.random.default_rng(10 * c + i).integers(0, 30, (32, 32, 3)) + np.array([25 * c, 250 - 25 * c, 128])
                buf = io.BytesIO(); Image.fromarray(rgb.clip(0, 255).astype(np.uint8)).save(buf, 'PNG')
                z.writestr(f'train/c{c}/{i}.png', buf.getvalue())
    return path


@pytest.fixture(scope='module')
def speedrun(colours, tmp_path_factory):
    "One speedrun of the tiny preset: (exit code, stdout, stderr, the folder it ran in)."
    if not INCEPTION.is_file(): pytest.skip(f'needs the Inception weights at {INCEPTION}')
    cwd = tmp_path_factory.mktemp('speedrun')
    return (*run('benchmark', 'speedrun_main', '--preset', 'tiny', '--minutes', '0.25', '--n', '20', '--data', colours,
                 '--device', 'cpu', '--set', *RECIPE, cwd=cwd), cwd)


def test_speedrun_writes_one_record(speedrun):
    code, out, err, cwd = speedrun
    assert code == 0, err[-2000:]
    lines = (cwd/'records.jsonl').read_text().splitlines()
    assert len(lines) == 1
    r = json.loads(lines[0])
    assert r['kind'] == 'speedrun' and r['preset'] == 'tiny' and r['seed'] == 0
    assert r['steps'] > 0 and r['images'] == 16 * r['steps']
    assert math.isfinite(r['fid']) and r['fid'] >= 0 and r['n'] == 20 and r['gpu'] == 'cpu'
    assert 'autoguidance 2.0' in r['sampler'] and r['sampling_seconds'] > 0
    assert r['command'].startswith('nano_sora_speedrun --preset tiny --minutes 0.25 --seeds 0 --n 20 --data ')
    assert f"FID-20 {r['fid']:.2f}" in out and 'appended to records.jsonl' in out
    assert (cwd/r['run_dir']/'checkpoints/guide.safetensors').is_file()


def test_compiled_sampling_with_the_runs_guide(speedrun):
    code, out, err, cwd = speedrun
    assert code == 0, err[-2000:]
    run_dir = json.loads((cwd/'records.jsonl').read_text())['run_dir']
    code, out, err = run('inference', 'main', '--ckpt', run_dir, '--compile', '--n', '4', '--device', 'cpu',
                         '--out', 'guided.png', cwd=cwd)
    assert code == 0, err[-2000:]
    assert 'autoguidance 2.0' in out and (cwd/'guided.png').is_file()
    code, out, err = run('inference', 'main', '--ckpt', run_dir, '--guide', 'none', '--n', '4', '--device', 'cpu',
                         '--out', 'cfg.png', cwd=cwd)
    assert code == 0 and 'cfg 2.0' in out, err[-2000:]


def test_speedrun_refuses_bad_values_before_any_work(colours, tmp_path):
    for args, msg in [(['--minutes', '0'], '--minutes must be positive'), (['--n', '1'], '--n must be at least 2'),
                      (['--preset', 'huge'], 'unknown preset'), (['--set', 'train.lr=-1'], 'train.lr must be positive')]:
        code, out, err = run('benchmark', 'speedrun_main', '--data', colours, '--device', 'cpu', *args, cwd=tmp_path)
        assert code == 2 and msg in err and err.count('\n') == 1, (args, err)
    assert not (tmp_path/'runs').exists() and not (tmp_path/'records.jsonl').exists()
