"""The inputs battery: hostile and careless files, flags and signals given to the sampling, scoring, benchmark and
training commands as a user (or an attacker) would give them.

Every case runs a real console script (`nano_sora_sample`, `nano_sora_fid`, `nano_sora_bench`, `nano_sora_train`,
through a `python -c` entry) in its own process under an address-space limit (`RLIMIT_AS`: what importing nano_sora
maps, plus 2 GiB), so that an unbounded allocation fails the test instead of the machine. The cases: outputs that are
not regular files (a character device made with mknod, a FIFO, a link to someone else's file), two processes writing
one file, SIGTERM in the middle of a write, checkpoints whose config or zip records declare more than they hold,
weights that do not fit their config, YAML aliases and deep nesting, binary config files, absurd counts (`--n`,
`--steps`, `--batch-size`, a trajectory), non-finite statistics and samples, images of the wrong shape or size, seeds
torch refuses, a class written '²', devices the machine lacks, names too long, a `.lock` that is a folder. A refused
case must end with exit code 2 and one line `error: ...` that says what to fix, no traceback, and leave its inputs as
they were. The cases share one tiny trained run and run two at a time; `pytest -q -s tests/test_reliability_inputs.py`
prints the tallies at the end.
"""
import concurrent.futures, contextlib, io, json, os, resource, signal, stat, struct, subprocess, sys, time, warnings
import zipfile, zlib
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image
import nano_sora.cli  # noqa: F401  (the address space nano_sora_train maps once it is loaded, measured below)
import nano_sora.benchmark  # noqa: F401
from nano_sora.config import load_extensions

PY = sys.executable
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
load_extensions()               # the command line's first call: every extension module loaded
MAPPED = int(Path('/proc/self/statm').read_text().split()[0]) * os.sysconf('SC_PAGE_SIZE')
LIMIT = MAPPED + (2 << 30)      # what the commands map once loaded, plus 2 GiB for the work
TALLY = dict(inputs=0, refused=0, tracebacks=0, hangs=0, inputs_changed=0, temp_files_left=0)
ENTRY = {'sample': 'nano_sora.inference import main', 'fid': 'nano_sora.training.evaluation import main',
         'bench': 'nano_sora.benchmark import main', 'train': 'nano_sora.cli import main',
         'write': 'nano_sora.config import cli, write_atomic; main = cli(lambda argv: write_atomic(sys.argv[1], '
                  'lambda f: f.write(b"x")))'}
ROOT_ONLY = os.geteuid() == 0   # mknod of a character device needs root


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def command(script, *args, prelude=''):
    "`python -c` running the console script `script` (a key of ENTRY) with `args`, after `prelude`."
    return [PY, '-c', f'import sys\n{prelude}\nfrom {ENTRY[script]}\nmain()', *map(str, args)]


def run(script, *args, cwd, env=None, prelude='', timeout=120):
    "The script to its end under the address-space limit: (exit code, stdout, stderr); a hang is exit code None."
    try:
        r = subprocess.run(command(script, *args, prelude=prelude), capture_output=True, text=True, env=env or ENV,
                           cwd=cwd, timeout=timeout, preexec_fn=limited)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        TALLY['hangs'] += 1
        return None, '', f'timed out after {timeout} s'


def refused(result, *words):
    "Exit code 2, one line on stderr that starts with 'error: ' and holds every word, no traceback."
    code, _, err = result
    TALLY['inputs'] += 1
    if 'Traceback' in err: TALLY['tracebacks'] += 1
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith('error: '), (code, err[-3000:])
    assert all(str(w) in lines[0] for w in words), (words, lines[0])
    TALLY['refused'] += 1
    return lines[0]


def digest(path):
    "What is at `path` (its kind, a device's number, a link's target, a file's bytes): to check it was left alone."
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode): return 'link', os.readlink(path), digest(os.path.realpath(path))
    if stat.S_ISREG(st.st_mode): return 'file', zlib.crc32(Path(path).read_bytes())
    return stat.S_IFMT(st.st_mode), st.st_rdev


