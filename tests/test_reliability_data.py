"""The data battery: hostile and careless data inputs, given to the real command lines as a user would give them.

Each input (a zip of 9,000 x 9,000 PNGs, zip bombs, an empty or linked class folder, a stray member, a 16-bit PNG,
a FIFO, a zip whose index or decoded images would not fit in memory, ...) goes to `nano_sora_train` or
`nano_sora_data` in its own process, under an address-space limit (`RLIMIT_AS`: what importing torch maps, plus
2 GiB), so that an unbounded allocation fails the test instead of the machine. A refused input must end with exit
code 2 and one line `error: ...` naming the file, no traceback, no run folder, and the input left as it was. The
processes run three at a time; `pytest -q -s tests/test_reliability_data.py` prints the tallies at the end.
"""
import concurrent.futures, io, os, resource, stat, struct, subprocess, sys, warnings, zipfile, zlib
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image
import nano_sora.cli  # noqa: F401  (the address space nano_sora_train maps once it is loaded, measured below)
from nano_sora.config import load_extensions

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
load_extensions()               # the command line's first call: every extension module loaded
MAPPED = int(Path('/proc/self/statm').read_text().split()[0]) * os.sysconf('SC_PAGE_SIZE')
LIMIT = MAPPED + (2 << 30)      # torch alone maps about 3 GiB of address space here; 2 GiB more for the data
TALLY = dict(inputs=0, refused=0, tracebacks=0, hangs=0, inputs_changed=0)


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run(args, cwd=None, env=None, timeout=60):
    "`python -m args` under the address-space limit: (exit code, stdout, stderr); a hang is exit code None."
    try:
        r = subprocess.run([PY, '-m', *map(str, args)], capture_output=True, text=True, env=env or ENV, cwd=cwd,
                           timeout=timeout, preexec_fn=limited)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        TALLY['hangs'] += 1
        return None, '', f'timed out after {timeout} s'


def train(data, tmp, **kw):
    return run(['nano_sora.cli', '--preset', 'tiny', '--device', 'cpu', '--data', data,
                '--run-dir', Path(tmp)/'run', '--epochs', '1'], **kw)


def data_cli(*args, **kw):
    return run(['nano_sora.data.loader', *args], **kw)


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
    "What a file (or a folder's files) holds, to check that a refused input is left as it was."
    p = Path(path)
    if p.is_dir() and not p.is_symlink():
        return {str(q.relative_to(p)): digest(q) for q in sorted(p.rglob('*')) if q.is_file() and not q.is_symlink()}
    return stat.S_IFMT(os.lstat(p).st_mode), zlib.crc32(p.read_bytes()) if stat.S_ISREG(os.lstat(p).st_mode) else 0


def png(w, h, bits=8):
    "A grey PNG of zeros of any size, written row by row: a 9,000 x 9,000 one is 78 KB and never in memory whole."
    def chunk(kind, data): return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    c, row = zlib.compressobj(9), bytes(1 + w * bits // 8)
    idat = b''.join(c.compress(row) for _ in range(h)) + c.flush()
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, bits, 0, 0, 0, 0))
            + chunk(b'IDAT', idat) + chunk(b'IEND', b''))


def png_header(w, h):
    "Only the signature, the header and the end of a PNG that says it is `w` x `h`."
    def chunk(kind, data): return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) + chunk(b'IEND', b'')


def encoded(im, fmt='PNG', **kw):
    buf = io.BytesIO(); im.save(buf, fmt, **kw); return buf.getvalue()


def deflated_zeros(mib):
    "A raw deflate stream of `mib` MiB of zeros, made by repeating one fully flushed block: ~1 KB per MiB."
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * mib + c.flush()


