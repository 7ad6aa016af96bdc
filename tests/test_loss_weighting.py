"""Lesson 6c's `flow.loss` switches through the commands, on the CPU: a tiny run trains 2 steps with each loss, the
run's config carries the switch, and the loss it logs is the one asked for (the same seed and batches as the plain
MSE, another number); a bad value, or a combination the losses do not fit, is refused in one line with exit 2.
Tiny runs: seconds.
"""
import math
import pytest
import yaml

from cli_helpers import cli, in_process, losses, one_line_error, tiny_run

TINY = tiny_run(2)


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "An ImageFolder zip of 40 images, 4 per class."
    return shapes_zip(4, 'loss_weighting.zip')


@pytest.fixture(scope='module')
def plain(data, tmp_path_factory):
    "The logged losses of the same tiny run with the plain MSE."
    run = tmp_path_factory.mktemp('plain')/'run'
    code, _, err = cli('cli', '--run-dir', run, '--data', data, '--quiet', *TINY)
    assert code == 0, err[-2000:]
    return losses(run)


@pytest.mark.parametrize('sets,recorded', [(['flow.loss=min_snr', 'flow.snr_gamma=4'], ('min_snr', 4.0, 1.0)),
                                           (['flow.loss=direction', 'flow.direction=2'], ('direction', 5.0, 2.0))])
def test_each_loss_trains_two_steps_and_is_recorded(data, plain, tmp_path, sets, recorded):
    run = tmp_path/'run'
    code, _, err = cli('cli', '--run-dir', run, '--data', data, '--quiet', *TINY, *sets)
    assert code == 0, err[-2000:]
    flow = yaml.safe_load((run/'config.yaml').read_text())['flow']
    assert (flow['loss'], flow['snr_gamma'], flow['direction']) == recorded
    logged = losses(run)
    assert len(logged) == len(plain) == 2 and all(math.isfinite(v) for v in logged)
    assert logged != plain                            # the same seed and batches, another loss
    assert (run/'checkpoints'/'last.pt').is_file()


@pytest.mark.parametrize('sets,words', [
    (['flow.loss=nope'], ['flow.loss must be one of mse, min_snr, direction']),
    (['flow.loss=min_snr', 'flow.snr_gamma=0'], ['flow.snr_gamma must be positive']),
    (['flow.loss=direction', 'flow.direction=-1'], ['flow.direction must be >= 0']),
    (['flow.loss=min_snr', 'flow.predict=data'], ['flow.loss=min_snr needs flow.method=rf and flow.predict=velocity']),
    (['flow.loss=direction', 'flow.method=ddpm', 'sample.sampler=ddim'], ['flow.loss=direction needs flow.method=rf']),
    (['flow.loss=min_snr', 'model.kind=shortcut'], ['a shortcut model', 'flow.loss=mse']),
])
def test_bad_values_and_combinations_are_refused_in_one_line(data, tmp_path, sets, words):
    one_line_error(*in_process('--run-dir', tmp_path/'bad', '--data', data, '--quiet', *TINY, *sets)[::2], *words)
