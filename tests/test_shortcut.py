"""Lesson 8a's shortcut model through the commands, on the CPU: a run started from another run's weights
(`train.init_from`), trained as `model.kind=shortcut` by the standard trainer, then sampled in 2 steps with
`--sampler shortcut`; with `train.teacher_scale` the starting run, frozen, teaches the flow (loaded again on a resume,
never saved). Weights that do not fit, a file that is not there, or a teacher that cannot teach are refused in one line.
Tiny runs: seconds.
"""
from pathlib import Path
import numpy as np
import pytest
import torch
import yaml

from cli_helpers import cli, in_process, one_line_error, tiny_run

TINY = tiny_run(2)


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "A small ImageFolder zip: 10 classes of 16 images, each class its own brightness."
    return shapes_zip(16, 'shapes.zip')


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


def test_a_teacher_distils_the_base_into_the_flow(data, base, tmp_path):
    run = tmp_path/'taught'
    code, out, err = cli('cli', '--run-dir', run, '--data', data, *TINY, 'model.kind=shortcut',
                         f'train.init_from={base}', 'train.teacher_scale=2', '--max-steps', '2')
    assert code == 0, err
    assert f'teacher: {base}, guided at 2 by its unconditional velocity' in out, out[-2000:]
    assert yaml.safe_load((run/'config.yaml').read_text())['train']['teacher_scale'] == 2
    assert set(weights(run, 'model')) == set(weights(base, 'ema')) | {
        f'd_embed.mlp.{i}.{p}' for i in (0, 2) for p in ('weight', 'bias')}      # the teacher is not saved with it
    code, out, err = in_process('--run-dir', run, '--resume', '--max-steps', '3')   # a resume loads the teacher again
    assert code == 0 and f'teacher: {base}' in out, (out, err)


@pytest.mark.parametrize('sets, words', [
    (['train.teacher_scale=2'], ['train.teacher_scale', 'set train.init_from']),
    (['train.teacher_scale=-1', 'train.init_from=pretrained'], ['train.teacher_scale', '>= 0']),
    (['train.teacher_scale=2', 'train.init_from=BASE'], ['train.teacher_scale', 'model.kind=shortcut'])])
def test_a_teacher_that_cannot_teach_is_refused(data, base, tmp_path, sets, words):
    sets = [s.replace('BASE', str(base)) for s in sets]
    one_line_error(*in_process('--run-dir', tmp_path/'run', '--data', data, '--quiet', *TINY, *sets)[::2], *words)
    assert not (tmp_path/'run'/'config.yaml').exists()          # nothing left that blocks a corrected start


def test_a_teacher_that_predicts_another_target_is_refused(data, tmp_path):
    other = tmp_path/'data-base'
    code, _, err = cli('cli', '--run-dir', other, '--data', data, '--quiet', *TINY, 'flow.predict=data')
    assert code == 0, err
    one_line_error(*in_process('--run-dir', tmp_path/'run', '--data', data, '--quiet', *TINY, 'model.kind=shortcut',
                               f'train.init_from={other}', 'train.teacher_scale=2')[::2],
                   'predicts data', 'a teacher must predict the plain velocity', 'set train.teacher_scale=0')
    assert not (tmp_path/'run'/'config.yaml').exists()          # nothing left that blocks a corrected start