def one_member_zip(path, name, packed, size, crc=0):
    "A zip of one deflated member declaring `size` bytes, written by hand (zipfile cannot store a ready stream)."
    n = name.encode()
    local = struct.pack('<4s5H3L2H', b'PK\x03\x04', 20, 0, 8, 0, 0x21, crc, len(packed), size, len(n), 0) + n
    central = struct.pack('<4s6H3L5H2L', b'PK\x01\x02', 20, 20, 0, 8, 0, 0x21, crc, len(packed), size, len(n),
                          0, 0, 0, 0, 0, 0) + n
    end = struct.pack('<4s4H2LH', b'PK\x05\x06', 0, 0, 1, 1, len(central), len(local) + len(packed), 0)
    Path(path).write_bytes(local + packed + central + end)
    return path


def image_zip(path, members):
    "A zip of `members` {name: bytes}."
    with warnings.catch_warnings(), zipfile.ZipFile(path, 'w') as z:
        warnings.simplefilter('ignore')                                   # 'Duplicate name', on purpose
        for name, data in members: z.writestr(name, data)
    return path


def small(v=0):
    return encoded(Image.new('RGB', (32, 32), (v, v, v)))


def folder(path, classes, n=2):
    for c in classes:
        (path/c).mkdir(parents=True)
        for i in range(n): (path/c/f'{i}.png').write_bytes(small(20 * i))
    return path


@pytest.fixture(scope='module')
def cases(tmp_path_factory):
    "Every hostile input, and its command started at once, three at a time: {name: (input, future result)}."
    d = tmp_path_factory.mktemp('hostile')
    good = [(f'train/{c}/{i}.png', small(i)) for c in 'ab' for i in range(2)]
    giant, mega = png(9000, 9000), png(1024, 1024)
    mode_f = encoded(Image.new('F', (32, 32)), 'TIFF')                        # a float TIFF named .png
    modes = d/'modes'; modes.mkdir()
    for c, im, fmt in [('g16', Image.fromarray(np.full((8, 8), 32768, np.uint16)), 'PNG'),
                       ('grey', Image.new('L', (8, 8), 128), 'PNG'), ('one', Image.new('1', (8, 8), 1), 'PNG'),
                       ('pal', Image.new('RGB', (8, 8), (200, 10, 10)).quantize(4), 'PNG'),
                       ('rgba', Image.new('RGBA', (8, 8), (0, 0, 0, 0)), 'PNG'),
                       ('cmyk', Image.new('CMYK', (8, 8), (0, 255, 0, 0)), 'JPEG')]:
        (modes/c).mkdir(); (modes/c/('0.jpg' if fmt == 'JPEG' else '0.png')).write_bytes(encoded(im, fmt))
    empty = folder(d/'empty', ['a', 'c']); (empty/'b').mkdir()
    linked = folder(d/'linked', ['a', 'c']); folder(d/'elsewhere', ['b']); os.symlink(d/'elsewhere'/'b', linked/'b')
    big_index = image_zip(d/'index.zip', good)
    raw = bytearray(big_index.read_bytes()); at = raw.rfind(b'PK\x05\x06')
    raw[at + 12:at + 16] = struct.pack('<L', 3 << 30)                       # its end record claims a 3 GiB index
    big_index.write_bytes(bytes(raw))
    os.mkfifo(d/'fifo.zip'); os.mkfifo(d/'out-fifo.zip')
    (d/'kept.zip').write_bytes(b'someone else\'s file'); os.symlink(d/'kept.zip', d/'link.zip')
    inputs = {
        'giant_png': (image_zip(d/'giants.zip', [(f'train/a/{i}.png', giant) for i in range(20)]), 'train'),
        'pixel_bomb': (image_zip(d/'pixels.zip', [('train/a/0.png', png_header(20000, 20000))]), 'data'),
        'zip_bomb': (one_member_zip(d/'bomb.zip', 'train/a/0.png', deflated_zeros(3072), 3 << 30), 'train'),
        'forged_ratio': (one_member_zip(d/'ratio.zip', 'train/a/0.png', deflated_zeros(1), 32 << 20), 'data'),
        'lying_size': (one_member_zip(d/'lying.zip', 'train/a/0.png', deflated_zeros(3072), 1000), 'data'),
        'bzip2': (None, 'data'),
        'empty_class': (empty, 'train'), 'linked_class': (linked, 'data'),
        'stray_member': (image_zip(d/'stray.zip', good + [('train/stray.png', small())]), 'data'),
        'traversal': (image_zip(d/'dots.zip', good + [('train/../a/9.png', small())]), 'data'),
        'duplicate': (image_zip(d/'twice.zip', good + [good[0]]), 'data'),
        'junk': (image_zip(d/'junk.zip', good + [('__MACOSX/train/a/._0.png', b'\0\5\26\7'), ('train/.DS_Store', b'x'),
                                                 ('train/a/.hidden.png', b'not a png'), ('train/README.txt', b'hi')]),
                 'data'),
        'modes': (modes, 'data'), 'mode_f': (image_zip(d/'float.zip', good + [('train/b/9.png', mode_f)]), 'train'),
        'fifo': (d/'fifo.zip', 'train'),
        'decoded_budget': (image_zip(d/'budget.zip', [(f'train/a/{i}.png', mega) for i in range(1000)]),
                           'train'),
        'big_index': (big_index, 'data'),
        'out_fifo': (d/'out-fifo.zip', 'out'), 'out_link': (d/'link.zip', 'out'),
    }
    with zipfile.ZipFile(d/'bzip2.zip', 'w') as z: z.writestr('train/a/0.png', bytes(1 << 20), zipfile.ZIP_BZIP2)
    inputs['bzip2'] = (d/'bzip2.zip', 'data')
    good_folder = folder(d/'good', ['a', 'b'])
    inputs['kept'] = (d/'kept.zip', 'none')                                # the link's target
    before = {k: digest(p) for k, (p, _) in inputs.items()}
    def start(name, path, how):
        tmp = d/f'run-{name}'; tmp.mkdir()
        if how == 'train': return train(path, tmp)
        if how == 'out': return data_cli('--from', good_folder, '--out', path)
        return data_cli('--from', path, '--out', tmp/'out.zip', *(['--format', 'png'] if name == 'modes' else []))
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        futures = {k: pool.submit(start, k, p, how) for k, (p, how) in inputs.items() if how != 'none'}
        yield {k: (inputs[k][0], futures[k], d/f'run-{k}') for k in futures}
    changed = [k for k, (p, _) in inputs.items() if digest(p) != before[k]]
    TALLY['inputs_changed'] += len(changed)
    assert not changed, changed


