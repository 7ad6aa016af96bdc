"""The reliability battery: the trainer and the scripts, driven as a user (and an attacker) would drive them.

Every scenario runs the real command line in its own process on a tiny CPU run (the `tiny` preset on a small
ImageFolder zip this file writes), injects a fault (kill -9 at random moments and during checkpoint writes, Ctrl-C,
a diverging run, a code-carrying checkpoint, a folder holding another run, a second process, a full disk, bad
values) and checks that nothing is lost and nothing runs that should not. `pytest -q tests/test_reliability.py -s`
prints the tallies at the end.
"""
import json, os, random, shutil, signal, subprocess, time
from pathlib import Path
import pytest
import torch
from cli_helpers import PY, ENV, cli, one_line_error, run_main

ROOT = Path(__file__).resolve().parents[1]
TALLY = dict(trials=0, faults=0, inputs=0, runs_lost=0, code_executed=0)
STEPS = 40                      # 160 images, batch 16: 10 steps per epoch, 4 epochs
RUN = ['--epochs', '4', '--set', 'train.log_every=1', 'train.ckpt_every_epochs=2', 'train.sample_every_epochs=0']


@pytest.fixture(scope='session')
def data(shapes_zip) -> str:
    "A small ImageFolder zip: 10 classes of 16 images, each class its own brightness."
    return shapes_zip(16, 'tiny.zip')


def train_cli(run_dir, data, *extra):
    "A new tiny run in `run_dir`; `extra` ends the --set list or adds flags."
    return cli('nano_sora.cli', '--run-dir', run_dir, '--data', data, '--preset', 'tiny', '--quiet', *RUN, *extra)


def resume_cli(run_dir, *extra):
    return cli('nano_sora.cli', '--run-dir', run_dir, '--resume', '--quiet', *extra)


def metrics(run_dir):
    return [(r['step'], r['loss']) for r in map(json.loads, (Path(run_dir)/'metrics.jsonl').read_text().splitlines())]


def weights(ck_path):
    ck = torch.load(ck_path, weights_only=True)
    return {k: v for part in ('model', 'ema') for k, v in ((f'{part}.{n}', t) for n, t in ck[part].items())}


def in_process(script, args):
    "A script's `main(args)` in this process (no new interpreter): (exit code, stderr)."
    code, _, err = run_main(script, *args)
    return code, err


@pytest.fixture(scope='session')
def reference(data, tmp_path_factory):
    "The uninterrupted run every interrupted one must reproduce exactly."
    run = tmp_path_factory.mktemp('ref')/'run'
    code, _, err = train_cli(run, data)
    assert code == 0, err
    return metrics(run), weights(run/'checkpoints'/'last.pt')


def assert_same_as_reference(run, reference):
    "Finished at the planned step, the same metrics lines, every checkpoint loadable, the same final weights."
    ref_metrics, ref_weights = reference
    assert metrics(run) == ref_metrics                               # each step logged once, with the same loss
    for ck in (Path(run)/'checkpoints').glob('*.pt'): torch.load(ck, weights_only=True)
    assert not list((Path(run)/'checkpoints').glob('*.tmp'))
    last = torch.load(Path(run)/'checkpoints'/'last.pt', weights_only=True)
    assert last['step'] == STEPS
    got = weights(Path(run)/'checkpoints'/'last.pt')
    assert all(torch.equal(got[k], v) for k, v in ref_weights.items())


def finish_by_resuming(run, limit=3):
    "Resume until the run is done; returns the number of resumes."
    for n in range(1, limit + 1):
        code, _, err = resume_cli(run)
        if code == 0: return n
    raise AssertionError(f'{run} did not finish in {limit} resumes: {err[-2000:]}')


