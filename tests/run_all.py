"""Every lesson executed top to bottom the way JupyterLab's Run All does: every cell, `#| gpu` cells included.

nbdev_test skips the cells flagged `#| gpu`; Run All does not. This runs each notebook (nbs/[0-9]*.ipynb and
nbs/index.ipynb, or the ones named) in a real Jupyter kernel through nbclient, with the kernel's working directory
nbs/ as in JupyterLab, CUDA hidden (a machine without a GPU; `--gpu` leaves the GPUs visible), stopping at the first
error as Run All does, within a wall-clock budget per notebook. It prints one line per notebook (name, seconds,
ok or FAILED with the first error line) and a final count; the exit code is 1 if any notebook failed.

Executed copies go to a temporary folder (printed at the end) unless `--inplace` writes them back into nbs/, outputs
included, to commit (only the notebooks that ran clean). Without `--gpu`, `--inplace` keeps the saved outputs of the
`#| gpu` cells: on a CPU they only print that they were skipped, and the results of their GPU run stay on the page.
The kernel process's own stderr (not the cells') is dropped.
Thread counts come from the environment: `OMP_NUM_THREADS=1` is honoured and passed on to the kernel.

    OMP_NUM_THREADS=1 .venv/bin/python tests/run_all.py [07 09_vae nbs/12_ddpm.ipynb ...] [--timeout 600] [--inplace]
"""
import argparse, os, re, subprocess, sys, tempfile, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

NBS = Path(__file__).resolve().parents[1]/'nbs'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('notebooks', nargs='*', help='paths, names or number prefixes (default: every lesson and index)')
    p.add_argument('--timeout', type=float, default=600, help='seconds per notebook, all its cells together')
    p.add_argument('--inplace', action='store_true', help='write each notebook that ran clean back over its source')
    p.add_argument('--out', type=Path, help='folder for the executed copies (default: a new temporary folder)')
    p.add_argument('--gpu', action='store_true', help='leave CUDA devices visible to the kernels')
    p.add_argument('--kernel', default='python3', help='Jupyter kernel name (default: python3)')
    return p.parse_args(argv)


def select(names) -> list:
    "The notebooks to run: all lessons then index when none are named; otherwise each path, name or prefix."
    lessons = sorted(NBS.glob('[0-9]*.ipynb')) + [NBS/'index.ipynb']
    if not names: return lessons
    picked = []
    for n in names:
        path = Path(n)
        if path.suffix == '.ipynb' and path.exists(): picked.append(path.resolve()); continue
        n = n.removesuffix('.ipynb')
        hits = [p for p in lessons if p.stem == n or p.stem.startswith(n + '_')] \
            or [p for p in lessons if p.stem.startswith(n)]                        # 07 is lesson 7, not 7a too
        if not hits: sys.exit(f'run_all: no notebook matches {n!r} in {NBS}')
        picked += hits
    return picked


def first_line(text) -> str:
    "The first non-empty line of an error message, without ANSI colours, at most 200 characters."
    lines = [ln.strip() for ln in re.sub(r'\x1b\[[0-9;]*m', '', str(text)).splitlines() if ln.strip()]
    return (lines[0] if lines else '(no message)')[:200]


def error_outputs(nb) -> list:
    "'cell N: Name: message' for every error output left in an executed notebook (a cell tagged raises-exception too)."
    return [f'cell {i}: {first_line(o.get("ename", "") + ": " + o.get("evalue", ""))}'
            for i, c in enumerate(nb.cells) if c.cell_type == 'code'
            for o in c.get('outputs', []) if o.get('output_type') == 'error']


def make_client(nb, args, state: dict) -> NotebookClient:
    "An nbclient that runs in nbs/, stops at the first error and gives each cell what is left of the notebook's budget."
    deadline = time.monotonic() + args.timeout
    def on_start(cell=None, cell_index=None, **_): state['cell'] = cell_index
    def left(cell): return max(1, int(deadline - time.monotonic()))
    return NotebookClient(nb, timeout=int(args.timeout), timeout_func=left, kernel_name=args.kernel,
                          allow_errors=False, interrupt_on_timeout=False, record_timing=False,
                          resources={'metadata': {'path': str(NBS)}}, on_cell_start=on_start)


def execute(path: Path, args) -> tuple:
    "(notebook, None) when every cell ran clean, else (notebook, 'cell N: first error line')."
    nb, state = nbformat.read(path, as_version=4), {'cell': None}
    try:
        make_client(nb, args, state).execute(stderr=subprocess.DEVNULL)   # cells' stderr still comes as outputs
    except CellTimeoutError:
        return nb, f'cell {state["cell"]}: past the {args.timeout:.0f} s budget for the notebook'
    except CellExecutionError as e:
        return nb, f'cell {state["cell"]}: {first_line(f"{e.ename}: {e.evalue}")}'
    except DeadKernelError as e:
        return nb, f'cell {state["cell"]}: the kernel died ({first_line(e)})'
    except Exception as e:                                   # a kernel that does not start, a bad notebook file, ...
        return nb, f'cell {state["cell"]}: {type(e).__name__}: {first_line(e)}'
    errors = error_outputs(nb)
    return nb, errors[0] + (f' (and {len(errors) - 1} more)' if len(errors) > 1 else '') if errors else None


def keep_gpu_outputs(nb, path: Path):
    "`nb` with the outputs its `#| gpu` cells have in the saved notebook at `path` (same cells, in the same order)."
    for cell, saved in zip(nb.cells, nbformat.read(path, as_version=4).cells):
        if cell.cell_type == 'code' and cell.source.startswith('#| gpu'):
            cell.outputs, cell.execution_count = saved.outputs, saved.get('execution_count')
    return nb


def kernel_env(gpu: bool):
    "What the kernels inherit: no CUDA unless asked, and the inline matplotlib backend JupyterLab uses."
    if not gpu: os.environ['CUDA_VISIBLE_DEVICES'] = ''
    if os.environ.get('MPLBACKEND', '').lower() == 'agg': os.environ.pop('MPLBACKEND')
    os.environ.setdefault('PYDEVD_DISABLE_FILE_VALIDATION', '1')     # quiets a debugger warning on every kernel start


def main(argv=None) -> int:
    args = parse_args(argv)
    kernel_env(args.gpu)
    paths = select(args.notebooks)
    out = None if args.inplace else (args.out or Path(tempfile.mkdtemp(prefix='run_all-')))
    if out: out.mkdir(parents=True, exist_ok=True)
    failed, start = [], time.monotonic()
    for path in paths:
        t0 = time.monotonic()
        nb, error = execute(path, args)
        if out: nbformat.write(nb, out/path.name)
        elif error is None:                                              # in place: only the notebooks that ran clean
            nbformat.write(nb if args.gpu else keep_gpu_outputs(nb, path), path)
        print(f'{path.name:<28} {time.monotonic() - t0:7.1f} s  ' + ('ok' if error is None else f'FAILED {error}'),
              flush=True)
        if error: failed.append(path.name)
    where = f'executed copies in {out}' if out else 'clean ones written in place'
    print(f'{len(paths) - len(failed)} ok, {len(failed)} failed of {len(paths)} notebooks in '
          f'{time.monotonic() - start:.0f} s; {where}' + (f'; failed: {" ".join(failed)}' if failed else ''))
    return 1 if failed else 0


if __name__ == '__main__': sys.exit(main())
