"""`nano_sora_bench --profile` on the CPU: where a training step's time goes, as a table and one records line.

The command runs in a process of its own (`python -m nano_sora.benchmark`, from a temporary folder, with `--records`
naming a file there, so the repository's records file is never touched) on the `cpu` preset at batch 4 for one
profiled step. The line it appends must carry the bench lines' fields and five categories whose times add up to the
step's total; the profiler library's own start and stop lines must stay off standard error. Bad values are refused
in one line before any work.
"""
import json
from pathlib import Path
from nano_sora.benchmark import CATEGORIES
from nano_sora.training.evaluation import RECORDS
from cli_helpers import cli, run_main

ROOT = Path(__file__).resolve().parents[1]
ARGS = ['--profile', '--presets', 'cpu', '--profile-steps', '1', '--device', 'cpu', '--set', 'train.batch_size=4']


def bench(*args, cwd):
    "`python -m nano_sora.benchmark ARGS` in `cwd`: (exit code, stdout, stderr)."
    return cli('benchmark', *args, cwd=cwd)


def in_process(*args):
    "`nano_sora_bench ARGS` in this process, for the refusals: (exit code, stderr)."
    code, _, err = run_main('benchmark', *args)
    return code, err


def test_profile_appends_one_line_with_the_categories(tmp_path):
    repo_records = ROOT/RECORDS
    before = repo_records.read_bytes() if repo_records.exists() else None
    code, out, err = bench(*ARGS, '--records', tmp_path/'records.jsonl', cwd=tmp_path)
    assert code == 0, err[-2000:]
    assert 'profiler_start' not in err and 'gpuGetDeviceCount' not in err, err[-2000:]
    lines = (tmp_path/'records.jsonl').read_text().splitlines()
    assert len(lines) == 1
    r = json.loads(lines[0])
    assert (r['kind'], r['preset'], r['gpu'], r['batch'], r['steps']) == ('profile', 'cpu', 'cpu', 4, 1)
    assert r['date'] and r['torch'] and r['commit'] and r['measured'] == 'CPU self time of aten ops'
    assert r['command'] == ('nano_sora_bench --profile --presets cpu --profile-steps 1 --device cpu '
                            '--set train.batch_size=4')
    cats = r['categories']
    assert list(cats) == list(CATEGORIES)
    assert abs(sum(c['ms'] for c in cats.values()) - r['ms_per_step']) <= 0.01 * r['ms_per_step'] + 0.005
    assert all(0 <= c['share'] <= 1 for c in cats.values()) and abs(sum(c['share'] for c in cats.values()) - 1) < 0.01
    assert cats['matmul']['share'] > 0 and cats['attention']['ms'] > 0 and cats['optimizer']['ms'] > 0
    assert 0 < r['ms_per_step'] <= r['wall_ms_per_step'] and abs(r['img_per_s'] - 4e3 / r['ms_per_step']) <= 1
    assert 'matmul' in out and 'img/s if the device never waited' in out and 'appended to' in out
    after = repo_records.read_bytes() if repo_records.exists() else None
    assert after == before and sorted(p.name for p in tmp_path.iterdir()) == ['records.jsonl']


def test_profile_refuses_bad_values_in_one_line(tmp_path):
    folder = tmp_path/'records'; folder.mkdir()
    for args, words in [(['--profile-steps', '0'], '--profile-steps must be positive, got 0'),
                        (['--records', folder], f'--records {folder} is a folder'),
                        (['--presets', 'nope'], 'unknown preset')]:
        code, err = in_process('--profile', '--device', 'cpu', *args)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith('error: ') and words in lines[0], (args, err)
    code, err = in_process('--presets', 'cpu', '--records', tmp_path/'r.jsonl')            # --records alone
    assert code == 2 and 'add --profile' in err, err
    assert list(folder.iterdir()) == [] and not (tmp_path/'r.jsonl').exists()
