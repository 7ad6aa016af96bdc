"""The package's shape, checked: layers, import cycles, function length, lesson order, lessons 7, 7a and 18's cells.

Layers, low to high: base (config.py, and top-level modules importing only base modules) < data < models < training
< the top-level tools (inference, benchmark, widgets, cli, ...). A module may import its own layer or lower ones, lazy
imports inside functions included; no import cycles; no function over 40 lines; no line over 120 characters outside
nbdev's generated `__all__`. No lesson needs a later one: what a lesson's cells import (exported or not, `-m` module
names and console scripts included) and what its module imports come from that lesson or earlier ones, in the order
of the notebooks' file names. The exported cells of lessons 7, 7a and 18 are at most 40 lines, each followed by a
check, and lesson 7 has at most 40 cells. Prints every finding and exits 1 if there is one.
"""
import ast, json, re, sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
PKG, MAX_LINES = ROOT/'nano_sora', 40
CHECKED_LESSONS = ['07_fp16_training.ipynb', '07a_muon.ipynb', '18_command_line.ipynb']   # small cells, each checked
MAX_CELLS_07 = 40                # lesson 7 meets fp16, the step, EMA, checkpoints and resume in at most 40 cells
LAYER_OF_SUBPACKAGE = {'data': 1, 'models': 2, 'training': 3}


def module_name(path: Path) -> str:
    return '.'.join(path.relative_to(ROOT).with_suffix('').parts).removesuffix('.__init__')


def imports_of(path: Path, modules: set) -> set:
    "Package modules imported anywhere in the file (top level or inside functions)."
    name = module_name(path)
    package = name.split('.') if path.name == '__init__.py' else name.split('.')[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = '.'.join(base + ([node.module] if node.module else [])) if node.level else node.module or ''
            candidates = [target] + [f'{target}.{a.name}' for a in node.names]
        elif isinstance(node, ast.Import): candidates = [a.name for a in node.names]
        else: continue
        found |= {c for c in candidates if c in modules and c != name}
    return found


def layers(graph: dict) -> dict:
    "Layer number of every module: 0 base, 1 data, 2 models, 3 training, 4 top-level tools."
    top = {m for m in graph if m.count('.') == 1}
    base = {m for m in top if m.endswith('.config')}
    while more := {m for m in top - base if graph[m] <= base}: base |= more
    return {m: 0 if m in base else LAYER_OF_SUBPACKAGE.get(m.split('.')[1], 4) if m.count('.') > 1 else 4 for m in graph}


def cycles(graph: dict) -> list:
    "Strongly connected components with more than one module (Tarjan)."
    index, low, stack, on, out = {}, {}, [], set(), []
    def visit(v):
        index[v] = low[v] = len(index); stack.append(v); on.add(v)
        for w in graph[v]:
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while (w := stack.pop()) != v: on.discard(w); comp.append(w)
            on.discard(v); comp.append(v)
            if len(comp) > 1: out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index: visit(v)
    return out


def long_functions(paths) -> list:
    "(lines, 'module.function') of every function or method longer than MAX_LINES."
    rows = []
    for p in paths:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                rows.append((node.end_lineno - node.lineno + 1, f'{module_name(p)}.{node.name}'))
    return sorted(rows, reverse=True)


def long_lines(paths) -> list:
    "Lines over 120 characters, except in the `__all__` nbdev generates (wrapped at 120 after its own prefix)."
    rows = []
    for p in paths:
        tree, lines = ast.parse(p.read_text()), p.read_text().splitlines()
        generated = {n for node in tree.body if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == '__all__'
                     for n in range(node.lineno, node.end_lineno + 1)}
        rows += [f'{p.relative_to(ROOT)}:{i}: {len(l)} characters' for i, l in enumerate(lines, 1)
                 if len(l) > 120 and i not in generated]
    return rows


def only_imports(src: str) -> bool:
    "A cell of imports only (a lesson's first exported cell): nothing there to check."
    try: return all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.parse(src).body)
    except SyntaxError: return False


def lesson_cells(nb_path: Path) -> list:
    "Findings about a lesson's exported cells: longer than MAX_LINES, or not followed by a code cell that checks."
    cells = json.loads(nb_path.read_text())['cells']
    problems = []
    for i, c in enumerate(cells):
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or not src.startswith('#| export') or 'run_as_script' in src: continue
        if only_imports(src): continue
        n = len(src.splitlines()) - 1
        if n > MAX_LINES: problems.append(f'{nb_path.name}: exported cell {c.get("id")} has {n} lines (max {MAX_LINES})')
        nxt = next((d for d in cells[i + 1:] if d['cell_type'] == 'code' and 'run_as_script' not in ''.join(d['source'])), None)
        if nxt is None or ''.join(nxt['source']).startswith('#| export') or 'assert' not in ''.join(nxt['source']) \
                and 'test_' not in ''.join(nxt['source']):
            problems.append(f'{nb_path.name}: exported cell {c.get("id")} is not followed by a check')
    return problems


