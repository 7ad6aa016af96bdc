"""The command line a newcomer meets: each command's flags, its messages and the leftovers of a stop, on tiny CPU runs.

Every test drives the real commands in processes of their own (`python -m nano_sora.cli`, the console scripts' entry
points, `make`) on the `tiny` preset and a small ImageFolder zip this file writes: repeated `--set`, a resume that
repeats the command that started the run, a start that fails (and what it leaves), a lock left empty or made a
folder, a guide of another task, messages fitted to the command that printed them (with `make train` too), a
torchvision built for another torch, and `make train-debug` offline.
"""
import json, os, shutil, signal, subprocess, time
from pathlib import Path
import pytest
import torch
import yaml
from cli_helpers import PY, ENV, cli, one_line_error, run_main as in_process

ROOT = Path(__file__).resolve().parents[1]
TINY = ['--preset', 'tiny', '--device', 'cpu', '--quiet', '--set', 'train.log_every=5', 'train.sample_every_epochs=0']
SCRIPTS = dict(line.split('=', 1) for line in
               next(l for l in (ROOT/'settings.ini').read_text().splitlines()
                    if l.startswith('console_scripts')).split('=', 1)[1].split())


@pytest.fixture(scope='module')
def data(shapes_zip) -> str:
    "A small ImageFolder zip: 10 classes of 16 images, each class its own brightness."
    return shapes_zip(16, 'shapes.zip')


def train(run_dir, *args):
    return cli('cli', '--run-dir', run_dir, *args)


def resume(run_dir, *args):
    "`nano_sora_train --run-dir RUN --resume ARGS` in this process."
    return in_process('cli', '--run-dir', run_dir, '--resume', *args)


def config(run_dir) -> dict:
    return yaml.safe_load((Path(run_dir)/'config.yaml').read_text())


@pytest.fixture(scope='module')
def finished(data, tmp_path_factory) -> Path:
    "A finished tiny run of one epoch (10 steps) on the zip."
    run = tmp_path_factory.mktemp('finished')/'run'
    code, _, err = train(run, '--data', data, '--epochs', '1', *TINY)
    assert code == 0, err
    return run


def test_repeated_set_applies_every_one(data, tmp_path):
    "`--set a --set b` applies both, in nano_sora_train and nano_sora_bench (argparse's default kept only the last)."
    run = tmp_path/'run'
    code, _, err = train(run, '--data', data, '--max-steps', '1', *TINY, '--set', 'flow.method=ddpm',
                         '--set', 'sample.sampler=ddim', 'sample.steps=7')
    assert code == 0, err
    c = config(run)
    assert (c['flow']['method'], c['sample']['sampler'], c['sample']['steps'], c['train']['log_every']) == \
        ('ddpm', 'ddim', 7, 5)
    # the bench validates every preset with its overrides first: only both together are valid, then --json is refused
    for first, second in [('flow.method=ddpm', 'sample.sampler=ddim'), ('sample.sampler=ddim', 'flow.method=ddpm')]:
        one_line_error(*in_process('benchmark', '--presets', 'tiny', '--json', '/', '--set', first, '--set', second)[::2],
                       '--json / is a folder')


def test_resume_accepts_the_command_that_started_the_run(data, tmp_path):
    "The starting command repeated with --resume continues; a differing value is refused naming each difference."
    run = tmp_path/'run'
    start = ['--data', data, *TINY]
    assert train(run, *start, '--epochs', '1')[0] == 0
    code, out, err = train(run, *start, '--epochs', '2', '--resume')              # the same, with a longer budget
    assert code == 0, err
    assert json.loads((run/'changes.jsonl').read_text())['changes'] == {'train.epochs': [1, 2]}
    assert torch.load(run/'checkpoints'/'last.pt', weights_only=True)['step'] == 20
    before = (run/'config.yaml').read_text()
    line = one_line_error(*resume(run, '--preset', 'tiny')[::2], 'drop --preset tiny',
                          f'data.source: {data} -> cifar10', 'train.epochs: 2 -> 1', 'train.sample_every_epochs: 0 -> 1')
    assert 'model.' not in line, line                                            # the model is the preset's
    one_line_error(*resume(run, '--preset', 'cpu')[::2], "--resume keeps the run's model",
                   'model.dim: 64 -> 128', 'model.depth: 2 -> 4', 'model.heads: 2 -> 4')
    one_line_error(*resume(run, '--set', 'model.dim=32', 'model.depth=3')[::2],
                   "--resume keeps the run's model", 'model.dim: 64 -> 32', 'model.depth: 2 -> 3')
    assert (run/'config.yaml').read_text() == before and not (run/'.lock').exists()
    for same in (['--set', 'model.dim=64', '--epochs', '2'], ['--config', run/'config.yaml']):   # equal values
        code, _, err = resume(run, '--quiet', *same)
        assert code == 0, (same, err)
    assert len((run/'changes.jsonl').read_text().splitlines()) == 1              # and nothing new recorded
    code, _, err = resume(run, '--quiet', '--set', 'model.grad_checkpoint=true')   # how it trains: it may change
    assert code == 0, err
    assert json.loads((run/'changes.jsonl').read_text().splitlines()[1])['changes'] == \
        {'model.grad_checkpoint': [False, True]}


