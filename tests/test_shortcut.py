"""Lesson 8a's shortcut model through the commands, on the CPU: a run started from another run's weights
(`train.init_from`), trained as `model.kind=shortcut` by the standard trainer, then sampled in 2 steps with
`--sampler shortcut`; weights that do not fit, or a file that is not there, are refused in one line. Tiny runs: seconds.
"""
import contextlib, importlib, io, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch
import yaml

PY = sys.executable
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
TINY = ['--preset', 'tiny', '--device', 'cpu', '--max-steps', '2', '--set', 'train.log_every=1',
        'train.sample_every_epochs=0']


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "A small ImageFolder zip: 10 classes of 16 images, each class its own brightness."
    return shapes_zip(16, 'shapes.zip')


def cli(module, *args):
    "`python -m nano_sora.MODULE ARGS` to the end: (exit code, stdout, stderr)."
    r = subprocess.run([PY, '-m', f'nano_sora.{module}', *map(str, args)], capture_output=True, text=True, env=ENV,
                       timeout=300)
    return r.returncode, r.stdout, r.stderr


def in_process(*args):
    "`nano_sora_train ARGS` in this process, for the quick refusals: (exit code, stdout, stderr)."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = importlib.import_module('nano_sora.cli').main([str(a) for a in args]) or 0
        except SystemExit as e: code = e.code
    return code, out.getvalue(), err.getvalue()


def one_line_error(code, err, *words):
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith('error: '), (code, err[-2000:])
    assert all(w in lines[0] for w in words), (words, lines[0])


@pytest.fixture(scope='module')
def base(data, tmp_path_factory) -> Path:
    "A plain tiny run of 2 steps with seed 1: its weights are not those a seed-0 run starts from."
    run = tmp_path_factory.mktemp('base')/'run'
    code, _, err = cli('cli', '--run-dir', run, '--data', data, '--quiet', *TINY, 'train.seed=1')
    assert code == 0, err
    return run


def weights(run, part):
    return torch.load(Path(run)/'checkpoints'/'last.pt', map_location='cpu', weights_only=True)[part]


def test_fine_tuned_from_a_run_then_two_steps(data, base, tmp_path):
    run = tmp_path/'shortcut'
    code, out, err = cli('cli', '--run-dir', run, '--data', data, *TINY, 'model.kind=shortcut',
                         f'train.init_from={base}', '--max-steps', '1')
    assert code == 0, err
    assert f'weights from {base}' in out and 'new: d_embed' in out, out[-2000:]
    assert yaml.safe_load((run/'config.yaml').read_text())['model']['kind'] == 'shortcut'
    start, tuned = weights(base, 'ema'), weights(run, 'model')
    assert set(tuned) - set(start) == {f'd_embed.mlp.{i}.{p}' for i in (0, 2) for p in ('weight', 'bias')}
    drift = max((tuned[k] - v).abs().max().item() for k, v in start.items())
    assert drift < 5e-3, drift           # one step from the base's EMA weights; a fresh seed-0 model is far from them
    assert tuned['d_embed.mlp.2.weight'].abs().max() < 5e-3           # the d embedding started at zero
    code, out, err = in_process('--run-dir', run, '--resume', '--max-steps', '2')   # a resume loads its own checkpoint
    assert code == 0 and 'weights from' not in out, (out, err)
    code, _, err = cli('inference', '--ckpt', run, '--device', 'cpu', '--sampler', 'shortcut', '--steps', '2',
                       '--n', '4', '--out', tmp_path/'two.npy')
    assert code == 0, err
    x = np.load(tmp_path/'two.npy')
    assert x.dtype == np.uint8 and len(x) == 4


def test_weights_that_do_not_fit_are_refused(data, base, tmp_path):
    wide = tmp_path/'wide'
    one_line_error(*in_process('--run-dir', wide, '--data', data, '--quiet', *TINY, 'model.kind=shortcut',
                               'model.dim=128', 'model.heads=4', f'train.init_from={base}')[::2],
                   f'train.init_from={base}', 'do not fit this model', 'has another shape')
    assert not (wide/'config.yaml').exists()           # a start that failed leaves nothing that blocks a new one
    one_line_error(*in_process('--run-dir', tmp_path/'none', '--data', data, '--quiet', *TINY,
                               f'train.init_from={tmp_path}/missing.pt')[::2], 'missing.pt', 'does not exist')
