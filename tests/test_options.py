"""The training and sampling options, each driven through the real command line on tiny CPU runs, and their math.

`flow.predict` (what the model outputs, converted by one module for training and sampling), the `rk4` sampler,
DDIM's `--eta`, `model.grad_checkpoint`, contrastive flow matching's negatives and the Makefile's sampling targets.
"""
import json, math, subprocess
from pathlib import Path
import numpy as np
import pytest
import torch
from nano_sora.config import FlowConfig, SampleConfig, model_config, with_changes
from nano_sora.training.flow_matching import (SAMPLERS, convert, draw_noise, from_data_noise, interpolate, negatives,
                                              path_coefficients, flow_loss)
from nano_sora.training import ddpm as D
from nano_sora.models.dit import make_model
import nano_sora.models.video  # noqa: F401  (registers the video model)
from cli_helpers import cli, losses, one_line_error, run_main

ROOT = Path(__file__).resolve().parents[1]
RUN = ['--preset', 'tiny', '--quiet', '--epochs', '2', '--set', 'train.log_every=1', 'train.sample_every_epochs=0']


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "An ImageFolder zip of 40 images, 4 per class: 3 steps of batch 16 per epoch."
    return shapes_zip(4, 'tiny.zip')


def train(run, data, *sets, extra=()):
    return cli('nano_sora.cli', '--run-dir', run, '--data', data, *RUN, *sets, *extra)


def sample(run, *args):
    "`nano_sora_sample --ckpt run args` in this process (the training above ran as its own process): (code, out, err)."
    return run_main('inference', '--ckpt', run, '--device', 'cpu', *args)


# --- flow.predict: one conversion module ---------------------------------------------------------------------------

@pytest.mark.parametrize('method,targets', [('rf', ('velocity', 'data', 'noise')), ('ddpm', ('eps', 'x0', 'v'))])
def test_conversions_round_trip_and_match_definitions(method, targets):
    g = torch.Generator().manual_seed(0)
    flow = FlowConfig(method=method)
    x1, noise = (torch.randn(500, 3, 2, 2, generator=g, dtype=torch.float64) for _ in range(2))
    t = torch.rand(500, generator=g, dtype=torch.float64)
    if method == 'ddpm': t = D.timestep_to_t(D.t_to_timestep(t, 1000).double(), 1000)   # the DiT times DDPM uses
    a, s = path_coefficients(t, flow, x1)
    x_t = a * x1 + s * noise
    if method == 'rf': assert torch.allclose(x_t, interpolate(noise, x1, t))
    own = targets[0]
    defs = ({'velocity': x1 - noise, 'data': x1, 'noise': noise} if method == 'rf'
            else {'eps': noise, 'x0': x1, 'v': a * noise - s * x1})
    for name in targets:
        assert torch.allclose(from_data_noise(x1, noise, a, s, name), defs[name])
        for to in targets: assert torch.allclose(convert(defs[name], x_t, a, s, name, to), defs[to], atol=1e-6)
        p = torch.randn(x1.shape, generator=g, dtype=torch.float64)
        assert torch.allclose(convert(convert(p, x_t, a, s, name, own), x_t, a, s, own, name), p, atol=1e-6)
    class Zero(torch.nn.Module):                                       # its loss is the mean square of the target
        def forward(self, x, t, y): return torch.zeros_like(x)
    loss_fn = D.ddpm_loss if method == 'ddpm' else flow_loss
    x1, noise, t, y = x1.float() * 3, noise.float(), t.float(), torch.zeros(500, dtype=torch.long)
    for name in targets:
        fc = FlowConfig(method=method, predict=name)
        t_in = t if method == 'rf' else D.timestep_to_t(D.t_to_timestep(t, 1000).float(), 1000)   # DDPM's steps
        want = from_data_noise(x1, noise, *path_coefficients(t_in, fc, x1), name)
        assert torch.allclose(loss_fn(Zero(), x1, noise, t, y, fc)[0], want.pow(2).mean())
    assert flow.target == own