def test_failed_start_leaves_nothing_that_blocks(data, tmp_path):
    "A start that fails after the folder was claimed (its held-out data does not read) leaves no config.yaml."
    bad = tmp_path/'val.zip'; bad.write_text('not a zip')
    run = tmp_path/'runs'/'x'
    one_line_error(*train(run, '--data', data, '--max-steps', '1', *TINY, 'train.val_every=5', '--val-data', bad)[::2],
                   'val.zip')
    assert not (tmp_path/'runs').exists()                                        # nothing: not even the folders
    (tmp_path/'mine').mkdir()                                                    # a folder the user made stays
    assert in_process('cli', '--run-dir', tmp_path/'mine', '--data', data, '--max-steps', '1', *TINY,
                      'train.val_every=5', '--val-data', bad)[0] == 2
    assert list((tmp_path/'mine').iterdir()) == []
    code, _, err = in_process('cli', '--run-dir', tmp_path/'mine', '--data', data, '--max-steps', '1', *TINY)   # fixed
    assert code == 0, err


def test_lock_left_empty_or_made_a_folder(finished, tmp_path):
    "An empty .lock (a start that died writing it) does not block --resume; a .lock that is a folder is one line."
    run = tmp_path/'run'; shutil.copytree(finished, run)
    (run/'.lock').write_text('')
    code, out, err = train(run, '--resume', '--epochs', '2', '--device', 'cpu')
    assert code == 0 and f'removed {run}/.lock, which named no process' in out, err
    assert not (run/'.lock').exists()
    (run/'.lock').mkdir()
    one_line_error(*resume(run, '--quiet')[::2], f'{run}/.lock is not a lock file', 'remove it')
    assert (run/'.lock').is_dir()


def test_full_disk_leaves_no_lock(finished, tmp_path):
    "With the disk full the lock cannot be written: one line, no .lock left; once there is space, --resume works."
    if os.geteuid() != 0: pytest.skip('needs root to mount a small tmpfs')
    disk = tmp_path/'disk'; disk.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', str(disk)], capture_output=True).returncode:
        pytest.skip('cannot mount a tmpfs here')
    try:
        shutil.copytree(finished, disk/'run')
        filler = disk/'filler'
        with open(filler, 'wb') as f:                                            # fill the disk to the last byte
            try:
                while True: f.write(b'\0' * 65536); f.flush()
            except OSError: pass
        one_line_error(*resume(disk/'run', '--quiet', '--epochs', '2')[::2],
                       f'could not write {disk}/run/.lock', 'No space left on device')
        assert sorted(p.name for p in (disk/'run').iterdir()) == ['checkpoints', 'config.yaml', 'metrics.jsonl']
        filler.unlink()
        code, _, err = resume(disk/'run', '--quiet', '--epochs', '2')
        assert code == 0, err
    finally:
        subprocess.run(['umount', str(disk)])


def test_guide_of_another_task_is_refused(finished, tmp_path):
    "A tiny run on other data as the guide of the pretrained model: refused, naming the data."
    code, _, err = cli('inference', '--ckpt', 'pretrained', '--guide', finished, '--n', '2', '--device', 'cpu',
                       '--out', tmp_path/'s.png')
    one_line_error(code, err, f'guide {finished} does not fit pretrained', 'data shapes (the model: cifar10)')
    assert not (tmp_path/'s.png').exists()


def test_messages_fit_their_command(finished, tmp_path):
    "A file that is no checkpoint: the sampler says what is wrong with it; the trainer's resume adds its own way out."
    text = tmp_path/'notes.txt'; text.write_text('hello')
    line = one_line_error(*in_process('inference', '--ckpt', text, '--out', tmp_path/'s.png')[::2],
                          f'checkpoint {text} is corrupt, truncated or not a checkpoint')
    assert 'resume' not in line, line
    run = tmp_path/'run'; shutil.copytree(finished, run)
    shutil.copy(text, run/'checkpoints'/'zz_newest.pt')
    one_line_error(*resume(run, '--quiet')[::2], 'zz_newest.pt is corrupt, truncated or not a checkpoint',
                   'delete that file and resume again')


def wait_for_lines(run, n, proc, timeout=120):
    "Wait until the run logged `n` lines."
    t0, path = time.time(), Path(run)/'metrics.jsonl'
    while not (path.is_file() and len(path.read_text().splitlines()) >= n):
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.time() - t0 < timeout, 'timed out'
        time.sleep(0.02)