def exported_module(nb_path: Path) -> str | None:
    "The module a notebook exports (`#| default_exp`), as `nano_sora.x.y`."
    for c in json.loads(nb_path.read_text())['cells']:
        m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(c['source']), re.M)
        if c['cell_type'] == 'code' and m: return f'nano_sora.{m.group(1)}'
    return None


def console_scripts() -> dict:
    "Console script name -> its module, from settings.ini (a lesson that runs `nano_sora_x` needs that module)."
    ini = (ROOT/'settings.ini').read_text() if (ROOT/'settings.ini').is_file() else ''
    m = re.search(r'^console_scripts\s*=\s*(.*)$', ini, re.M)
    pairs = [s.split('=', 1) for s in (m.group(1).split() if m else [])]
    return {name: target.split(':')[0] for name, target in pairs}


def cell_imports(src: str, own: str | None, modules: set, scripts: dict) -> set:
    "Package modules a code cell uses: imports (relative ones from the exported module), `-m` module names, console scripts."
    code = '\n'.join('' if l.lstrip().startswith(('%', '!')) else l for l in src.splitlines())
    try: tree = ast.parse(code)
    except SyntaxError: return {m for m in modules if re.search(rf'(import|from)\s+{re.escape(m)}\b', code)}
    package = own.split('.')[:-1] if own else []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = '.'.join(package[:len(package) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module or ''
            found |= {base} | {f'{base}.{a.name}' for a in node.names}
        elif isinstance(node, ast.Import): found |= {a.name for a in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= {node.value} | {scripts.get(node.value, '')}       # `python -m nano_sora.x`, `nano_sora_train`
            found |= set(re.findall(r'^\s*(?:from|import)\s+(nano_sora[\w.]*)', node.value, re.M))   # a script it writes
    return {m for m in found if m in modules}


def lesson_order(graph: dict) -> list:
    "A lesson (or its module) that imports the module of a later lesson; the order is that of the notebooks' names."
    lessons = sorted((ROOT/'nbs').glob('[0-9]*.ipynb'), key=lambda p: p.name)
    exports = {m: i for i, p in enumerate(lessons) if (m := exported_module(p))}
    later = lambda i, m: m in exports and exports[m] > i
    problems, scripts = [], console_scripts()
    for i, p in enumerate(lessons):
        own = exported_module(p)
        for c in json.loads(p.read_text())['cells']:
            if c['cell_type'] != 'code': continue
            for m in sorted(cell_imports(''.join(c['source']), own, set(graph) | set(exports), scripts)):
                if later(i, m): problems.append(f'lesson order: {p.name} cell {c.get("id")} imports {m}, '
                                                f'a module of the later lesson {lessons[exports[m]].name}')
    for m in sorted(graph):
        for t in sorted(graph[m]):
            if m in exports and later(exports[m], t):
                problems.append(f'lesson order: {m} ({lessons[exports[m]].name}) imports {t}, '
                                f'a module of the later lesson {lessons[exports[t]].name}')
    return problems


def main():
    paths = sorted(p for p in PKG.rglob('*.py') if p.name not in ('_modidx.py', '__init__.py'))
    modules = {module_name(p) for p in paths}
    graph = {module_name(p): imports_of(p, modules) for p in paths}
    layer = layers(graph)
    problems = [f'upward import: {m} (layer {layer[m]}) imports {t} (layer {layer[t]})'
                for m in sorted(graph) for t in sorted(graph[m]) if layer[t] > layer[m]]
    problems += [f'import cycle: {" <-> ".join(c)}' for c in cycles(graph)]
    longest = long_functions(paths)
    problems += [f'function over {MAX_LINES} lines: {name} ({n})' for n, name in longest if n > MAX_LINES]
    problems += [f'line over 120 characters: {r}' for r in long_lines(paths)]
    for name in CHECKED_LESSONS: problems += lesson_cells(ROOT/'nbs'/name)
    n7 = len(json.loads((ROOT/'nbs'/'07_fp16_training.ipynb').read_text())['cells'])
    if n7 > MAX_CELLS_07: problems.append(f'07_fp16_training.ipynb has {n7} cells (max {MAX_CELLS_07})')
    problems += lesson_order(graph)
    names = ['base', 'data', 'models', 'training', 'tools']
    for lv in range(5):
        print(f'{names[lv]:>8}: ' + ', '.join(m.removeprefix('nano_sora.') for m in sorted(graph) if layer[m] == lv))
    print('longest functions: ' + ', '.join(f'{name.removeprefix("nano_sora.")} {n}' for n, name in longest[:5]))
    for p in problems: print(p)
    print(f'{len(modules)} modules, {sum(map(len, graph.values()))} imports, {len(problems)} problems')
    sys.exit(1 if problems else 0)


if __name__ == '__main__': main()