def temp_files(folder):
    "Temporary files a writer left in `folder` (write_atomic's, and the older `<name>.tmp`)."
    left = [p for p in Path(folder).iterdir() if p.name.endswith('.tmp')]
    TALLY['temp_files_left'] += len(left)
    return left


def deflated_zeros(mib):
    "A raw deflate stream of `mib` MiB of zeros, made by repeating one fully flushed block: ~1 KB per MiB."
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * mib + c.flush()


def hand_zip(path, members):
    "A zip of `members` [(name, bytes as stored, declared size, method, crc)], written by hand (any sizes declared)."
    out, central = bytearray(), bytearray()
    for name, packed, size, method, crc in members:
        n, at = name.encode(), len(out)
        out += struct.pack('<4s5H3L2H', b'PK\x03\x04', 20, 0, method, 0, 0x21, crc, len(packed), size, len(n), 0)
        out += n + packed
        central += struct.pack('<4s6H3L5H2L', b'PK\x01\x02', 20, 20, 0, method, 0, 0x21, crc, len(packed), size,
                               len(n), 0, 0, 0, 0, 0, at) + n
    end = struct.pack('<4s4H2LH', b'PK\x05\x06', 0, 0, len(members), len(members), len(central), len(out), 0)
    Path(path).write_bytes(bytes(out + central + end))
    return path


def record_bomb(path, tmp):
    "A 3 MB .pt whose one tensor's record is deflated and declares 3 GiB: torch.load would inflate all of it."
    torch.save({'nano_sora': 2, 'model': {'w': torch.zeros(2)}}, tmp/'small.pt')
    members = []
    with zipfile.ZipFile(tmp/'small.pt') as z:
        for i in z.infolist():
            data = z.read(i)
            if i.filename.endswith('data.pkl'):                             # the storage now holds 3 GiB of bytes
                data = data.replace(b'cpuq\tK\x02', b'cpuq\tJ' + struct.pack('<i', 3 << 28))
            if i.filename.endswith('data/0'): members.append((i.filename, deflated_zeros(3072), 3 << 30, 8, 0))
            else: members.append((i.filename, data, len(data), 0, zlib.crc32(data)))
    return hand_zip(path, members)


def fake_inception(path):
    "A stand-in for the Inception network (TorchScript, 16 features an image): scoring runs offline in milliseconds."
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(48, 16, generator=torch.Generator().manual_seed(0)))
        def forward(self, x): return torch.nn.functional.adaptive_avg_pool2d(x, 4).flatten(1) @ self.w
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')                                     # torch.jit.script's deprecation notice
        torch.jit.script(Net()).save(str(path))
    return path


def stats(path, mu, sigma, **meta):
    i = np.triu_indices(len(mu))
    np.savez(path, mu=np.asarray(mu, np.float64), sigma_triu=np.asarray(sigma)[i].astype(np.float32), **meta)
    return path


def data_zip(path):
    "40 images, 10 classes, each class its own colour."
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(path, 'w') as z:
        for c in range(10):
            for i in range(4):
                buf = io.BytesIO()
                Image.fromarray((rng.integers(0, 40, (32, 32, 3)) + 20 * c).astype(np.uint8)).save(buf, 'PNG')
                z.writestr(f'train/c{c}/{i}.png', buf.getvalue())
    return path


def in_process(main, *args):
    "A console script's `main(args)` in this process, quietly; it must succeed."
    code, out = 0, io.StringIO()
    try:
        with contextlib.redirect_stdout(out): main([str(a) for a in args])
    except SystemExit as e: code = e.code
    assert code in (0, None), f'{main.__module__} {args} exited {code}'


