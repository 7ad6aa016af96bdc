"""The records file is what the lessons and README quote: every line must say what it is, where it ran and how to
run it again, and every kind of line must be explained by the table in nbs/results/README.md."""
import json, re
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1]/'nbs/results'


def records() -> list:
    return [json.loads(line) for line in (RESULTS/'records.jsonl').read_text().splitlines() if line.strip()]


def test_every_line_names_its_kind_card_and_command():
    for r in records():
        assert r.get('kind') and r.get('gpu') and r.get('date'), r
        assert r.get('command') or r.get('commands'), r


def test_every_kind_is_a_row_of_the_records_table():
    table = set(re.findall(r'^\| `(\w+)` \|', (RESULTS/'README.md').read_text(), re.M))
    kinds = {r['kind'] for r in records()}
    assert kinds <= table, f'kinds without a row in nbs/results/README.md: {sorted(kinds - table)}'
