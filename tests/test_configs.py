"""Each configs/*.yaml is its preset plus exactly the changes its header states (`# preset:` and `# changes:`)."""
import re
from pathlib import Path
import pytest
from nano_sora.config import get_config, load_config, config_to_dict

FILES = sorted((Path(__file__).resolve().parents[1]/'configs').glob('*.yaml'))


def header(path: Path):
    "The preset and the list of changes the file's header names."
    text = path.read_text()
    preset = re.search(r'^# preset: (\S+)$', text, re.M)
    changes = re.search(r'^# changes: (.+)$', text, re.M)
    assert preset and changes, f'{path.name}: its header must name "# preset: NAME" and "# changes: ... | none"'
    return preset[1], [] if changes[1].strip() == 'none' else changes[1].split()


def test_there_are_configs():
    assert {p.stem for p in FILES} >= {'rtx4060_8gb', 'a100_h100_80gb'}


@pytest.mark.parametrize('path', FILES, ids=[p.stem for p in FILES])
def test_config_is_its_preset_plus_its_stated_changes(path):
    preset, changes = header(path)
    want = config_to_dict(get_config(preset, changes + [f'name={path.stem}']))
    got = config_to_dict(load_config(path))
    diff = {f'{part}.{k}': (got[part][k], v) for part in want if isinstance(want[part], dict)
            for k, v in want[part].items() if got[part].get(k) != v}
    assert not diff, f'{path.name} differs from --preset {preset} {" ".join(changes)}: {diff}'
    assert got['name'] == path.stem


def test_the_8gb_file_is_the_8gb_recipe():
    assert header(FILES[[p.stem for p in FILES].index('rtx4060_8gb')]) == ('rtx4060', [])
