"""Lesson 7c's non-leaky augmentation through the commands, on the CPU: a tiny augmented run trains, its config and
checkpoint carry the augmented model, `nano_sora_sample` draws from it without being told any augmentation, and a
value or combination that cannot work is refused in one line with exit 2. Tiny runs: seconds."""
import math
import pytest
import yaml
from safetensors.torch import load_file

from cli_helpers import cli, in_process, losses, one_line_error, tiny_run

TINY = tiny_run(3, 'train.epochs=2', 'sample.steps=2')
AUGMENTED = ['model.kind=augmented', 'model.augment_p=0.5']


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "An ImageFolder zip of 40 images, 4 per class."
    return shapes_zip(4, 'augment.zip')


def test_an_augmented_run_trains_and_samples_untold(data, tmp_path):
    run = tmp_path/'run'
    code, _, err = cli('cli', '--run-dir', run, '--data', data, '--quiet', *TINY, *AUGMENTED)
    assert code == 0, err[-2000:]
    model = yaml.safe_load((run/'config.yaml').read_text())['model']
    assert (model['kind'], model['augment_p']) == ('augmented', 0.5)
    assert len(losses(run)) == 3 and all(math.isfinite(v) for v in losses(run))      # 3 steps: 2 epochs of 2
    code, out, err = cli('inference', '--ckpt', run, '--device', 'cpu', '--export', tmp_path/'x.safetensors')
    assert code == 0, err[-2000:]
    assert load_file(str(tmp_path/'x.safetensors'))['a_embed.weight'].shape == (64, 6)      # W: 6 labels -> width 64
    code, out, err = cli('inference', '--ckpt', run, '--n', 4, '--device', 'cpu', '--out', tmp_path/'x.png')
    assert code == 0 and (tmp_path/'x.png').is_file(), err[-2000:]


@pytest.mark.parametrize('sets,words', [
    (['model.augment_p=1.5', 'model.kind=augmented'], ['model.augment_p is a probability in [0, 1], got 1.5']),
    (['model.augment_p=0.12'], ['set model.kind=augmented too']),
    (['model.kind=augmented'], ['model.kind=augmented needs model.augment_p > 0']),
    ([*AUGMENTED, 'model.frames=4'], ['a video model (model.frames > 0) cannot take it']),
    ([*AUGMENTED, 'flow.method=ddpm', 'sample.sampler=ddim'], ['model.augment_p augments through the rf loss']),
])
def test_what_cannot_work_is_refused_in_one_line(data, tmp_path, sets, words):
    one_line_error(*in_process('--run-dir', tmp_path/'bad', '--data', data, '--quiet', *TINY, *sets)[::2], *words)
