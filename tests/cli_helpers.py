"""The battery's way of driving a console script: in a subprocess (`cli`, `entry`) or in this process (`run_main`,
`in_process`), of checking a refusal (`one_line_error`: exit 2 and one line that starts with `error: `), and of reading
what a run logged (`losses`); `tiny_run` is the flags of the tiny CPU run most tests start from."""
import contextlib, importlib, io, json, os, subprocess, sys
from pathlib import Path

PY = sys.executable
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
ENV.pop('NANO_SORA_RESUME_HINT', None)   # the hints as a user's shell prints them


def module_name(module: str) -> str:
    "A module of the package by its full name, or by its name inside `nano_sora` ('cli', 'training.evaluation')."
    return module if module.split('.')[0] == 'nano_sora' else f'nano_sora.{module}'


def cli(module, *args, env=None, timeout=300, cwd=None):
    "`python -m MODULE ARGS` to the end, in `cwd` if given: (exit code, stdout, stderr)."
    r = subprocess.run([PY, '-m', module_name(module), *map(str, args)], capture_output=True, text=True,
                       env=env or ENV, timeout=timeout, cwd=cwd)
    return r.returncode, r.stdout, r.stderr


def entry(module, fn, *args, cwd, timeout=600):
    "A console script's entry point `MODULE:FN` run as its installed command runs it, in `cwd`: the finished process."
    return subprocess.run([PY, '-c', f'from {module_name(module)} import {fn}; {fn}()', *map(str, args)],
                          capture_output=True, text=True, env=ENV, cwd=cwd, timeout=timeout)


def run_main(module, *args):
    "A console script's `main(ARGS)` in this process, for the quick refusals: (exit code, stdout, stderr)."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = importlib.import_module(module_name(module)).main([str(a) for a in args]) or 0
        except SystemExit as e: code = e.code
    return code, out.getvalue(), err.getvalue()


def in_process(*args):
    "`nano_sora_train ARGS` in this process: (exit code, stdout, stderr)."
    return run_main('cli', *args)


def one_line_error(code, err, *words):
    "Exit code 2 and one line on stderr that starts with 'error: ' and holds every word; that line."
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith('error: '), (code, err[-2000:])
    assert all(str(w) in lines[0] for w in words), (words, lines[0])
    return lines[0]


def losses(run) -> list:
    "The training losses a run logged, in order, from its metrics.jsonl (lines without a loss skipped)."
    rows = [json.loads(line) for line in (Path(run)/'metrics.jsonl').read_text().splitlines() if line.strip()]
    return [r['loss'] for r in rows if 'loss' in r]


def tiny_run(steps: int, *sets) -> list:
    """`nano_sora_train` flags for `steps` steps of the tiny preset on the CPU, logging every step, no sample grids;
    more KEY=VALUE may follow (the list ends inside `--set`)."""
    return ['--preset', 'tiny', '--device', 'cpu', '--max-steps', str(steps), '--set', 'train.log_every=1',
            'train.sample_every_epochs=0', *sets]
