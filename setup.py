# nbdev 2's setup.py (package data as a namespace package, an SPDX license). Settings live in settings.ini.
from configparser import ConfigParser
from pathlib import Path
import setuptools, shlex

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

cfg_keys = 'version description keywords author author_email'.split()
expected = cfg_keys + "lib_name user branch license status min_python audience language".split()
for o in expected: assert o in cfg, "missing expected setting: {}".format(o)
setup_cfg = {o: cfg[o] for o in cfg_keys}

# settings.ini's nbdev license names as SPDX license expressions (PEP 639), which replace the License classifiers
licenses = {'apache2': 'Apache-2.0', 'mit': 'MIT', 'gpl2': 'GPL-2.0-only', 'gpl3': 'GPL-3.0-only',
            'bsd3': 'BSD-3-Clause'}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

requirements = shlex.split(cfg.get('requirements', ''))
if cfg.get('pip_requirements'): requirements += shlex.split(cfg.get('pip_requirements', ''))
min_python = cfg['min_python']
license_expression = licenses.get(cfg['license'].lower(), cfg['license'])
dev_requirements = shlex.split(cfg.get('dev_requirements') or '')
wandb_requirements = shlex.split(cfg.get('wandb_requirements') or '')

# settings.ini's package_data globs are relative to the package folder. A data folder inside it (pretrained/) is a
# namespace package of its own (nano_sora.pretrained): setuptools wants it listed in `packages` (find_namespace_packages
# below) and its files given under its own dotted name.
package_data = dict()
for glob in cfg.get('package_data', '').split():
    folder, _, files = glob.rpartition('/')
    package = '.'.join([cfg['lib_name']] + (folder.split('/') if folder else []))
    package_data.setdefault(package, []).append(files)
setup_cfg['package_data'] = package_data

setuptools.setup(
    name=cfg['lib_name'],
    license_expression=license_expression,
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status'])],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
    ] + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    # The packages sit at the project root. Saying so (package_dir) lets an editable install put the root on sys.path
    # with a .pth file, as `setup.py develop` did, instead of setuptools' import finder for flat layouts.
    package_dir={'': '.'},
    packages=setuptools.find_namespace_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True,
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'wandb': wandb_requirements},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + cfg['min_python'],
    long_description=Path('README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        # the modules that fill the registries (config.load_extensions imports them)
        'nano_sora.extensions': cfg.get('extensions', '').split(),
        'nbdev': [f'{cfg.get("lib_path")}={cfg.get("lib_name")}._modidx:d'],
    },
    **setup_cfg)