@pytest.fixture(scope='module')
def made(tmp_path_factory):
    "The tiny run, its export, a stand-in network and every hostile file: {name: path} (and the folder, 'dir')."
    d = tmp_path_factory.mktemp('inputs')
    from nano_sora.cli import main as train_main
    from nano_sora.inference import main as sample_main
    f = dict(dir=d, data=data_zip(d/'data.zip'), net=fake_inception(d/'net.pt'), run=d/'run', long='x' * 300)
    in_process(train_main, '--preset', 'tiny', '--device', 'cpu', '--data', f['data'], '--run-dir', f['run'],
               '--max-steps', '2', '--quiet', '--set', 'train.sample_every_epochs=0')
    in_process(sample_main, '--ckpt', f['run'], '--export', d/'model.safetensors')
    ck = torch.load(f['run']/'checkpoints/last.pt', weights_only=True)
    cfg = json.loads(ck['config'])
    for name, change in [('noema', {'ema': None}), ('misfit', {'config': json.dumps({**cfg, 'model': {
                             **cfg['model'], 'dim': 128}})}),
                         ('deepjson', {'config': '{"model": {"dim": ' + '[' * 100_000 + ']' * 100_000 + '}}'})]:
        torch.save({k: v for k, v in {**ck, **change}.items() if v is not None}, d/f'{name}.pt')
    f['bomb'] = record_bomb(d/'bomb.pt', d)
    from safetensors import safe_open
    from safetensors.torch import save_file
    with safe_open(str(d/'model.safetensors'), 'pt') as st:
        meta, w = st.metadata(), {k: st.get_tensor(k) for k in st.keys()}
    save_file(w, d/'abc.safetensors', {**meta, 'step': 'abc'})
    huge = {**cfg, 'model': {**cfg['model'], 'dim': 4096, 'depth': 64, 'heads': 64}}   # 383 KB declaring 19B
    save_file(w, d/'huge.safetensors', {**meta, 'config': json.dumps(huge)})
    laughs = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]']
    laughs += [f'l{i}: &l{i} [{", ".join([f"*l{i - 1}"] * 10)}]' for i in range(1, 9)] + ['name: *l8']
    (d/'laughs.yaml').write_text('\n'.join(laughs) + '\n')                  # 10^9 lols in 500 bytes
    (d/'deep.yaml').write_text('name: ' + '[' * 50_000 + ']' * 50_000 + '\n')
    (d/'binary.yaml').write_bytes(bytes(range(256)) * 16)
    rng = np.random.default_rng(0)
    mu, sigma = rng.normal(size=16), np.cov(rng.normal(size=(64, 16)), rowvar=False)
    stats(d/'stats32.npz', mu, sigma, size=32)
    stats(d/'nan_mu.npz', np.where(np.arange(16) == 3, np.nan, mu), sigma)
    stats(d/'nan_cov.npz', mu, np.where(np.eye(16, k=1) > 0, np.nan, sigma))
    for name, shape in [('good', (20, 32, 32, 3)), ('not_square', (20, 3, 32, 3)), ('pixels', (20, 1, 1, 3)),
                        ('big64', (20, 64, 64, 3))]:
        np.save(d/f'{name}.npy', rng.integers(0, 256, shape, dtype=np.uint8))
    (d/'outside').mkdir(); (d/'outside/kept.txt').write_text("someone else's file")
    for suffix in ('png', 'safetensors', 'npy', 'json'):
        if ROOT_ONLY: os.mknod(d/f'dev.{suffix}', 0o666 | stat.S_IFCHR, os.makedev(1, 3))   # a copy of /dev/null
        os.mkfifo(d/f'fifo.{suffix}'); os.symlink(d/'outside/kept.txt', d/f'link.{suffix}')
    (d/'lockrun/.lock').mkdir(parents=True)                                   # a .lock that is a folder
    (d/'afile').write_text('a file, not a folder')
    return f