def outcome(cases, name):
    "The input, the command's (exit code, stdout, stderr) and its scratch folder; no run folder may be left."
    path, future, tmp = cases[name]
    result = future.result()
    assert not (tmp/'run').exists() or result[0] == 0, f'{name}: a refused start left {tmp/"run"}'
    return path, result, tmp


def test_giant_pngs_refused_from_their_headers(cases):
    "1. 20 PNGs of 9,000 x 9,000 (under Pillow's bomb limit, 243 MB each decoded) in a 1.6 MB zip."
    _, r, _ = outcome(cases, 'giant_png')
    refused(r, 'giants.zip', 'image train/a/0.png is 9000x9000, larger than the 1024x1024')
    _, r, _ = outcome(cases, 'pixel_bomb')                                # a header over Pillow's own limit
    refused(r, 'image train/a/0.png has over', 'pixels')


def test_zip_bombs_refused_before_inflating(cases):
    "2. A member of 3 MB declaring 3 GiB; one claiming 32,768:1; one hiding 3 GiB behind a 1,000-byte size; bzip2."
    refused(outcome(cases, 'zip_bomb')[1], 'bomb.zip', 'member train/a/0.png declares 3,072 MiB', '64 MiB')
    refused(outcome(cases, 'forged_ratio')[1], 'ratio.zip', 'member train/a/0.png claims to inflate', '-fold')
    refused(outcome(cases, 'lying_size')[1], 'lying.zip', 'image train/a/0.png cannot be read', 'CRC')
    refused(outcome(cases, 'bzip2')[1], 'bzip2.zip', 'member train/a/0.png is compressed with method 12')


