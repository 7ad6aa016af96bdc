"""The package's shape, checked: layers, import cycles, function length, lesson 7's cells.

Layers, low to high: base (config.py, and top-level modules importing only base modules) < data < models < training
< the top-level tools (inference, benchmark, widgets, ...). A module may import its own layer or lower ones, lazy
imports inside functions included; no import cycles; no function over 40 lines; lesson 7's exported cells at most
40 lines, each followed by a check; no line over 120 characters outside nbdev's generated `__all__`. Prints every
finding and exits 1 if there is one.
"""
import ast, json, sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]).resolve()
PKG, MAX_LINES = ROOT/'nano_sora', 40
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


def lesson_cells(nb_path: Path) -> list:
    "Findings about a lesson's exported cells: longer than MAX_LINES, or not followed by a code cell that checks."
    cells = json.loads(nb_path.read_text())['cells']
    problems = []
    for i, c in enumerate(cells):
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or not src.startswith('#| export') or 'run_as_script' in src: continue
        n = len(src.splitlines()) - 1
        if n > MAX_LINES: problems.append(f'{nb_path.name}: exported cell {c.get("id")} has {n} lines (max {MAX_LINES})')
        nxt = next((d for d in cells[i + 1:] if d['cell_type'] == 'code' and 'run_as_script' not in ''.join(d['source'])), None)
        if nxt is None or ''.join(nxt['source']).startswith('#| export') or 'assert' not in ''.join(nxt['source']) \
                and 'test_' not in ''.join(nxt['source']):
            problems.append(f'{nb_path.name}: exported cell {c.get("id")} is not followed by a check')
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
    problems += lesson_cells(ROOT/'nbs'/'07_fp16_training.ipynb')
    names = ['base', 'data', 'models', 'training', 'tools']
    for lv in range(5):
        print(f'{names[lv]:>8}: ' + ', '.join(m.removeprefix('nano_sora.') for m in sorted(graph) if layer[m] == lv))
    print('longest functions: ' + ', '.join(f'{name.removeprefix("nano_sora.")} {n}' for n, name in longest[:5]))
    for p in problems: print(p)
    print(f'{len(modules)} modules, {sum(map(len, graph.values()))} imports, {len(problems)} problems')
    sys.exit(1 if problems else 0)


if __name__ == '__main__': main()
