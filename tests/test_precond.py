"""Lesson 6b's `flow.precond=edm` through the commands, on the CPU: a tiny run trains with EDM's scalings, checkpoints,
and `nano_sora_sample` samples it with them (the run's config carries the switch); a bad value, or a combination the
scalings do not fit, is refused in one line with exit 2. Tiny runs: seconds.
"""
import dataclasses, math
import numpy as np
import pytest
import torch
import yaml

from cli_helpers import cli, in_process, losses, one_line_error, tiny_run

TINY = tiny_run(3)


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "An ImageFolder zip of 40 images, 4 per class."
    return shapes_zip(4, 'precond.zip')


def test_edm_run_trains_checkpoints_and_samples_with_its_scalings(data, tmp_path):
    run, plain = tmp_path/'edm', tmp_path/'plain'
    code, _, err = cli('cli', '--run-dir', run, '--data', data, '--quiet', *TINY, 'flow.precond=edm',
                       'flow.sigma_data=0.4')
    assert code == 0, err[-2000:]
    flow = yaml.safe_load((run/'config.yaml').read_text())['flow']
    assert (flow['precond'], flow['sigma_data']) == ('edm', 0.4)
    assert (run/'checkpoints'/'last.pt').is_file()
    code, _, err = cli('cli', '--run-dir', plain, '--data', data, '--quiet', *TINY)
    assert code == 0, err[-2000:]
    edm_losses = losses(run)
    assert edm_losses and all(math.isfinite(v) for v in edm_losses)
    assert edm_losses != losses(plain)                 # the same seed and batches, another loss
    code, _, err = cli('inference', '--ckpt', run, '--device', 'cpu', '--steps', '4', '--n', '4',
                       '--out', tmp_path/'x.npy')
    assert code == 0, err[-2000:]
    x = np.load(tmp_path/'x.npy')
    assert x.dtype == np.uint8 and x.shape == (4, 32, 32, 3) and x.std() > 0
    # the samplers apply the run's scalings: the same weights and noise read without them give other images
    from nano_sora.config import with_changes, load_extensions
    from nano_sora.models.dit import load_model
    from nano_sora.training.flow_matching import generate
    load_extensions()
    model, cfg = load_model(run, 'cpu')
    sc, y = with_changes(cfg.sample, steps=4), torch.arange(4)
    with_edm = generate(model, y, sc, seed=0, flow=cfg.flow)            # refuses non-finite samples
    assert not torch.equal(with_edm, generate(model, y, sc, seed=0, flow=dataclasses.replace(cfg.flow, precond='none')))


@pytest.mark.parametrize('sets,words', [
    (['flow.precond=foo'], ['flow.precond must be one of none, edm']),
    (['flow.precond=edm', 'flow.predict=data'], ['flow.precond=edm needs flow.method=rf, flow.predict=velocity']),
    (['flow.precond=edm', 'flow.contrastive=0.05'], ['flow.precond=edm needs', 'flow.contrastive=0']),
    (['flow.precond=edm', 'flow.method=ddpm', 'sample.sampler=ddim'], ['flow.precond=edm needs flow.method=rf']),
    (['flow.precond=edm', 'flow.sigma_data=0'], ['flow.sigma_data must be positive']),
    (['flow.precond=edm', 'model.kind=shortcut'], ['a shortcut model', 'flow.precond=none']),
])
def test_bad_values_and_combinations_are_refused_in_one_line(data, tmp_path, sets, words):
    one_line_error(*in_process('--run-dir', tmp_path/'bad', '--data', data, '--quiet', *TINY, *sets)[::2], *words)