def test_class_layout(cases):
    "3. An empty class folder, a linked one, a stray member, a .. name, a member twice: refused; junk: skipped."
    refused(outcome(cases, 'empty_class')[1], 'empty', 'class folder b holds no images')
    refused(outcome(cases, 'linked_class')[1], 'linked', 'class folder b is a symbolic link')
    refused(outcome(cases, 'stray_member')[1], 'stray.zip', 'image train/stray.png is outside the layout')
    refused(outcome(cases, 'traversal')[1], 'dots.zip', "member name 'train/../a/9.png' is not a plain relative")
    refused(outcome(cases, 'duplicate')[1], 'twice.zip', 'holds the member train/a/0.png more than once')
    _, (code, out, err), tmp = outcome(cases, 'junk')
    assert code == 0 and 'wrote' in out and not err, err
    with zipfile.ZipFile(tmp/'out.zip') as z:
        assert [n for n in z.namelist() if not n.endswith('/')] == ['train/a/0000.jpg', 'train/a/0001.jpg',
                                                                    'train/b/0000.jpg', 'train/b/0001.jpg']
    TALLY['inputs'] += 1


def test_unreadable_class_folder(tmp_path):
    "3. A class folder that cannot be listed is named, not skipped."
    if os.geteuid() == 0: pytest.skip('root reads any folder: chmod 000 cannot make one unreadable')
    data = folder(tmp_path/'data', ['a', 'b']); (data/'b').chmod(0)
    try: refused(train(data, tmp_path), 'cannot read folder', 'b', 'Permission denied')
    finally: (data/'b').chmod(0o755)


def test_image_modes(cases):
    "4. 16-bit grey, grey, 1-bit, palette, transparent RGBA and CMYK JPEG become the right RGB; float is refused."
    _, (code, _, err), tmp = outcome(cases, 'modes')
    assert code == 0, err
    with zipfile.ZipFile(tmp/'out.zip') as z:
        px = {n.split('/')[1]: np.asarray(Image.open(z.open(n)))[0, 0].tolist() for n in z.namelist() if n[-1] != '/'}
    assert px['g16'] == [128, 128, 128] and px['grey'] == [128, 128, 128], px   # 16 bits scaled, not white
    assert px['one'] == [255] * 3 and px['rgba'] == [255] * 3 and px['pal'] == [200, 10, 10], px
    assert abs(px['cmyk'][0] - 255) < 8 and px['cmyk'][1] < 8 and abs(px['cmyk'][2] - 255) < 8, px  # magenta
    refused(outcome(cases, 'mode_f')[1], 'float.zip', 'image train/b/9.png has mode F')
    TALLY['inputs'] += 1


def test_fifo_refused_before_opening(cases):
    "5. A FIFO given as --data would block the open forever (a device such as /dev/zero: lesson 2 checks it)."
    refused(outcome(cases, 'fifo')[1], 'fifo.zip', 'is a FIFO (named pipe), not a file or a folder')


def test_memory_the_data_would_take(cases):
    "6. 1,000 PNGs of 1,024 x 1,024 (3 GiB decoded) in a 1 MB zip; a zip whose index claims 3 GiB."
    refused(outcome(cases, 'decoded_budget')[1], 'budget.zip', '1,000 images of 1024x1024 take 2.9 GiB decoded, over the')
    refused(outcome(cases, 'big_index')[1], 'index.zip', 'index', 'split it into smaller zips')


def test_writer_replaces_only_a_regular_file(cases):
    "nano_sora_data refuses an --out that is a FIFO or a link (the FIFO and the link's target stay as they were)."
    refused(outcome(cases, 'out_fifo')[1], 'out-fifo.zip exists and is a FIFO (named pipe), not a regular file')
    refused(outcome(cases, 'out_link')[1], 'link.zip exists and is a symbolic link')