def cases(f):
    "Every refused input: {name: (script, args, words the one-line error must hold)}."
    d, run, fid = f['dir'], f['run'], ['--inception', f['net'], '--device', 'cpu']
    config = ['--device', 'cpu', '--data', f['data'], '--max-steps', '1']               # with --config
    train = ['--preset', 'tiny', *config]
    c = {}
    kinds = [('dev', 'a character device')] * ROOT_ONLY + [('fifo', 'a FIFO (named pipe)'), ('link', 'a symbolic link')]
    for kind, words in kinds:                                                 # 1. outputs that are not regular files
        c[f'out_{kind}'] = ('sample', ['--ckpt', run, '--n', 2, '--out', d/f'{kind}.png'],
                            [f'{kind}.png exists and is {words}'])
        c[f'export_{kind}'] = ('sample', ['--ckpt', run, '--export', d/f'{kind}.safetensors'], [f'is {words}'])
        c[f'save_samples_{kind}'] = ('fid', ['--ckpt', run, '--n', 4, '--data', f['data'], '--save-samples',
                                             d/f'{kind}.npy', *fid],
                                     [f'--save-samples {d}/{kind}.npy exists and is {words}'])
        c[f'json_{kind}'] = ('bench', ['--presets', 'tiny', '--steps', 1, '--sample-n', 2, '--device', 'cpu', '--json',
                                       d/f'{kind}.json'], [f'--json {d}/{kind}.json exists and is {words}'])
    c['write_into_a_file'] = ('write', [d/'afile/x.png'], ['afile/x.png: a part of the path is a file, not a folder'])
    c |= {   # 2. memory bounded by what an input declares
        'huge_config': ('sample', ['--ckpt', d/'huge.safetensors', '--out', d/'s.png'],
                        ['19.3B parameters, over the 2B limit']),
        'record_bomb': ('sample', ['--ckpt', f['bomb'], '--out', d/'s.png'],
                        ['its records declare 3.0 GiB', 'refused unread']),
        'yaml_laughs': ('train', [*config, '--config', d/'laughs.yaml'], ['anchors and aliases', 'line 1']),
        'set_alias': ('train', [*train, '--set', 'model.dim=&a 64', 'model.heads=*a'],
                      ['--set model.dim', 'anchors and aliases']),
        'yaml_deep': ('train', [*config, '--config', d/'deep.yaml'], ['nests more than 16 levels deep']),
        'set_deep': ('train', [*train, '--set', 'name=' + '[' * 50_000 + ']' * 50_000], ['--set name', 'levels deep']),
        'json_deep': ('sample', ['--ckpt', d/'deepjson.pt', '--out', d/'s.png'], ['nested too deep']),
        'yaml_binary': ('train', [*config, '--config', d/'binary.yaml'], ['is not text (UTF-8) but binary']),
        'steps': ('sample', ['--ckpt', run, '--steps', 10**9, '--out', d/'s.png'],
                  ['a time grid of 1,000,000,000 steps']),
        'n': ('sample', ['--ckpt', run, '--n', 10**9, '--out', d/'s.png'], ['1,000,000,000 samples of 3 x 32 x 32',
                                                                             'TiB', 'sample in parts', '--seed']),
        'batch_size': ('sample', ['--ckpt', run, '--n', 100_000, '--batch-size', 100_000, '--out', d/'s.npy'],
                       ['sampling 100,000 at once', 'lower --batch-size']),
        'gif_steps': ('sample', ['--ckpt', run, '--steps', 200_000, '--out', d/'s.gif'],
                      ['a .gif trajectory of 64 images over 200,000 steps', 'use fewer --steps']),
        'model_dim': ('train', [*train, '--set', 'model.dim=16384'], ['parameters, over the 2B limit', 'MAX_PARAMS']),
        'bench_steps': ('bench', ['--presets', 'tiny', '--steps', 10**9, '--device', 'cpu', '--json', d/'b.json'],
                        ['--steps 1,000,000,000']),
        'fid_n': ('fid', ['--ckpt', run, '--n', 10**9, '--data', f['data'], *fid],
                  ['--n 1,000,000,000 samples and their Inception features']),
    }
    c |= {   # 3. silent wrong results
        'ref_nan': ('fid', ['--samples', d/'good.npy', '--ref', d/'nan_mu.npz', *fid], ['holds NaN or infinite']),
        'not_square': ('fid', ['--samples', d/'not_square.npy', '--ref', d/'stats32.npz', *fid],
                       ['square, at least 16x16']),
        'pixels': ('fid', ['--samples', d/'pixels.npy', '--ref', d/'stats32.npz', *fid], ['(20, 1, 1, 3)']),
        'size': ('fid', ['--samples', d/'big64.npy', '--ref', d/'stats32.npz', *fid],
                 ['holds statistics of 32x32 images; the samples are 64x64']),
        'cfg_huge': ('sample', ['--ckpt', run, '--n', 4, '--cfg', '1e30', '--out', d/'black.png'],
                     ['non-finite values', 'guidance scale 1e+30']),
        'mlp_width': ('train', [*train, '--set', 'model.mlp_ratio=1e-9'], ['makes an MLP of int(dim * mlp_ratio) = 0']),
    }
    c |= {   # 4. tracebacks that became one line
        'no_ema': ('sample', ['--ckpt', d/'noema.pt', '--out', d/'s.png'],
                   ["holds no EMA weights ('ema')", '--no-ema']),
        'misfit': ('sample', ['--ckpt', d/'misfit.pt', '--out', d/'s.png'], ['do not fit its config (model.dim=128']),
        'step_abc': ('sample', ['--ckpt', d/'abc.safetensors', '--out', d/'s.png'], ["step='abc', not a step number"]),
        'seed_2_64': ('sample', ['--ckpt', run, '--seed', 2**64, '--out', d/'s.png'], ['--seed must be at most']),
        'train_seed_2_40': ('train', [*train, '--set', f'train.seed={2**40}'],
                            ['train.seed must be in [0, 2147483647]']),
        'train_seed_2_64': ('train', [*train, '--set', f'train.seed={2**64}'], ['train.seed must be a int']),
        'classes': ('sample', ['--ckpt', run, '--classes', '²', '--out', d/'s.png'], ["unknown class '²'"]),
        'device_meta': ('sample', ['--ckpt', run, '--device', 'meta', '--out', d/'s.png'], ['cannot run a model']),
        'device_mps': ('sample', ['--ckpt', run, '--device', 'mps', '--out', d/'s.png'], ['--device mps']),
        'device_cuda7': ('sample', ['--ckpt', run, '--device', 'cuda:7', '--out', d/'s.png'], ['--device cuda:7']),
        'long_out': ('sample', ['--ckpt', run, '--out', d/f"{f['long']}.png"], ['too long']),
        'long_ckpt': ('sample', ['--ckpt', d/f"{f['long']}.pt", '--out', d/'s.png'], ['too long']),
        'long_run_dir': ('train', [*train, '--run-dir', d/f['long']], ['too long']),
        'long_config': ('train', [*config, '--config', d/f"{f['long']}.yaml"], ['too long']),
        'lock_folder': ('train', [*train, '--run-dir', d/'lockrun'], ['.lock is not a lock file but a folder']),
        'cov_nan': ('fid', ['--samples', d/'good.npy', '--ref', d/'nan_cov.npz', *fid], ['holds NaN or infinite']),
    }
    for name, (script, args, words) in c.items():     # a run folder of its own (a later --run-dir in args wins)
        if script == 'train': c[name] = (script, ['--run-dir', d/f'never_{name}', *args], words)
    return c


