"""End-to-end check of a lesson in a real browser: JupyterLab (headless, localhost) + Debian's Chromium via Playwright.

Runs every cell of a copy of the notebook (cells flagged `#| gpu` removed, as nbdev_test skips them), fails with one
line if a cell errors or does not run, checks that the sampler panel (the widget with a Generate button) shows an image,
presses Generate after changing the seed and waits for a new image, and saves a screenshot.

    python tests/browser_test.py [--notebook nbs/08_euler_sampling.ipynb] [--out runs/browser-test]
"""
import argparse, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try: from playwright.sync_api import sync_playwright, Error as PlaywrightError
except ImportError: sync_playwright = None
PANEL = '.widget-vbox:has(button:has-text("Generate"))'          # the sampler panel of nano_sora.widgets


def fail(msg):
    sys.exit(f'browser-test: FAILED: {msg}')


def gpu_free_copy(src: Path, dst: Path) -> Path:
    "The notebook without its `#| gpu` cells and outputs (what nbdev_test runs on a CPU machine)."
    nb = json.loads(src.read_text())
    nb['cells'] = [c for c in nb['cells']
                   if not (c['cell_type'] == 'code' and ''.join(c['source']).lstrip().startswith('#| gpu'))]
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb, indent=1))
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_lab(port: int, token: str, log, home: Path):
    "jupyter lab on localhost with a token, the app exposed to page scripts; returns the process once it answers."
    settings = home/'settings/@jupyterlab/apputils-extension'         # fresh settings and workspaces, no news pop-up
    settings.mkdir(parents=True, exist_ok=True)
    (settings/'notification.jupyterlab-settings').write_text('{"fetchNews": "false"}')
    env = {**os.environ, 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1'),
           'JUPYTERLAB_SETTINGS_DIR': str(home/'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(home/'workspaces')}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ip=127.0.0.1', f'--ServerApp.root_dir={REPO}',
           f'--IdentityProvider.token={token}', '--expose-app-in-browser',
           '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    if os.geteuid() == 0: cmd.append('--allow-root')                 # containers and CI boxes often run as root
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(120):
        if proc.poll() is not None: fail(f'jupyter lab exited with code {proc.returncode}; see {log.name}')
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2)
            return proc
        except OSError: time.sleep(0.5)
    stop_lab(proc, port, token); fail(f'jupyter lab did not answer on port {port} within 60 s; see {log.name}')


def stop_lab(proc, port: int, token: str):
    "Ask the server to shut down (it stops its kernels), then make sure its process group is gone."
    try:
        req = urllib.request.Request(f'http://127.0.0.1:{port}/api/shutdown?token={token}', method='POST')
        urllib.request.urlopen(req, timeout=5)
        proc.wait(timeout=20)
    except Exception:
        try: os.killpg(proc.pid, signal.SIGTERM); proc.wait(timeout=10)
        except Exception:
            try: os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError: pass


CELL_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return {kernel: panel.sessionContext.session?.kernel?.status ?? 'none',
          counts: cells.map(c => c.model.executionCount),
          errors: cells.map((c, i) => [i, c.model.outputs.toJSON().filter(o => o.output_type === 'error')])
                       .filter(([i, e]) => e.length).map(([i, e]) => [i, e[0].ename, e[0].evalue])};
}"""


def run_notebook(page, url: str, timeout_s: float):
    "Open the notebook, wait for its kernel, run all cells (JupyterLab's own Run All), wait for it; returns the cell state."
    page.goto(url)
    page.wait_for_function("""() => { const p = window.jupyterapp?.shell.currentWidget;
        return p?.content && p.context?.isReady && p.sessionContext?.session?.kernel?.status === 'idle'; }""", timeout=300_000)
    page.evaluate("""() => { const app = window.jupyterapp; window.runAllDone = null;
        app.commands.execute('notebook:run-all-cells')
           .then(ok => window.runAllDone = {ok}, err => window.runAllDone = {error: String(err)}); }""")
    page.wait_for_function('() => window.runAllDone !== null', timeout=timeout_s * 1000, polling=1000)
    done = page.evaluate('() => window.runAllDone')
    if 'error' in done: fail(f'Run All failed in JupyterLab: {done["error"]}')
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=60_000)
    return page.evaluate(CELL_STATE)


def check_panel(page, out: Path) -> list:
    "The sampler panel shows an image; a new seed + Generate replaces it (a kernel round trip). Saves screenshots."
    img = page.locator(f'{PANEL} img').first
    try: img.wait_for(state='visible', timeout=30_000)
    except PlaywrightError: fail('the sampler panel (a widget with a Generate button) did not render an image')
    img.scroll_into_view_if_needed()
    size = img.evaluate('e => [e.naturalWidth, e.naturalHeight, '
                        'e.getBoundingClientRect().width, e.getBoundingClientRect().height]')
    if min(size) <= 0: fail(f'the sampler panel image has zero size (natural, shown: {size})')
    before = img.get_attribute('src')
    page.locator(f'{PANEL} .widget-text:has(label:text-is("seed")) input').fill('7')
    page.keyboard.press('Enter')
    page.locator(f'{PANEL} button:has-text("Generate")').click()
    for _ in range(120):
        if img.get_attribute('src') != before: break
        page.wait_for_timeout(500)
    else: fail('pressing Generate with a new seed did not change the sampler panel image within 60 s')
    page.wait_for_timeout(500)
    page.locator(PANEL).first.scroll_into_view_if_needed()
    page.screenshot(path=str(out/'screenshot.png'))
    page.locator(PANEL).first.screenshot(path=str(out/'panel.png'))
    return size


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--notebook', default='nbs/08_euler_sampling.ipynb')
    ap.add_argument('--out', default='runs/browser-test', help='folder for the screenshot and the server log')
    ap.add_argument('--chromium', default='/usr/bin/chromium')
    ap.add_argument('--timeout', type=float, default=600, help='seconds allowed for running all cells')
    a = ap.parse_args()
    if sync_playwright is None: fail('playwright is not installed: pip install playwright (or run make browser-test)')
    if not Path(a.chromium).exists(): fail(f'{a.chromium} not found: apt-get install chromium (or run make browser-test)')
    src, out = (REPO/a.notebook).resolve(), (REPO/a.out).resolve()
    if not src.is_file(): fail(f'{src} does not exist')
    if not out.is_relative_to(REPO): fail(f'--out {out} must be inside {REPO}, the folder JupyterLab serves')
    if out.exists(): shutil.rmtree(out)
    nb = gpu_free_copy(src, out/src.name)
    port, token, t0 = free_port(), secrets.token_hex(16), time.time()
    log = open(out/'jupyter.log', 'w')
    home = Path(tempfile.mkdtemp(prefix='nano_sora_lab_'))
    proc = start_lab(port, token, log, home)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=a.chromium, headless=True)
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            try:
                state = run_notebook(page, f'http://127.0.0.1:{port}/lab/tree/{nb.relative_to(REPO)}?token={token}', a.timeout)
                t_run = time.time() - t0
                if state['errors']:
                    i, ename, evalue = state['errors'][0]
                    fail(f'code cell {i + 1} of {src.name} raised {ename}: {str(evalue).splitlines()[0] if evalue else ""}')
                missing = [i + 1 for i, n in enumerate(state['counts']) if n is None]
                if missing: fail(f'code cells {missing} of {src.name} did not run')
                size = check_panel(page, out)
            except PlaywrightError as e:
                page.screenshot(path=str(out/'failure.png'))
                fail(f'{str(e).splitlines()[0]} (page at that moment: {out/"failure.png"})')
            browser.close()
    finally:
        stop_lab(proc, port, token); log.close(); shutil.rmtree(home, ignore_errors=True)
    print(f'browser-test: OK: {len(state["counts"])} code cells ran without error in {t_run:.0f} s; sampler panel image '
          f'{size[0]}x{size[1]}; Generate redrew it; screenshot {(out/"screenshot.png").relative_to(REPO)} '
          f'({time.time() - t0:.0f} s in all)')


if __name__ == '__main__':
    main()