def test_writer_round_trip_and_refusals(tmp_path):
    "nano_sora_data writes the mirror's layout; PNG reads back exactly; an existing zip is replaced atomically."
    src = folder(tmp_path/'src', ['cat', 'dog'], n=3)
    out = tmp_path/'out.zip'; out.write_bytes(b'an older zip')
    code, stdout, err = data_cli('--from', src, '--out', out, '--format', 'png')
    assert code == 0 and 'wrote' in stdout and not err, err
    from nano_sora.data.loader import load_images
    (x0, y0, c0), (x1, y1, c1) = load_images(src), load_images(out)
    assert c0 == c1 == ['cat', 'dog'] and torch.equal(y0, y1) and torch.equal(x0, x1)
    assert not list(tmp_path.glob('*.tmp'))


def test_no_cifar10_says_how_to_get_it(tmp_path):
    "Offline, without a mirror or torchvision's folder: one line with the download and the nano_sora_data command."
    env = {**ENV, 'https_proxy': 'http://127.0.0.1:9', 'http_proxy': 'http://127.0.0.1:9', 'no_proxy': ''}
    line = refused(train('cifar10', tmp_path, cwd=tmp_path, env=env), 'CIFAR-10 is not in data/cifar-10-batches-py',
                   "CIFAR10('data', download=True)", 'nano_sora_data --from FOLDER --out')
    assert len(line) < 500


def test_torchvision_folder_is_read_in_place(tmp_path, monkeypatch):
    "torchvision's cifar-10-batches-py is read without a download, by load_images, cifar10_mirror and nano_sora_data."
    import pickle
    from torchvision.datasets import CIFAR10, cifar
    from nano_sora.data import loader
    tv, rng = tmp_path/'data'/'cifar-10-batches-py', np.random.default_rng(0)
    tv.mkdir(parents=True)
    for name, n in [*[(f'data_batch_{i}', 20) for i in range(1, 6)], ('test_batch', 10)]:
        batch = {'data': rng.integers(0, 256, (n, 3072), dtype=np.uint8), 'labels': [i % 10 for i in range(n)]}
        (tv/name).write_bytes(pickle.dumps(batch))
    (tv/'batches.meta').write_bytes(pickle.dumps({'label_names': list(loader.CIFAR10_CLASSES)}))
    monkeypatch.setattr(cifar, 'check_integrity', lambda *a, **k: True)  # our own files: not the real md5s
    monkeypatch.setattr(CIFAR10, 'download', lambda self: pytest.fail('downloaded although the folder is there'))
    monkeypatch.chdir(tmp_path); monkeypatch.delenv('NANO_SORA_CIFAR10', raising=False)
    x, y, classes = loader.load_images('cifar10')
    assert x.shape == (100, 3, 32, 32) and classes == list(loader.CIFAR10_CLASSES)
    for source in [tv, tv.parent]: assert torch.equal(loader.load_images(source)[0], x)
    assert loader.load_images(tv, train=False)[0].shape[0] == 10 == loader.load_images(tv/'test_batch')[0].shape[0]
    assert loader.cifar10_mirror('train') == tv.resolve() and loader.cifar10_mirror('test') == tv.resolve()/'test_batch'
    loader.main(['--from', str(tv), '--split', 'test', '--out', str(tmp_path/'t.zip'), '--format', 'png'])
    (xt, yt, ct), (xb, yb, _) = loader.load_images(tmp_path/'t.zip'), loader.load_images(tv/'test_batch')
    order = torch.argsort(yb, stable=True)                                # the zip holds the images class by class
    assert torch.equal(xt, xb[order]) and torch.equal(yt, yb[order]) and ct == list(loader.CIFAR10_CLASSES)


def test_tallies():
    "Runs last: the data battery's totals (printed with -s)."
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print('\ndata battery: ' + ', '.join(f'{k.replace("_", " ")} {v}' for k, v in TALLY.items())
          + f'; largest child {peak:.2f} GiB resident, address space limited to {LIMIT / 2**30:.1f} GiB')
    assert TALLY['tracebacks'] == 0 and TALLY['hangs'] == 0 and TALLY['inputs_changed'] == 0
