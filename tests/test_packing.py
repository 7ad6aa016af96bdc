"""Lesson 14b's packed model on the CPU: samples of any size packed into rows, attention kept inside each sample.

A packed row holds several samples; changing one of them must leave every other sample's output unchanged (and does
not without the document mask), a sample's output must not depend on where it sits in its row, lesson 4's 2D RoPE must
be the 2-axis case of the 3-axis one, and the standard commands must train (`nano_sora_train --preset video_packed`)
and sample the model, at any size with `--size`, refusing in one line a size that cannot be packed and a
trainer setting that would break the rows' plans.
"""
import numpy as np
import pytest
import torch
from cli_helpers import cli, entry, one_line_error

from nano_sora.config import model_config
from nano_sora.models.adaln import rope_2d
from nano_sora.models.packed import (MIX, PackedDiT, pack, patchify_3d, plan_layout, rope_nd, sample_packed,
                                     unpatchify_3d)

TINY = ['model.dim=64', 'model.depth=2', 'model.heads=2', 'data.limit=60', 'train.batch_size=4', 'train.max_steps=3',
        'train.compile=false', 'train.precision=fp32', 'train.log_every=1', 'train.warmup_steps=0',
        'data.gpu_resident=false']


@pytest.fixture(scope='module')
def packed_row():
    "A tiny packed model with random weights, and the packed row of the mix holding the most samples."
    g = torch.Generator().manual_seed(0)
    groups = [(torch.randint(1, 256, (6, 1, f, s, s), generator=g, dtype=torch.uint8), torch.randint(0, 10, (6,)))
              for f, s in MIX]
    tokens, plan, rows, fill = pack(groups, 512, 2, 8)
    assert fill > 0.9
    r = max(range(len(rows)), key=lambda i: len(rows[i]))
    assert len(rows[r]) >= 3
    cfg = model_config('T', 8, img_size=64, in_channels=1, frames=16, patch_t=2, rope=True, pos_emb='none',
                       kind='packed')
    torch.manual_seed(0)
    model = PackedDiT(cfg).eval()
    for w in model.parameters(): torch.nn.init.normal_(w, std=0.05)
    x = unpatchify_3d(tokens[r:r + 1], 2, 8, 8, 8).float() / 127.5 - 1
    return model, x, plan[r:r + 1]


def outputs(model, x, plan, change_slot=None):
    "The model's output tokens for a row, with the tokens of slot `change_slot` replaced by noise first."
    slot, _ = plan_layout(plan, 512)
    tok = patchify_3d(x, 2, 8).clone()
    if change_slot is not None: tok[slot == change_slot] = torch.randn(int((slot == change_slot).sum()), 128)
    with torch.no_grad(): return patchify_3d(model(unpatchify_3d(tok, 2, 8, 8, 8), torch.tensor([0.4]), plan), 2, 8)


def test_changing_one_sample_changes_no_other(packed_row):
    model, x, plan = packed_row
    slot, _ = plan_layout(plan, 512)
    diff = (outputs(model, x, plan, change_slot=0) - outputs(model, x, plan)).abs()
    assert diff[slot > 0].max() < 1e-5 < diff[slot == 0].max()
    model.attention = 'none'                       # unmasked: the other samples see the change
    try: leak = (outputs(model, x, plan, change_slot=0) - outputs(model, x, plan)).abs()[slot > 0].max()
    finally: model.attention = 'sdpa'
    assert leak > 1e-4


def test_a_sample_is_the_same_alone_in_a_row(packed_row):
    model, x, plan = packed_row
    slot, _ = plan_layout(plan, 512)
    K, last = plan.shape[1] // 3, int(slot.max())
    mine = slot[0] == last
    alone = torch.full((1, 512, 128), -1.0)
    alone[0, :int(mine.sum())] = patchify_3d(x, 2, 8)[0, mine]
    plan1 = plan[:, [last, K + last, 2 * K + last]]
    got = outputs(model, unpatchify_3d(alone, 2, 8, 8, 8), plan1)[0, :int(mine.sum())]
    assert torch.allclose(got, outputs(model, x, plan)[0, mine], atol=1e-4)