@pytest.fixture(scope='module')
def results(made):
    "Every case's command, two at a time: {name: (exit code, stdout, stderr)}; the inputs checked unchanged after."
    d, env = made['dir'], {**ENV, 'NANO_SORA_CACHE': str(made['dir']/'cache')}
    inputs = sorted(p for p in d.iterdir() if p.name != 'run' and not p.is_dir() or p.is_symlink())
    before = {p: digest(p) for p in inputs}
    table = cases(made)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {k: pool.submit(run, script, *args, cwd=d, env=env) for k, (script, args, _) in table.items()}
        yield {k: (f.result(), table[k][2]) for k, f in futures.items()}
    changed = [p.name for p in inputs if digest(p) != before[p]]
    TALLY['inputs_changed'] += len(changed)
    assert not changed, changed


def check(results, *names):
    for name in names:
        result, words = results[name]
        refused(result, *words)


def test_outputs_that_are_not_regular_files(results, made):
    "1. --out, --export, --save-samples and --json refuse a device, a FIFO or a link; all three stay as they were."
    kinds = ['dev'] * ROOT_ONLY + ['fifo', 'link']
    check(results, *[f'{what}_{k}' for what in ('out', 'export', 'save_samples', 'json') for k in kinds])
    assert (made['dir']/'outside/kept.txt').read_text() == "someone else's file"
    check(results, 'write_into_a_file')
    assert not temp_files(made['dir'])