def test_predict_trains_and_samples_from_the_cli(data, tmp_path):
    run = tmp_path/'data_pred'
    code, _, err = train(run, data, 'flow.predict=data')
    assert code == 0, err[-2000:]
    assert 'predict: data' in (run/'config.yaml').read_text() and all(map(math.isfinite, losses(run)))
    code, out, err = sample(run, '--n', '4', '--sampler', 'rk4', '--steps', '3', '--out', tmp_path/'s.npy')
    assert code == 0 and 'rk4 3 steps' in out, err[-2000:]
    assert np.load(tmp_path/'s.npy').shape == (4, 32, 32, 3)
    code, _, err = train(tmp_path/'x0', data, 'flow.predict=x0')
    one_line_error(code, err, "flow.predict=x0 is DDPM's name for the clean image; with flow.method=rf use data")


def test_ddpm_v_prediction_and_eta_from_the_cli(data, tmp_path):
    run = tmp_path/'ddpm_v'
    code, _, err = train(run, data, 'flow.method=ddpm', 'sample.sampler=ddim', 'flow.predict=v')
    assert code == 0, err[-2000:]
    draws = {}
    for name, flags in {'eta1': ['--eta', '1'], 'eta1 again': ['--eta', '1'], 'eta1 seed1': ['--eta', '1', '--seed', '1'],
                        'eta0': ['--eta', '0']}.items():
        code, out, err = sample(run, '--n', '4', '--steps', '5', '--out', tmp_path/f'{name}.npy', *flags)
        assert code == 0 and f"ddim 5 steps, eta {flags[1]}.0" in out, err[-2000:]
        draws[name] = np.load(tmp_path/f'{name}.npy')
    assert np.array_equal(draws['eta1'], draws['eta1 again']) and not np.array_equal(draws['eta1'], draws['eta1 seed1'])
    assert not np.array_equal(draws['eta1'], draws['eta0'])
    one_line_error(*sample(run, '--sampler', 'ddpm', '--eta', '0.5')[::2], 'the ddpm sampler does not use it')
    one_line_error(*sample(run, '--eta', '2')[::2], '--eta must be in [0, 1]')
    code, _, err = train(tmp_path/'bad', data, 'sample.eta=0.5')
    one_line_error(code, err, 'sample.sampler=euler does not use it')


# --- DDIM's eta ------------------------------------------------------------------------------------------------------

def test_eta_0_is_deterministic_and_eta_1_has_ddpm_statistics():
    "Gaussian data N(1.5, 0.5^2): the ideal eps is known, and so is the posterior a chain from one x_T should reach."
    lin, mu, sd = D.alphas_cumprod('linear', 1000), 1.5, 0.5
    def eps(x, t):
        ab = lin[round((1 - t) * 1000)].item(); a, s = ab ** 0.5, (1 - ab) ** 0.5
        return s * (x - a * mu) / (a * a * sd * sd + s * s)
    flow, x_T = FlowConfig(method='ddpm'), torch.full((20_000, 1), 0.7)
    a, s = lin[999].item() ** 0.5, (1 - lin[999].item()) ** 0.5
    post = (mu + a * sd ** 2 * (0.7 - a * mu) / (a * a * sd * sd + s * s), sd ** 2 * s * s / (a * a * sd * sd + s * s))
    def end(sampler, eta=0.0, seed=1, steps=1000):
        *_, x = SAMPLERS[sampler](eps, x_T, SampleConfig(steps=steps, sampler=sampler, eta=eta), flow,
                                  torch.Generator().manual_seed(seed))
        return x
    assert torch.equal(end('ddim', 0.0, seed=1, steps=20), end('ddim', 0.0, seed=2, steps=20))   # eta 0: no noise used
    assert not torch.equal(end('ddim', 1.0, seed=1, steps=20), end('ddim', 1.0, seed=2, steps=20))
    close = lambda x: abs(x.mean() - post[0]) < 0.01 and abs(x.var() - post[1]) < 0.015
    assert close(end('ddpm')) and close(end('ddim', 1.0))
    assert not close(end('ddim', 0.5)) and end('ddim', 0.0).var() < 1e-8


# --- RK4 -------------------------------------------------------------------------------------------------------------

