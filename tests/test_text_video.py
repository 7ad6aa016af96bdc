"""Lesson 14c end to end on the CPU: captioned clips, the text-to-video model trained by the standard commands, scored.

`nano_sora_train --preset video_text` trains the MMDiT video model on the `moving_mnist_text` data (clips and every
phrasing of their captions as token ids); `nano_sora_fid --ckpt RUN` samples `eval_prompts` (half of them pairing a
digit with a held-out direction) and prints the caption measures; `nano_sora_speedrun --preset video_text` records
them. An untrained model scores far below real clips read with their true captions; class labels cannot prompt it.
"""
import json
from pathlib import Path
import pytest
import torch
from cli_helpers import entry

TINY = ['model.dim=64', 'model.depth=2', 'model.heads=2', 'model.patch_size=16', 'train.batch_size=8',
        'train.lr=2e-3', 'train.warmup_steps=0', 'train.precision=fp32', 'train.compile=false', 'train.log_every=2',
        'train.ckpt_every_epochs=0', 'sample.steps=4', 'data.limit=32', 'data.gpu_resident=false']
MEASURES = ['digits_seen', 'motion_seen', 'digits_unseen', 'motion_unseen']


@pytest.fixture(scope='module')
def run(tmp_path_factory) -> Path:
    "A tiny video_text run of 6 steps, trained by `nano_sora_train --preset video_text`."
    folder = tmp_path_factory.mktemp('text')
    r = entry('nano_sora.cli', 'main', '--preset', 'video_text', '--device', 'cpu', '--run-dir', folder/'run',
            '--set', *TINY, 'train.max_steps=6', cwd=folder)
    assert r.returncode == 0, r.stderr[-2000:]
    return folder/'run'


def test_data_source_captions_parse_back_and_hold_out_pairings():
    from nano_sora.training.text_video import load_text_clips, parse_caption, decode, unseen, STYLES, MAX_TOKENS
    x, ids, words = load_text_clips(limit=40)
    assert x.shape == (40, 1, 16, 64, 64) and x.dtype == torch.uint8 and ids.shape == (40, STYLES, MAX_TOKENS)
    assert len(words) <= 64 and int(ids.max()) < len(words)
    for caps in ids:
        said = [sorted((m.digit, m.direction) for m in parse_caption(decode(c))) for c in caps]
        assert len(said[0]) == 2 and all(s == said[0] for s in said), said   # every phrasing says the same
        assert not unseen(parse_caption(decode(caps[0])))                     # no held-out pairing in training


def test_fid_prints_the_caption_measures_far_below_real_clips(run):
    from nano_sora.training.text_video import captioned_clips, caption_ids, score_captions
    from nano_sora.training.video_eval import digit_split
    r = entry('nano_sora.training.evaluation', 'main', '--ckpt', run, '--n', 8, '--device', 'cpu', cwd=run.parent)
    assert r.returncode == 0, r.stderr[-2000:]
    words = r.stdout.split()
    assert words[:2] == ['video_text', '8'] and words[-1].endswith('run'), r.stdout
    gen = dict(zip(words[2:-1:2], map(float, words[3:-1:2])))
    assert list(gen) == MEASURES and all(0 <= v <= 1 for v in gen.values()), r.stdout
    _, (digits, labels) = digit_split()
    x, found = captioned_clips(digits, labels, 40, seed=9, pairings='all')
    real = score_captions(x, caption_ids(found, styles=[0])[:, 0], None, 'cpu')
    assert real['digits_seen'] >= 0.6 and real['motion_seen'] >= 0.6, real   # the ruler's ceiling
    assert gen['digits_seen'] <= real['digits_seen'] - 0.5 and gen['digits_unseen'] <= 0.5, (gen, real)


def test_sample_takes_a_prompt_not_class_labels(run, tmp_path):
    sample = lambda *args: entry('nano_sora.inference', 'main', '--ckpt', run, '--n', 2, '--device', 'cpu', *args,
                               cwd=tmp_path)
    r = sample('--prompt', 'a 3 moving up and a seven going left', '--out', tmp_path/'x.npy')
    assert r.returncode == 0 and 'wrote' in r.stdout, r.stderr[-2000:]
    import numpy as np
    assert np.load(tmp_path/'x.npy').shape == (2, 16, 64, 64, 1)
    r = sample('--out', tmp_path/'y.gif')                                          # class labels: refused in one line
    assert r.returncode == 2 and 'not class labels' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]
    r = sample('--prompt', 'a 3 jumping up', '--out', tmp_path/'z.gif')
    assert r.returncode == 2 and 'jumping' in r.stderr and not (tmp_path/'z.gif').exists(), r.stderr[-2000:]


def test_speedrun_records_the_caption_measures(tmp_path):
    records = tmp_path/'records.jsonl'
    r = entry('nano_sora.benchmark', 'speedrun_main', '--preset', 'video_text', '--minutes', '0.03', '--n', '6',
            '--device', 'cpu', '--records', records, '--set', *TINY, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    rec = json.loads(records.read_text())
    assert rec['preset'] == 'video_text' and 'fid' not in rec and list(rec['scores']) == MEASURES and rec['steps'] > 0
    assert f"digits_seen {rec['scores']['digits_seen']}" in r.stdout


def test_captions_drop_whole_and_labels_as_before():
    from nano_sora.training.flow_matching import drop_labels
    y = torch.arange(1, 1 + 64 * 3 * 5).view(64, 3, 5)
    d = drop_labels(y, 0.5, 0, torch.Generator().manual_seed(0))
    whole, kept = (d == 0).flatten(1).all(1), (d == y).flatten(1).all(1)
    assert (whole | kept).all() and whole.any() and kept.any()
    labels = torch.arange(64) % 10                                            # class labels: the draw as it was
    drop = torch.rand(64, generator=torch.Generator().manual_seed(1)) < 0.3
    assert torch.equal(drop_labels(labels, 0.3, 10, torch.Generator().manual_seed(1)),
                       torch.where(drop, torch.full_like(labels, 10), labels))