def test_memory_bounded_by_what_inputs_declare(results):
    "2. A config of 19B parameters, a 3 GiB record, YAML bombs, --steps, --n, --batch-size, a .gif, model.dim."
    check(results, 'huge_config', 'record_bomb', 'yaml_laughs', 'set_alias', 'yaml_deep', 'set_deep', 'json_deep',
          'yaml_binary', 'steps', 'n', 'batch_size', 'gif_steps', 'model_dim', 'bench_steps', 'fid_n')


def test_silent_wrong_results_are_errors(results, made):
    "3. NaN statistics, images not square or too small, another size than the reference, --cfg 1e30, a 0-wide MLP."
    check(results, 'ref_nan', 'not_square', 'pixels', 'size', 'cfg_huge', 'mlp_width')
    assert not (made['dir']/'black.png').exists()                       # an error, not a grid of black images


def test_tracebacks_became_one_line(results):
    "4. No EMA, weights that do not fit, step='abc', seeds, '²', devices, long names, a .lock folder, NaN covariance."
    check(results, 'no_ema', 'misfit', 'step_abc', 'seed_2_64', 'train_seed_2_40', 'train_seed_2_64', 'classes',
          'device_meta', 'device_mps', 'device_cuda7', 'long_out', 'long_ckpt', 'long_run_dir', 'long_config',
          'lock_folder', 'cov_nan')


SYNC = '''
import os, pathlib, time
_replace, _sync = os.replace, pathlib.Path(os.environ['SYNC_DIR'])
def _synced(src, dst):                # hold the rename of --out until the other process reached its own
    mine = str(dst).endswith(os.environ['SYNC_OUT'])
    if mine:
        (_sync/os.environ['SYNC_ME']).touch(); t0 = time.time()
        while not (_sync/os.environ['SYNC_WAIT']).exists() and time.time() - t0 < 60: time.sleep(0.01)
    _replace(src, dst)
    if mine: (_sync/(os.environ['SYNC_ME'] + '.done')).touch()
os.replace = _synced
'''


def test_two_processes_write_one_file(made, tmp_path):
    "1. Two nano_sora_sample --out same.png at once: both have written their whole file when the other renames."
    base = ['--ckpt', made['run'], '--n', 4, '--steps', 2]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:                 # each process's own output, alone
        refs = list(pool.map(lambda s: run('sample', *base, '--seed', s, '--out', tmp_path/f'ref{s}.png', cwd=tmp_path),
                             (1, 2)))
    assert all(r[0] == 0 for r in refs), refs
    sync = tmp_path/'sync'; sync.mkdir()
    env = lambda me, wait: {**ENV, 'SYNC_DIR': str(sync), 'SYNC_OUT': 'same.png', 'SYNC_ME': me, 'SYNC_WAIT': wait}
    procs = [subprocess.Popen(command('sample', *base, '--seed', s, '--out', tmp_path/'same.png', prelude=SYNC),
                              env=env(me, wait), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, preexec_fn=limited) for s, me, wait in [(1, 'a', 'b'), (2, 'b', 'a.done')]]
    outs = [p.communicate(timeout=180) for p in procs]
    TALLY['inputs'] += 1
    assert [p.returncode for p in procs] == [0, 0], outs                   # b renamed last: its own images are there
    assert all('wrote' in out for out, _ in outs), outs
    same, ref1, ref2 = ((tmp_path/f'{n}.png').read_bytes() for n in ('same', 'ref1', 'ref2'))
    assert same == ref2 != ref1
    assert not temp_files(tmp_path)


