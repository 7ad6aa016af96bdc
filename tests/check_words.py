"""What a user reads speaks of the product, not of how it was built; the README reads in five minutes.

Checks the README, every lesson's markdown and code, the configs and nbs/results/ for words of the project's own
history (work sessions, lent machines, numbered calls, issue numbers, an unnamed peer, a "yardstick"), dates in
prose (dates belong with measurements in the records file; a date inside a file name, such as the Inception
network's `inception-2015-12-05.pt`, is a name), machine paths of the course's own computers
(`../shared`), that nbs/results/ holds only the records file and its note, and that README.md stays under 2,000
words. Prints one line per finding and exits 1 if there is one.

    python tests/check_words.py
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = re.compile(r"\bsessions?\b|\blent\b|\byardstick|\bcall [A-H]\b|\bissues? #?\d+|\bthe peer\b|\bcarr(?:y|ied) "
                   r"(?:files|the zip)|\.\./shared|(?<![\w-])20\d\d-\d\d-\d\d\b", re.I)
RESULTS_FILES = {'records.jsonl', 'README.md'}
MAX_README_WORDS = 2000


def texts():
    "(name, text) of everything a user reads."
    yield 'README.md', (ROOT/'README.md').read_text()
    for p in sorted((ROOT/'nbs').glob('*.ipynb')):
        for c in json.loads(p.read_text())['cells']:
            yield f"{p.name} {c.get('id')}", ''.join(c['source'])
    for p in sorted((ROOT/'configs').glob('*.yaml')) + sorted((ROOT/'nbs/results').glob('*.md')):
        yield str(p.relative_to(ROOT)), p.read_text()
    yield 'nano_sora/pretrained/README.md', (ROOT/'nano_sora/pretrained/README.md').read_text()


def readme_from_index() -> str:
    "README.md as nbs/index.ipynb makes it: the notebook's markdown cells, a blank line between them."
    cells = json.loads((ROOT/'nbs/index.ipynb').read_text())['cells']
    return '\n\n'.join(''.join(c['source']).strip('\n') for c in cells if c['cell_type'] == 'markdown') + '\n'


def findings() -> list:
    out = [f'{name}: "{m.group(0)}"' for name, text in texts() for m in WORDS.finditer(text)]
    extra = sorted(p.name for p in (ROOT/'nbs/results').iterdir() if p.name not in RESULTS_FILES)
    if extra: out.append(f"nbs/results/ holds {', '.join(extra)}: only the records file and its note belong there")
    if (ROOT/'README.md').read_text() != readme_from_index():
        out.append('README.md differs from nbs/index.ipynb: edit the notebook and run `make readme`')
    n = len((ROOT/'README.md').read_text().split())
    if n > MAX_README_WORDS: out.append(f'README.md has {n} words; a newcomer reads at most {MAX_README_WORDS}')
    return out


if __name__ == '__main__':
    if sys.argv[1:] == ['--write-readme']:
        (ROOT/'README.md').write_text(readme_from_index()); print('wrote README.md from nbs/index.ipynb'); sys.exit(0)
    found = findings()
    for line in found: print(line)
    print(f'words: {len(found)} findings')
    sys.exit(1 if found else 0)
