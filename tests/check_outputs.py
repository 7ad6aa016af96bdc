"""Every lesson is committed with its outputs: at least one output and one picture, no error output, under 3 MB.

A reader on GitHub sees the notebooks as committed, so a lesson saved without its plots teaches less. `make outputs`
executes the lessons (tests/run_all.py --inplace) and saves them; this check fails, one line per problem, when a
lesson is not a valid notebook (nbformat's schema, e.g. a cell type Jupyter does not know), has no outputs, no
picture (a PNG output, or an image in its markdown), an error output, a path of the machine that ran it or a
library's warning in its outputs, or is over 3 MB.

    python tests/check_outputs.py [nbs/05_dit.ipynb ...]
"""
import json, re, sys
from pathlib import Path
import nbformat

NBS = Path(__file__).resolve().parents[1]/'nbs'
MAX_BYTES = 3 * 2**20
NOISE = re.compile(r'/work/|/root/|/home/\w+/|site-packages|\.venv/|Warning:')   # machine paths, library warnings


def problems(path: Path) -> list:
    "What is wrong with one committed notebook, as lines."
    nb, out = json.loads(path.read_text()), []
    try: nbformat.validate(nb)
    except nbformat.ValidationError as e: out.append(f'not a valid notebook: {e.message[:100]}')
    outputs = [o for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', [])]
    pictures = sum('image/png' in o.get('data', {}) for o in outputs)
    pictures += sum(bool(re.search(r'!\[[^]]*\]\(|<img ', ''.join(c['source'])))
                    for c in nb['cells'] if c['cell_type'] == 'markdown')
    if not outputs: out.append('no outputs: run `make outputs NB=<number>` and commit the notebook')
    elif not pictures: out.append('no picture among its outputs')
    errors = [o for o in outputs if o.get('output_type') == 'error']
    if errors: out.append(f"an error output: {errors[0].get('ename')}: {errors[0].get('evalue', '')[:80]}")
    for c in nb['cells']:
        for o in c.get('outputs', []):
            text = ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', ''))
            if NOISE.search(text): out.append(f"cell {c.get('id')}: {NOISE.search(text)[0]!r} in its output"); break
    if path.stat().st_size > MAX_BYTES: out.append(f'{path.stat().st_size / 2**20:.1f} MB, over 3 MB')
    return out


def main(argv=None):
    paths = [Path(p) for p in (argv or [])] or sorted(NBS.glob('[0-9]*.ipynb'))
    bad = 0
    for p in paths:
        for line in problems(p):
            print(f'{p.name}: {line}'); bad += 1
    print(f'outputs: {len(paths)} lessons checked, {bad} problems')
    return 1 if bad else 0


if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