HOLD = '''
import os, pathlib, time
_replace = os.replace
def _held(src, dst):                  # the file is written; hold it before the rename, where SIGTERM comes
    pathlib.Path(os.environ['HOLD_MARK']).write_text(str(src)); time.sleep(60); _replace(src, dst)
os.replace = _held
'''


@pytest.mark.parametrize('what', ['--out', '--export'])
def test_sigterm_while_writing(what, made, tmp_path):
    "1. SIGTERM while --out or --export is written: the old file stays, no temporary file, one line, exit 130."
    out = tmp_path/('old.png' if what == '--out' else 'old.safetensors')
    out.write_bytes(b'the previous file')
    args = ['--ckpt', made['run'], '--n', 2, '--steps', 2, what, out]
    proc = subprocess.Popen(command('sample', *args, prelude=HOLD), env={**ENV, 'HOLD_MARK': str(tmp_path/'mark')},
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limited)
    t0 = time.time()
    while not (tmp_path/'mark').exists():
        assert proc.poll() is None and time.time() - t0 < 120, proc.communicate()
        time.sleep(0.02)
    time.sleep(0.1)
    tmp = Path((tmp_path/'mark').read_text()); assert tmp.exists()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    TALLY['inputs'] += 1
    lines = err.strip().splitlines()
    assert proc.returncode == 130 and len(lines) == 1, (proc.returncode, err[-2000:])
    assert lines[0].startswith('interrupted: SIGTERM') and f'{out} was not written' in lines[0], lines
    assert not tmp.exists() and not temp_files(tmp_path) and out.read_bytes() == b'the previous file'


def test_a_run_shorter_than_log_every_reports_its_loss(made, tmp_path):
    "3. Two steps at train.log_every=5: the summary gives the loss of those steps, not 'loss nan' (the largest seed)."
    code, out, err = run('train', '--preset', 'tiny', '--device', 'cpu', '--data', made['data'], '--run-dir',
                         tmp_path/'run', '--max-steps', 2, '--set', 'train.sample_every_epochs=0',
                         f'train.seed={2**31 - 1}', cwd=tmp_path)
    TALLY['inputs'] += 1
    assert code == 0, err[-2000:]
    done = next(l for l in out.splitlines() if l.startswith('done: step 2'))
    assert 'nan' not in done and 0 < float(done.split('loss ')[1].split(',')[0]) < 10, done


def test_an_error_after_the_reference_leaves_its_cache_usable(made, tmp_path):
    "4. The reference statistics are cached, then sampling fails (--cfg 1e30): the next run scores from the cache."
    env = {**ENV, 'NANO_SORA_CACHE': str(tmp_path/'cache')}
    args = ['--ckpt', made['run'], '--n', 20, '--steps', 2, '--data', made['data'], '--cache', tmp_path/'cache',
            '--inception', made['net'], '--device', 'cpu']
    code, _, err = run('fid', *args, '--cfg', '1e30', cwd=tmp_path, env=env)    # after its progress lines, one error
    TALLY['inputs'] += 1; TALLY['tracebacks'] += 'Traceback' in err
    assert code == 2 and err.strip().splitlines()[-1].startswith('error: ') and 'guidance scale 1e+30' in err, err
    assert len(list((tmp_path/'cache').glob('data-*.npz'))) == 1 and not temp_files(tmp_path/'cache')
    code, out, err = run('fid', *args, cwd=tmp_path, env=env)
    assert code == 0 and out.startswith('FID 20 ') and 'computing' not in err, (out, err[-2000:])


def test_tallies():
    "Runs last: the inputs battery's totals (printed with -s)."
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print('\ninputs battery: ' + ', '.join(f'{k.replace("_", " ")} {v}' for k, v in TALLY.items())
          + f'; largest child {peak:.2f} GiB resident, address space limited to {LIMIT / 2**30:.1f} GiB')
    assert TALLY['tracebacks'] == 0 and TALLY['hangs'] == 0 and TALLY['inputs_changed'] == 0
    assert TALLY['temp_files_left'] == 0