def test_rope_nd_extends_rope_2d():
    grid = torch.stack(torch.meshgrid(torch.arange(4), torch.arange(4), indexing='ij'), -1).view(-1, 2)
    for got, want in zip(rope_nd(32, grid), rope_2d(32, 4)): assert torch.allclose(got, want, atol=1e-6)


def test_sampling_any_size(packed_row):
    model, _, _ = packed_row
    asked = [(16, 64), (1, 32), (12, 64), (16, 48)]
    out = sample_packed(model, asked, [1, 2, 3, 4], steps=2, cfg_scale=2.0)
    assert [tuple(c.shape) for c in out] == [(1, f, s, s) for f, s in asked]
    assert all(torch.isfinite(c).all() for c in out)


def test_the_commands_train_and_sample_the_packed_preset(tmp_path):
    code, out, err = cli('nano_sora.cli', '--preset', 'video_packed', '--device', 'cpu', '--run-dir', 'run',
                         '--set', *TINY, cwd=tmp_path)
    assert code == 0, err[-2000:]
    assert 'PackedDiT' in out and 'done: step 3' in out, out
    code, out, err = cli('nano_sora.inference', '--ckpt', 'run', '--device', 'cpu', '--n', 2, '--steps', 2,
                         '--out', 's.gif', cwd=tmp_path)
    assert code == 0 and (tmp_path/'s.gif').stat().st_size > 0, err[-2000:]
    code, out, err = cli('nano_sora.inference', '--ckpt', 'run', '--device', 'cpu', '--n', 2, '--steps', 2,
                         '--size', '12x48', '--out', 's.npy', cwd=tmp_path)                # a size it never saw
    assert code == 0 and np.load(tmp_path/'s.npy').shape == (2, 12, 48, 48, 1), err[-2000:]
    for size, words in [('9x48', ['9 frames do not cut into tubelets of 2']),
                        ('16x96', ['--size 16x96 is 1152 tubelets, more than the 512 of one packed row'])]:
        code, out, err = cli('nano_sora.inference', '--ckpt', 'run', '--device', 'cpu', '--size', size,
                             '--out', 'no.npy', cwd=tmp_path)
        one_line_error(code, err, *words)
        assert not (tmp_path/'no.npy').exists()


def test_the_trainer_label_dropout_is_refused_in_one_line(tmp_path):
    code, out, err = cli('nano_sora.cli', '--preset', 'video_packed', '--device', 'cpu', '--run-dir', 'run',
                         '--set', *TINY, 'flow.label_dropout=0.5', cwd=tmp_path)
    assert code == 2 and 'keep flow.label_dropout=0' in err and 'Traceback' not in err, err[-2000:]


def test_speedrun_records_every_size_and_refuses_another_sampler(tmp_path):
    "Lesson 14e's measure: the packed speedrun's one records line holds the 16 x 64 measures and every other size's."
    import json
    from nano_sora.training.packed_eval import SIZES
    records = tmp_path/'records.jsonl'
    r = entry('nano_sora.benchmark', 'speedrun_main', '--preset', 'video_packed', '--minutes', '0.03', '--n', 4,
              '--device', 'cpu', '--records', records, '--set', *TINY, 'sample.steps=2', cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    scores = json.loads(records.read_text())['scores']
    assert list(scores)[:2] == ['label_frames', 'label_clips'] and scores['fd'] > 0
    assert list(scores)[5:] == [f'{f}x{s}_{k}' for f, s in SIZES for k in ('label', 'fd')], list(scores)
    assert all(0 <= v <= 1 for k, v in scores.items() if 'label' in k) and all(scores[f'{f}x{s}_fd'] > 0 for f, s in SIZES)
    run = next((tmp_path/'runs'/'speedrun').iterdir())
    r = entry('nano_sora.training.evaluation', 'main', '--ckpt', run, '--device', 'cpu', '--n', 4, '--steps', 2,
              '--sampler', 'heun', cwd=tmp_path)
    assert one_line_error(r.returncode, r.stderr, 'samples every size with Euler steps; drop --sampler heun')