def start(run, data, *extra):
    return subprocess.Popen([PY, '-m', 'nano_sora.cli', '--run-dir', str(run), '--data', data, '--preset', 'tiny',
                             '--quiet', *RUN, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def wait_for(pred, proc, timeout=60):
    t0 = time.time()
    while not pred():
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.time() - t0 < timeout, 'timed out'
        time.sleep(0.002)


@pytest.mark.parametrize('trial', range(6))
def test_kill_9_then_resume(trial, data, reference, tmp_path):
    "kill -9 at a random moment of training (trials 0-3) or in the middle of a checkpoint write (4, 5); resume."
    run, rng = tmp_path/'run', random.Random(trial)
    proc = start(run, data, 'train.ckpt_every_minutes=0.002')        # last.pt every ~0.1 s: writes are frequent
    if trial < 4:
        wait_for(lambda: (run/'metrics.jsonl').exists() and len(metrics(run)) >= rng.randint(3, 40), proc)
    else:
        wait_for(lambda: any((run/'checkpoints').glob('*.tmp')) if (run/'checkpoints').exists() else False, proc)
    proc.send_signal(signal.SIGKILL); proc.wait()
    TALLY['trials'] += 1; TALLY['faults'] += 1
    finish_by_resuming(run)
    try: assert_same_as_reference(run, reference)
    except AssertionError: TALLY['runs_lost'] += 1; raise


def test_sigint_saves_says_how_to_resume_and_resumes_exactly(data, reference, tmp_path):
    run = tmp_path/'run'
    proc = subprocess.Popen([PY, '-m', 'nano_sora.cli', '--run-dir', str(run), '--data', data, '--preset', 'tiny',
                             *RUN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    wait_for(lambda: (run/'metrics.jsonl').exists() and len(metrics(run)) >= 15, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    TALLY['trials'] += 1; TALLY['faults'] += 1
    assert proc.returncode == 130, err
    assert f'resume with: nano_sora_train --run-dir {run} --resume' in out, out[-1000:]
    assert torch.load(run/'checkpoints'/'last.pt', weights_only=True)['step'] >= 15
    code, _, err = resume_cli(run)
    assert code == 0, err
    assert_same_as_reference(run, reference)


def test_diverging_run_writes_no_bad_checkpoint(data, tmp_path):
    run = tmp_path/'run'
    code, _, err = train_cli(run, data, 'train.lr=1e6', 'train.grad_clip=0', 'train.log_every=5')
    TALLY['faults'] += 1
    one_line_error(code, err, 'loss became nan', 'Last good checkpoint: none')
    assert not (run/'checkpoints').exists() or not list((run/'checkpoints').glob('*.pt'))
    # a good checkpoint first, then a resume that diverges: the message names the checkpoint it resumed from
    code, _, err = train_cli(tmp_path/'late', data, 'train.log_every=5', '--max-steps', '20')
    assert code == 0, err
    code, err = in_process('nano_sora.cli', ['--run-dir', tmp_path/'late', '--resume', '--quiet', '--max-steps', '40',
                                                        '--set', 'train.lr=1e6', 'train.grad_clip=0'])
    one_line_error(code, err, 'loss became', 'checkpoints/last.pt')
    for ck in (tmp_path/'late'/'checkpoints').glob('*.pt'):
        assert all(torch.isfinite(v).all() for v in weights(ck).values() if v.is_floating_point())
    code, err = in_process('nano_sora.inference', ['--ckpt', tmp_path/'late', '--n', '2', '--out', tmp_path/'s.png'])
    assert code == 0, err                                             # the good checkpoint still samples


def payload_checkpoint(path, marker):
    "A .pt whose unpickling would create `marker`: the classic code-carrying checkpoint."
    class Payload:
        def __reduce__(self): return (Path.write_text, (Path(marker), 'this ran'))
    torch.save({'nano_sora': 2, 'model': {'w': Payload()}, 'ema': {}, 'config': '{}'}, path)


def test_code_carrying_checkpoint_never_runs(checkpoint, tmp_path):
    marker, evil = tmp_path/'PWNED', tmp_path/'evil.pt'
    payload_checkpoint(evil, marker)
    for script, args in [('nano_sora.inference', ['--ckpt', evil, '--n', '2', '--out', tmp_path/'s.png']),
                         ('nano_sora.training.evaluation', ['--ckpt', evil, '--n', '10', '--ref', tmp_path/'none.npz'])]:
        code, err = in_process(script, args)
        one_line_error(code, err, 'refused unread')
        TALLY['inputs'] += 1
    run = tmp_path/'run'
    shutil.copytree(checkpoint, run)
    payload_checkpoint(run/'checkpoints'/'zz_newest.pt', marker)         # the newest file: what --resume would read
    code, err = in_process('nano_sora.cli', ['--run-dir', run, '--resume', '--quiet'])
    one_line_error(code, err, 'refused unread')
    TALLY['inputs'] += 1
    if marker.exists(): TALLY['code_executed'] += 1
    assert not marker.exists()


def snapshot(folder):
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(Path(folder).rglob('*')) if p.is_file()}


def test_foreign_run_folder_is_left_alone(data, tmp_path):
    run = tmp_path/'run'
    code, _, err = train_cli(run, data, '--max-steps', '5')
    assert code == 0, err
    before = snapshot(run)
    train = lambda *args: in_process('nano_sora.cli', ['--run-dir', run, '--quiet', *args])
    code, err = train('--data', data, '--preset', 'tiny', '--set', 'train.lr=1e-2')
    one_line_error(code, err, 'holds another run', '--resume', '--run-dir')
    assert snapshot(run) == before                                   # config, checkpoints and metrics untouched
    one_line_error(*train('--resume', '--preset', 'tiny'), 'drop --preset tiny')
    one_line_error(*train('--resume', '--set', 'model.dim=32'), "--resume keeps the run's model")
    assert snapshot(run) == before
    code, err = train('--resume', '--max-steps', '8')
    assert code == 0 and json.loads((run/'changes.jsonl').read_text())['changes'] == {'train.max_steps': [5, 8]}, err
    TALLY['faults'] += 4


def test_two_processes_one_folder(data, tmp_path):
    run = tmp_path/'run'
    first = start(run, data, '--epochs', '200')
    wait_for(lambda: (run/'metrics.jsonl').exists(), first)
    train = lambda *args: in_process('nano_sora.cli', ['--run-dir', run, '--resume', '--quiet', *args])
    one_line_error(*train(), 'is in use by process', str(first.pid))
    first.send_signal(signal.SIGKILL); first.wait()                  # its lock stays behind, stale
    code, out, _ = run_main('nano_sora.cli', '--run-dir', run, '--resume', '--max-steps', '3')
    assert code == 0 and 'took over the lock of process' in out, out
    TALLY['faults'] += 2


def test_full_disk_and_read_only_folders(data, tmp_path):
    if os.geteuid() != 0: pytest.skip('needs root to mount a small tmpfs')
    disk = tmp_path/'disk'; disk.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=5m', 'tmpfs', str(disk)], capture_output=True).returncode:
        pytest.skip('cannot mount a tmpfs here')
    try:
        code, _, err = train_cli(disk/'run', data, 'train.ckpt_every_epochs=1')   # 3.4 MB a checkpoint: the 2nd does not fit
        one_line_error(code, err, 'no space left on the device', 'is kept')
        assert not list((disk/'run'/'checkpoints').glob('*.tmp'))
        for ck in (disk/'run'/'checkpoints').glob('*.pt'): torch.load(ck, weights_only=True)
        subprocess.run(['mount', '-o', 'remount,ro', str(disk)], check=True)
        one_line_error(*in_process('nano_sora.cli', ['--run-dir', disk/'other', '--data', data]), 'not writable')
        one_line_error(*in_process('nano_sora.inference', ['--ckpt', disk/'run', '--n', '2', '--out', disk/'s.png']),
                       'not writable')
        TALLY['faults'] += 3
    finally:
        subprocess.run(['umount', str(disk)])


BAD = {   # script: [(arguments, words the one-line error must hold)]
    'nano_sora.cli': [
        (['--epochs', '0'], 'train.epochs must be positive'), (['--max-steps', '-1'], 'train.max_steps must be >= 0'),
        (['--minutes', 'nan'], 'train.minutes must be a finite number'), (['--minutes', '-2'], 'train.minutes must be >= 0'),
        (['--set', 'train.log_every=0'], 'train.log_every must be positive'),
        (['--set', 'train.log_every=-3'], 'train.log_every must be positive'),
        (['--set', 'train.weight_decay=-1'], 'train.weight_decay must be >= 0'),
        (['--set', 'train.beta2=1.5'], 'train.beta2 must be in [0, 1)'),
        (['--set', 'train.warmup_steps=-10'], 'train.warmup_steps must be >= 0'),
        (['--set', 'model.mlp_ratio=0'], 'model.mlp_ratio must be positive'),
        (['--set', 'train.lr=.inf'], 'train.lr must be a finite number'), (['--set', 'train.lr=0'], 'train.lr must be positive'),
        (['--set', 'train.batch_size=0'], 'train.batch_size must be positive'),
        (['--set', 'train.ckpt_every_minutes=-1'], 'train.ckpt_every_minutes must be >= 0'),
        (['--set', 'sample.cfg_interval=[0.9,0.1]'], 'sample.cfg_interval'),
        (['--set', 'train.lr'], 'must look like part.key=value'),
        (['--device', 'tpu'], 'unknown device'), (['--preset', 'huge'], 'unknown preset'),
        (['--data', '/no/such/data.zip'], 'does not exist'), (['--run-dir', '/dev/null/x'], 'is a file, not a folder')],
    'nano_sora.inference': [
        (['--steps', '0'], '--steps must be positive'), (['--batch-size', '0'], '--batch-size must be positive'),
        (['--n', '0'], '--n must be positive'), (['--cfg', '-1'], '--cfg must be a finite number'),
        (['--cfg', 'nan'], '--cfg must be a finite number'), (['--cfg-interval', '0.8', '0.3'], '--cfg-interval LO HI'),
        (['--seed', '-1'], '--seed must be >= 0'), (['--out', '/'], 'is a folder'), (['--out', 'x.jpg'], 'use a .png'),
        (['--t-shift', '-1'], '--t-shift must be positive'), (['--guide', '/no/such.pt'], 'does not exist')],
    'nano_sora.training.evaluation': [
        (['--n', '1'], '--n must be at least 2'), (['--batch', '0'], '--batch must be positive'),
        (['--steps', '0'], '--steps must be positive'), (['--cfg-interval', '0.5', '0.1'], '--cfg-interval LO HI'),
        (['--seed', '-4'], '--seed must be >= 0'), (['--t-shift', 'inf'], '--t-shift must be positive'),
        (['--guide', '/no/such.pt'], 'does not exist')],
    'nano_sora.benchmark': [
        (['--steps', '0'], '--steps and --sample-n must be positive'), (['--sample-n', '0'], 'must be positive'),
        (['--presets', 'nope'], 'unknown preset'), (['--json', '/'], 'is a folder')],
}


@pytest.fixture(scope='session')
def checkpoint(data, tmp_path_factory):
    run = tmp_path_factory.mktemp('ck')/'run'
    code, _, err = train_cli(run, data, '--max-steps', '3')
    assert code == 0, err
    return run


@pytest.mark.parametrize('script', list(BAD))
def test_bad_values_get_one_line(script, checkpoint, tmp_path):
    extra = {'nano_sora.inference': ['--ckpt', checkpoint, '--out', tmp_path/'s.png'],
             'nano_sora.training.evaluation': ['--ckpt', checkpoint],
             'nano_sora.cli': ['--run-dir', tmp_path/'run', '--data', checkpoint.parent/'nothing.zip'],
             'nano_sora.benchmark': []}[script]
    for args, words in BAD[script]:
        code, err = in_process(script, [*extra, *args])             # argparse: the later flag wins
        one_line_error(code, err, words)
        assert not (tmp_path/'run').exists()                         # a refused start leaves no folder behind
        TALLY['inputs'] += 1


def test_config_files(checkpoint, tmp_path):
    "--config starts a run from another run's config.yaml (with --set on top); every file in configs/ is valid."
    import yaml
    from nano_sora.config import load_config
    code, err = in_process('nano_sora.cli', ['--config', checkpoint/'config.yaml', '--run-dir', tmp_path/'again',
                                                        '--quiet'])
    assert code == 0, err
    a, b = (yaml.safe_load((d/'config.yaml').read_text()) for d in (checkpoint, tmp_path/'again'))
    assert {**a, 'name': None} == {**b, 'name': None}                 # the same run, under another name
    for f in sorted((ROOT/'configs').glob('*.yaml')): load_config(f)
    TALLY['inputs'] += 1


def test_make_train_debug_and_sample(data, tmp_path):
    "The newcomer's first commands: a whole CPU run with a checkpoint and a grid, then `make sample` from it."
    mirror = (ROOT.parent/'shared/data/cifar10/cifar10-jpeg-train.zip').is_file()   # the Makefile's default DATA
    r = subprocess.run(['make', '-s', 'train-debug', *([] if mirror else [f'DATA={data}'])], cwd=ROOT,
                       capture_output=True, text=True, env=ENV, timeout=300)      # a clone without it: the small zip
    assert r.returncode == 0, r.stderr[-2000:]
    assert (ROOT/'runs/debug/checkpoints/last.pt').is_file() and (ROOT/'runs/debug/samples.png').is_file()
    r = subprocess.run(['make', '-s', 'sample', 'CKPT=runs/debug', 'N=10', f'OUT={tmp_path}/s.png', 'ARGS=--device cpu'],
                       cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0 and (tmp_path/'s.png').is_file(), r.stderr[-2000:]


def test_tallies():
    "Runs last: the battery's totals (printed with -s)."
    print('\nbattery: ' + ', '.join(f'{k.replace("_", " ")} {v}' for k, v in TALLY.items()))
    assert TALLY['runs_lost'] == 0 and TALLY['code_executed'] == 0