def test_rk4_is_fourth_order_and_never_asks_at_t_1():
    "dx/dt = 3 cos(3t) x through the rf sampler: the error at t = 0.5 (RK4 steps only) falls 16-fold per halving."
    x0 = torch.tensor([1.0, -0.5], dtype=torch.float64)
    err, asked = {}, []
    for n in (8, 16, 32, 64):
        xs = list(SAMPLERS['rk4'](lambda x, t: asked.append(t) or 3 * math.cos(3 * t) * x, x0, SampleConfig(steps=n)))
        err[n] = (xs[n // 2 - 1] - x0 * math.exp(math.sin(1.5))).abs().max().item()
        assert (xs[-1] - x0 * math.exp(math.sin(3))).abs().max() < 4 / n ** 4   # 4th order at t = 1 too
    assert all(14 < err[n] / err[2 * n] < 18 for n in (8, 16, 32)), err
    assert max(asked) < 1 - 1e-9


# --- activation checkpointing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('cfg', [model_config('T', 4, depth=4, skips=True, route=0.5, route_skip=1),
                                 model_config('T', 8, img_size=32, in_channels=1, frames=4, patch_t=2)],
                         ids=['dit', 'video'])
def test_grad_checkpoint_gives_the_same_loss_and_gradients(cfg):
    torch.manual_seed(0)
    plain = make_model(cfg).train()
    for p in plain.parameters(): p.data.normal_(0, 0.05)             # open the zero-initialised gates
    ckpt = make_model(with_changes(cfg, grad_checkpoint=True)).train()
    ckpt.load_state_dict(plain.state_dict())                          # the same tensors: not architecture
    x, t, y = torch.randn(3, *cfg.input_shape), torch.rand(3), torch.tensor([0, 1, 2])
    out = []
    for m in (plain, ckpt):
        torch.manual_seed(1)                                           # the same routed tokens
        loss = (m(x, t, y) - x).square().mean(); loss.backward()
        out.append((loss.item(), [p.grad for p in m.parameters()]))
    assert abs(out[0][0] - out[1][0]) < 1e-6
    assert all(torch.allclose(a, b, rtol=1e-5, atol=1e-7) for a, b in zip(out[0][1], out[1][1]))
    kept = []                                                          # and it keeps less for the backward pass
    for m in (plain, ckpt):
        storages, weights = {}, {p.untyped_storage().data_ptr() for p in m.parameters()}
        def pack(t): storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes(); return t
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t): m(x, t, y)
        kept.append(sum(n for ptr, n in storages.items() if ptr not in weights))
    assert kept[1] < 0.5 * kept[0], kept


def test_grad_checkpoint_from_the_cli_trains_the_same_run(data, tmp_path):
    code, _, err = train(tmp_path/'plain', data)
    assert code == 0, err[-2000:]
    code, _, err = train(tmp_path/'ckpt', data, 'model.grad_checkpoint=true')
    assert code == 0, err[-2000:]
    assert np.allclose(losses(tmp_path/'plain'), losses(tmp_path/'ckpt'), rtol=1e-5, atol=1e-6)
    code, out, err = sample(tmp_path/'ckpt', '--n', '2', '--steps', '2', '--out', tmp_path/'s.png')
    assert code == 0, err[-2000:]


# --- train.grad_accum: micro-batches, one optimizer step ---------------------------------------------------------------

def test_grad_accum_is_the_same_run_in_micro_batches(data, tmp_path):
    "4 micro-batches of 4 = batch 16: the same losses, weights and EMA; lr and EMA count optimizer steps, not parts."
    sets = ['train.warmup_steps=3', 'train.lr_schedule=cosine', 'train.ema_decay=0.9']
    for name, k in [('whole', 1), ('micro', 4)]:
        code, _, err = train(tmp_path/name, data, *sets, f'train.grad_accum={k}')
        assert code == 0, err[-2000:]
    recs = [[json.loads(l) for l in (tmp_path/n/'metrics.jsonl').read_text().splitlines()] for n in ('whole', 'micro')]
    assert [r['step'] for r in recs[0]] == [r['step'] for r in recs[1]] == [1, 2, 3, 4]   # 2 epochs of 2 optimizer steps
    assert [r['lr'] for r in recs[0]] == [r['lr'] for r in recs[1]]
    assert np.allclose([r['loss'] for r in recs[0]], [r['loss'] for r in recs[1]], rtol=1e-5, atol=1e-6)
    a, b = (torch.load(tmp_path/n/'checkpoints/last.pt', weights_only=True) for n in ('whole', 'micro'))
    for part in ('model', 'ema'):
        for key, v in a[part].items(): assert torch.allclose(v, b[part][key], rtol=1e-4, atol=1e-6), (part, key)
    code, _, err = train(tmp_path/'odd', data, 'train.grad_accum=3')
    one_line_error(code, err, 'train.grad_accum=3 must divide train.batch_size=16')


