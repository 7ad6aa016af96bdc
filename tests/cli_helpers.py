"""The battery's way of driving a console script: in a subprocess (`cli`) or in this process (`in_process`), and of
checking a refusal (`one_line_error`: exit 2 and one line that starts with `error: `)."""
import contextlib, importlib, io, os, subprocess, sys

PY = sys.executable
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}


def cli(module, *args):
    "`python -m nano_sora.MODULE ARGS` to the end: (exit code, stdout, stderr)."
    r = subprocess.run([PY, '-m', f'nano_sora.{module}', *map(str, args)], capture_output=True, text=True, env=ENV,
                       timeout=300)
    return r.returncode, r.stdout, r.stderr


def in_process(*args):
    "`nano_sora_train ARGS` in this process, for the quick refusals: (exit code, stdout, stderr)."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = importlib.import_module('nano_sora.cli').main([str(a) for a in args]) or 0
        except SystemExit as e: code = e.code
    return code, out.getvalue(), err.getvalue()


def one_line_error(code, err, *words):
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith('error: '), (code, err[-2000:])
    assert all(w in lines[0] for w in words), (words, lines[0])
