"""Post-hoc EMA (lesson 7b) through the real commands on tiny CPU runs.

`nano_sora_train --set train.posthoc_every=N` keeps snapshots of the two power EMAs, a run stopped and resumed writes
the same snapshots as one that ran through, `nano_sora_posthoc` rebuilds a length as a checkpoint that
`nano_sora_sample` reads (with its autoguidance guide: the run's own, or one rebuilt from the snapshots), and a
request that cannot be met exits 2 with one line. Seconds.
"""
from pathlib import Path
import pytest
import torch
from cli_helpers import cli, entry, run_main

TINY = ['--preset', 'tiny', '--device', 'cpu', '--quiet', '--set', 'model.dim=32', 'model.depth=1', 'model.heads=2',
        'train.batch_size=8', 'train.epochs=5', 'train.log_every=2', 'train.sample_every_epochs=0', 'train.ckpt_every_epochs=0',
        'train.posthoc_every=4', 'sample.guide_epoch=1',
        'sample.steps=2']


def train(run_dir, data, *args):
    return cli('cli', '--run-dir', run_dir, '--data', data, *TINY, *args)


def nano_sora_posthoc(*args):
    "`nano_sora_posthoc ARGS` as its console script runs it: (exit code, stdout, stderr)."
    r = entry('training.posthoc_ema', 'main', *args, cwd=None)
    return r.returncode, r.stdout, r.stderr


def posthoc(*args):
    "`nano_sora_posthoc ARGS` in this process, for the quick refusals: (exit code, stdout, stderr)."
    return run_main('training.posthoc_ema', *args)


def snapshot(run_dir, step: int) -> dict:
    from safetensors.torch import load_file
    return load_file(str(Path(run_dir, 'posthoc', f'step_{step:07d}.safetensors')))


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "A small ImageFolder zip: 10 classes of 8 images."
    return shapes_zip(8, 'shapes.zip')


@pytest.fixture(scope='module')
def whole(tmp_path_factory, data) -> Path:
    run = tmp_path_factory.mktemp('runs')/'whole'
    code, _, err = train(run, data, '--max-steps', '12')
    assert code == 0, err
    return run


def test_snapshots_rebuild_and_sample(whole, tmp_path):
    assert sorted(p.name for p in (whole/'posthoc').iterdir()) == [f'step_{s:07d}.safetensors' for s in (4, 8, 12)]
    out = tmp_path/'ema.safetensors'
    code, stdout, err = nano_sora_posthoc('--run', whole, '--sigma-rel', '0.10',
                            '--out', out)
    assert code == 0, err
    assert 'sigma_rel=0.1 at step 12, from 6 EMAs in 3 snapshots' in stdout, stdout
    guide = tmp_path/'ema.guide.safetensors'                   # the recipe is autoguided: the run's own guide beside it
    assert guide.read_bytes() == (whole/'checkpoints'/'guide.safetensors').read_bytes() and 'own guide' in stdout
    from nano_sora.models.dit import load_model
    model, _ = load_model(out, 'cpu')
    snap = snapshot(whole, 12)                                      # 0.10 is tracked: the rebuild is that snapshot
    for n, p in model.named_parameters(): assert torch.allclose(p, snap[f'1/{n}'], rtol=2e-3, atol=1e-4), n
    code, _, err = cli('inference', '--ckpt', out, '--n', '4', '--device', 'cpu',
                       '--out', tmp_path/'s.png')
    assert code == 0 and (tmp_path/'s.png').is_file(), err
    code, stdout, _ = nano_sora_posthoc('--run', whole, '--sigma-rel', '0.07',
                          '--out', tmp_path/'g.safetensors', '--guide-step', '8', '--guide-sigma-rel', '0.1')
    assert code == 0 and 'sigma_rel=0.1 at step 8, from 4 EMAs in 2 snapshots' in stdout, stdout   # a guide of its own
    assert (tmp_path/'g.guide.safetensors').is_file() and 'sigma_rel=0.07 at step 12' in stdout
    code, _, err = cli('inference', '--ckpt', tmp_path/'g.safetensors', '--n', '4',
                       '--device', 'cpu', '--out', tmp_path/'g.png')
    assert code == 0 and (tmp_path/'g.png').is_file(), err


def test_a_resumed_run_writes_the_same_snapshots(whole, data, tmp_path):
    run = tmp_path/'split'
    assert train(run, data, '--max-steps', '6')[0] == 0
    code, _, err = cli('cli', '--run-dir', run, '--resume', '--max-steps', '12', '--quiet')
    assert code == 0, err
    assert sorted(p.name for p in (run/'posthoc').iterdir()) == [f'step_{s:07d}.safetensors' for s in (4, 6, 8, 12)]
    a, b = snapshot(whole, 12), snapshot(run, 12)
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_refusals_are_one_line(whole, tmp_path):
    cases = [(['--sigma-rel', '0.5'], 'sigma_rel must be in'), (['--sigma-rel', '0.1', '--step', '2'],
             'between the first snapshot (4)'), (['--sigma-rel', '0.1', '--guide-sigma-rel', '0.1'], 'needs --guide-step')]
    for args, msg in cases:
        code, _, err = posthoc('--run', whole, *args, '--out', tmp_path/'x.safetensors')
        assert code == 2 and msg in err and len(err.strip().splitlines()) == 1, err
    code, _, err = posthoc('--run', whole, '--sigma-rel', '0.1', '--out', tmp_path/'x.pt')
    assert code == 2 and '.safetensors' in err
    empty = tmp_path/'empty'; empty.mkdir()
    code, _, err = posthoc('--run', empty, '--sigma-rel', '0.1', '--out', tmp_path/'x.safetensors')
    assert code == 2 and 'holds no post-hoc EMA snapshots' in err, err
    assert not (tmp_path/'x.safetensors').exists()