# --- contrastive flow matching's negatives ----------------------------------------------------------------------------

def test_negatives_are_a_random_derangement_from_the_steps_generator():
    g = torch.Generator().manual_seed(0)
    x1, y = torch.randn(64, 2), torch.arange(64) % 8
    perms = [negatives(draw_noise(x1, y, FlowConfig(), 8, g)[1]) for _ in range(5)]
    for p in perms:
        assert (p != torch.arange(64)).all() and torch.equal(p.sort().values, torch.arange(64))
    assert len({tuple(p.tolist()) for p in perms}) == 5                # a new permutation every draw
    state = g.get_state(); a = negatives(draw_noise(x1, y, FlowConfig(), 8, g)[1])
    g.set_state(state); assert torch.equal(negatives(draw_noise(x1, y, FlowConfig(), 8, g)[1]), a)   # a resume
    class Identity(torch.nn.Module):                                    # the contrastive term pairs each with its negative
        def forward(self, x, t, y): return x
    x0, t, yd = draw_noise(x1, y, FlowConfig(), 8, g)
    x_t, target = interpolate(x0, x1, t), x1 - x0
    loss, mse = flow_loss(Identity(), x1, x0, t, yd, FlowConfig(contrastive=0.5))
    term = lambda perm: (x_t - target[perm]).pow(2).mean()
    assert torch.allclose(loss, mse.mean() - 0.5 * term(negatives(t)))
    assert not torch.allclose(loss, mse.mean() - 0.5 * term(torch.arange(64).roll(1)))


def test_contrastive_run_resumes_exactly(data, tmp_path):
    "Two epochs straight, or one and a resume: the same losses (the negatives come from the saved generator)."
    code, _, err = train(tmp_path/'straight', data, 'flow.contrastive=0.05')
    assert code == 0, err[-2000:]
    code, _, err = train(tmp_path/'split', data, 'flow.contrastive=0.05', extra=['--epochs', '1'])
    assert code == 0, err[-2000:]
    code, _, err = cli('nano_sora.cli', '--run-dir', tmp_path/'split', '--resume', '--quiet', '--epochs', '2')
    assert code == 0, err[-2000:]
    assert losses(tmp_path/'straight') == losses(tmp_path/'split')



def test_class_ot_pairing_trains_from_the_cli_and_changes_the_noise(data, tmp_path):
    "flow.pairing=class_ot from the CLI (lesson 6a, loaded as an extension): it trains, on other noise than drawn pairs."
    code, _, err = train(tmp_path/'drawn', data)
    assert code == 0, err[-2000:]
    code, _, err = train(tmp_path/'paired', data, 'flow.pairing=class_ot')
    assert code == 0, err[-2000:]
    assert losses(tmp_path/'paired') != losses(tmp_path/'drawn')
    code, _, err = train(tmp_path/'bad', data, 'flow.pairing=nearest')
    one_line_error(code, err, 'flow.pairing must be one of random, ot, class_ot')

# --- the Makefile's sampling targets ---------------------------------------------------------------------------------

def test_make_inference_is_make_sample():
    "`make inference` and `make inference-heun` run the recipes of `sample` and `sample-heun`; `sample-rk4` sets rk4."
    def recipe(*args):
        r = subprocess.run(['make', '-n', '-s', *args], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return ' '.join(l.strip().rstrip('\\') for l in r.stdout.splitlines() if 'nano_sora_sample' in l or '--' in l)
    ckpt = ['CKPT=path/to/checkpoint.pt', 'N=16']
    assert recipe('inference', *ckpt) == recipe('sample', *ckpt)
    assert '--ckpt path/to/checkpoint.pt --n 16' in recipe('sample', *ckpt)
    assert recipe('inference-heun', *ckpt) == recipe('sample-heun', *ckpt) and '--sampler heun' in recipe('sample-heun')
    assert '--sampler rk4' in recipe('sample-rk4') and '--steps 13' in recipe('sample-rk4')
    assert '--sampler rk4' in recipe('sample', 'SAMPLER=rk4') and '--steps' not in recipe('sample')