def test_ctrl_c_prints_the_command_that_was_typed(data, tmp_path):
    "After Ctrl-C: `nano_sora_train ... --resume` when run by hand, `make train RESUME=1 ...` under make; once."
    long = ['--epochs', '50', '--set', 'train.log_every=1', 'train.sample_every_epochs=0']
    by_hand = tmp_path/'by_hand'
    proc = subprocess.Popen([PY, '-m', 'nano_sora.cli', '--run-dir', str(by_hand), '--data', data, '--preset', 'tiny',
                             '--device', 'cpu', *long], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV)
    wait_for_lines(by_hand, 3, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert [l for l in out.splitlines() if 'resume' in l] == [f'resume with: nano_sora_train --run-dir {by_hand} --resume']
    made = tmp_path/'made'                                  # the same through make: Ctrl-C reaches make and the trainer
    args = ['make', '-s', 'train', 'PRESET=tiny', f'RUN={made}', f'DATA={data}', f"ARGS=--device cpu {' '.join(long)}"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            start_new_session=True)
    wait_for_lines(made, 3, proc)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, out
    assert [l for l in out.splitlines() if 'resume' in l] == [f'resume with: make train RESUME=1 PRESET=tiny RUN={made}']
    stopped = torch.load(made/'checkpoints'/'last.pt', weights_only=True)['step']
    r = subprocess.run(['make', '-s', 'train', 'RESUME=1', 'PRESET=tiny', f'RUN={made}',
                        f'ARGS=--device cpu --quiet --max-steps {stopped + 2}'], cwd=ROOT, capture_output=True,
                       text=True, env=ENV, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]                                  # the printed command continues it
    assert torch.load(made/'checkpoints'/'last.pt', weights_only=True)['step'] == stopped + 2


def entry_point(script, *args, env, cwd):
    "A console script (`nano_sora_sample`, ...) as installed: its entry point function, called as the script calls it."
    module, function = SCRIPTS[script].split(':')
    return subprocess.run([PY, '-c', f'import sys; from {module} import {function} as m; sys.argv[0] = "{script}"; m()',
                           *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


@pytest.mark.parametrize('fake', ['wrong_version', 'broken'])
def test_torchvision_for_another_torch_stops_every_command_first(fake, tmp_path):
    "A torchvision that does not fit torch: every console script stops before any work, in one line with the fix."
    pkg = tmp_path/'site'/'torchvision'; pkg.mkdir(parents=True)
    (pkg/'__init__.py').write_text("__version__ = '0.1.0'\n" if fake == 'wrong_version' else
                                   "raise OSError('libtorchvision.so: undefined symbol: _ZN3c1017RegisterOperators')\n")
    env = {**ENV, 'PYTHONPATH': str(tmp_path/'site')}
    want = f'0.{int(torch.__version__.split(".")[1]) + 15}'
    args = {'nano_sora_train': ['--preset', 'tiny', '--run-dir', 'run'], 'nano_sora_sample': ['--ckpt', 'pretrained',
            '--out', 's.png'], 'nano_sora_fid': ['--ckpt', 'pretrained'], 'nano_sora_bench': ['--presets', 'tiny'],
            'nano_sora_speedrun': ['--preset', 'tiny'], 'nano_sora_data': ['--from', 'x', '--out', 'x.zip'],
            'nano_sora_posthoc': ['--run', 'run', '--sigma-rel', '0.1', '--out', 'x.safetensors']}
    for script in SCRIPTS if fake == 'wrong_version' else ['nano_sora_sample']:
        r = entry_point(script, *args[script], env=env, cwd=tmp_path)
        words = (['torchvision 0.1.0 does not match torch'] if fake == 'wrong_version' else
                 ['torchvision does not import', 'OSError: libtorchvision.so: undefined symbol'])
        one_line_error(r.returncode, r.stderr, *words, f'fix it with: pip install "torchvision=={want}.*"')
        assert sorted(p.name for p in tmp_path.iterdir()) == ['site'], script   # nothing made: no work was done


def test_make_train_debug_offline(data, tmp_path):
    "Offline, `make train-debug` names how to get the data; with a zip made by `nano_sora_data` it runs whole."
    if (ROOT/'data'/'cifar-10-batches-py').is_dir(): pytest.skip('CIFAR-10 was downloaded into data/ here')
    offline = {**ENV, 'http_proxy': 'http://127.0.0.1:9', 'https_proxy': 'http://127.0.0.1:9'}   # no connection
    had_data = (ROOT/'data').exists()
    try:
        r = subprocess.run(['make', '-s', 'train-debug', 'DATA=cifar10'], cwd=ROOT, capture_output=True, text=True,
                           env=offline, timeout=300)
    finally:
        if not had_data and (ROOT/'data').is_dir() and not any((ROOT/'data').iterdir()): (ROOT/'data').rmdir()
    error = [l for l in r.stderr.splitlines() if l.startswith('error: ')]
    assert r.returncode != 0 and len(error) == 1, r.stderr[-2000:]
    assert 'could not be downloaded' in error[0] and 'nano_sora_data --from' in error[0], error[0]
    assert not (ROOT/'runs'/'debug').exists()
    zipped = tmp_path/'cifar10-jpeg-train.zip'                               # the documented command (lesson 2)
    r = entry_point('nano_sora_data', '--from', data, '--out', zipped, env=offline, cwd=tmp_path)
    assert r.returncode == 0 and zipped.is_file(), r.stderr[-2000:]
    r = subprocess.run(['make', '-s', 'train-debug', f'DATA={zipped}'], cwd=ROOT, capture_output=True, text=True,
                       env=offline, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'wrote runs/debug/samples.png (20 images' in r.stdout, r.stdout[-2000:]
