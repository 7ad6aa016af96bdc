"""End-to-end check of lessons in a real browser: one JupyterLab on localhost, Debian's Chromium via Playwright.

Each lesson (default 07, 08 and 15) is a copy of its notebook with the outputs cleared; JupyterLab's own Run All runs
every cell, `#| gpu` cells included (on a CPU they print one line and skip). A lesson fails if a cell errors or does
not run, or a widget does not display. Lessons 7 and 8 draw with matplotlib only: Run All must finish clean. Lesson 15
holds the course's widgets and their checks: the live training panel appears and its image changes while or after
`train` runs; the sampler panel shows an image and a new seed + Generate redraws it; every panel shows an image and
dragging the trajectory scrubber's slider changes its image. One line per lesson (seconds, ok or FAILED), one
screenshot per lesson in --out, and exit 1 with a one-line message if any failed.

    python tests/browser_test.py [07 08 15 | nbs/NN_name.ipynb ...] [--out runs/browser-test] [--timeout 600]
"""
import argparse, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try: from playwright.sync_api import sync_playwright, Error as PlaywrightError
except ImportError: sync_playwright, PlaywrightError = None, Exception
SAMPLER = '.widget-vbox:has(button:has-text("Generate"))'               # panels of nano_sora.widgets
SCRUBBER = '.widget-vbox:has(.widget-slider label:text-is("step"))'
LIVE = '[data-browser-test="live"]'                                      # the cell that trains with LiveTraining


class LessonFailed(Exception): pass


def fail(msg):
    sys.exit(f'browser-test: FAILED: {msg}')


def clean_copy(src: Path, dst: Path) -> Path:
    "The notebook with every cell (Run All runs `#| gpu` cells too) and no outputs or execution counts."
    nb = json.loads(src.read_text())
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb, indent=1))
    return dst


def select(names) -> list:
    "Notebook paths for the names given: paths, or lesson numbers like 07 or 07a."
    out = []
    for n in names:
        hits = [REPO/n] if n.endswith('.ipynb') else \
            sorted((REPO/'nbs').glob(f'{n}_*.ipynb')) or sorted((REPO/'nbs').glob(f'{n}*.ipynb'))   # 07, not 07a
        if len(hits) != 1 or not hits[0].is_file(): fail(f'{n!r} names no single notebook in nbs/')
        out.append(hits[0].resolve())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def lab_settings(home: Path):
    "Fresh settings: no news pop-up; every cell attached to the page (no windowing), so every output can be queried."
    for ext, name, value in [('apputils-extension', 'notification', {'fetchNews': 'false'}),
                             ('notebook-extension', 'tracker', {'windowingMode': 'none'})]:
        d = home/'settings/@jupyterlab'/ext
        d.mkdir(parents=True, exist_ok=True)
        (d/f'{name}.jupyterlab-settings').write_text(json.dumps(value))


def start_lab(port: int, token: str, log, home: Path):
    "jupyter lab on localhost with a token, the app exposed to page scripts; returns the process once it answers."
    lab_settings(home)
    env = {**os.environ, 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1'),
           'JUPYTERLAB_SETTINGS_DIR': str(home/'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(home/'workspaces')}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
           f'--ServerApp.root_dir={REPO}', f'--IdentityProvider.token={token}', '--expose-app-in-browser',
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
  return {counts: cells.map(c => c.model.executionCount),
          errors: cells.map((c, i) => [i, c.model.outputs.toJSON().filter(o => o.output_type === 'error')])
                       .filter(([i, e]) => e.length).map(([i, e]) => [i, e[0].ename, e[0].evalue]),
          widget_errors: cells.map((c, i) => [i, c.node.textContent.includes('Error displaying widget')])
                              .filter(([i, bad]) => bad).map(([i]) => i)};
}"""

# Marks the code cell whose source contains `text` and records every new src of the widget image in its output,
# and how many of them came while the cell was still running (its execution count is null until it finishes).
WATCH = """text => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code');
  const cell = cells.find(c => c.model.sharedModel.getSource().includes(text));
  if (!cell) return -1;
  cell.node.dataset.browserTest = 'live';
  const seen = window.browserTestSeen = {images: 0, running: 0, last: null};
  new MutationObserver(() => {
    const src = cell.node.querySelector('img.widget-image')?.getAttribute('src');
    if (!src || src === seen.last) return;
    seen.last = src; seen.images++;
    if (cell.model.executionCount === null) seen.running++;
  }).observe(cell.node, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  return cells.indexOf(cell);
}"""


KERNEL_IDLE = "() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'"


def open_notebook(page, url: str):
    "Open the notebook and wait until its kernel is idle."
    page.goto(url)
    page.wait_for_function("""() => { const p = window.jupyterapp?.shell.currentWidget;
        return p?.content && p.context?.isReady && p.sessionContext?.session?.kernel?.status === 'idle'; }""",
                           timeout=300_000)


def start_run_all(page):
    "JupyterLab's own Run All, not waited for: the lesson runs in its kernel while others are opened and checked."
    page.evaluate("""() => { window.runAllDone = null;
        window.jupyterapp.commands.execute('notebook:run-all-cells')
           .then(ok => window.runAllDone = {ok}, err => window.runAllDone = {error: String(err)}); }""")


def wait_run_all(page, name: str, timeout_s: float) -> int:
    "Wait for Run All; fails on a cell that errored, did not run, or shows a broken widget. Returns the code cells."
    try: page.wait_for_function('() => window.runAllDone !== null', timeout=max(timeout_s, 1) * 1000, polling=1000)
    except PlaywrightError:
        counts = page.evaluate(CELL_STATE)['counts']
        ran = sum(n is not None for n in counts)
        raise LessonFailed(f'Run All did not finish within --timeout: {ran} of {len(counts)} code cells of {name} '
                           'had finished') from None
    done = page.evaluate('() => window.runAllDone')
    if 'error' in done: raise LessonFailed(f'Run All failed in JupyterLab: {done["error"]}')
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    state = page.evaluate(CELL_STATE)
    if state['errors']:
        i, ename, evalue = state['errors'][0]
        first = str(evalue).splitlines()[0] if evalue else ''
        raise LessonFailed(f'code cell {i + 1} of {name} raised {ename}: {first}')
    missing = [i + 1 for i, n in enumerate(state['counts']) if n is None]
    if missing: raise LessonFailed(f'code cells {missing} of {name} did not run')
    if state['widget_errors']:
        bad = [i + 1 for i in state['widget_errors']]
        raise LessonFailed(f'code cells {bad} of {name} show "Error displaying widget"')
    return len(state['counts'])


def shown(img, what: str) -> list:
    "Wait for a widget image to be visible with a non-zero size; returns [natural w, h, shown w, h]."
    try: img.wait_for(state='visible', timeout=30_000)
    except PlaywrightError: raise LessonFailed(f'{what} did not render an image') from None
    img.scroll_into_view_if_needed()
    size = img.evaluate('e => [e.naturalWidth, e.naturalHeight, '
                        'e.getBoundingClientRect().width, e.getBoundingClientRect().height]')
    if min(size) <= 0: raise LessonFailed(f'{what} image has zero size (natural, shown: {size})')
    return size


def wait_redraw(page, img, before: str, seconds: float, what: str):
    "Wait until the image's src differs from `before`, then until the kernel is idle and the src has held for 1 s."
    t0, last, held = time.time(), before, 0.0
    while (src := img.get_attribute('src')) == before or held < 1 or not page.evaluate(KERNEL_IDLE):
        if time.time() - t0 > seconds:
            verb = 'change' if src == before else 'settle'
            raise LessonFailed(f'{what} did not {verb} the image within {seconds:.0f} s')
        held = held + 0.25 if src == last else 0.0
        last = src
        page.wait_for_timeout(250)


def check_live(page) -> str:
    "The LiveTraining panel shows the run and its image changed while or after `train` ran."
    seen = page.evaluate('() => window.browserTestSeen')
    if seen is None: raise LessonFailed(f'no code cell contains {LIVE_CELL!r}')
    size = shown(page.locator(f'{LIVE} img.widget-image').first, 'the live training panel')
    if seen['images'] < 2: raise LessonFailed(f'the live training panel never changed its image ({seen})')
    return (f'live training panel {size[0]}x{size[1]} redrawn {seen["images"] - 1} times, '
            f'{max(seen["running"] - 1, 0)} of them while its cell ran')


def check_sampler(page) -> str:
    "The sampler panel shows an image; a new seed + Generate replaces it (the pretrained model: ~25 s)."
    img = page.locator(f'{SAMPLER} img').first
    size = shown(img, 'the sampler panel (a widget with a Generate button)')
    before = img.get_attribute('src')
    page.locator(f'{SAMPLER} .widget-text:has(label:text-is("seed")) input').first.fill('7')
    page.keyboard.press('Enter')
    t0 = time.time()
    page.locator(f'{SAMPLER} button:has-text("Generate")').first.click()
    wait_redraw(page, img, before, 120, 'pressing Generate with seed 7')
    page.locator(SAMPLER).first.scroll_into_view_if_needed()
    return f'sampler panel {size[0]}x{size[1]}; Generate with seed 7 redrew it in {time.time() - t0:.0f} s'


def drag(page, slider, frac: float) -> str:
    "Drag a slider's handle with the mouse to `frac` of its track; returns the readout after."
    track = slider.locator('.noUi-target').first.bounding_box()
    handle = slider.locator('.noUi-handle').first.bounding_box()
    if not track or not handle: raise LessonFailed('the slider has no visible track or handle')
    page.mouse.move(handle['x'] + handle['width'] / 2, handle['y'] + handle['height'] / 2)
    page.mouse.down()
    page.mouse.move(track['x'] + frac * track['width'], track['y'] + track['height'] / 2, steps=8)
    page.mouse.up()
    return slider.locator('.widget-readout').first.inner_text()


def check_widgets(page) -> str:
    "Every panel shows an image; dragging the trajectory scrubber to its start, then its end, redraws it."
    panels = page.locator('.jp-OutputArea .widget-vbox:has(img.widget-image)')
    if not panels.count(): raise LessonFailed('no panel (a widget with an image) is displayed')
    for i in range(panels.count()): shown(panels.nth(i).locator('img.widget-image').first, f'panel {i + 1}')
    img, slider = page.locator(f'{SCRUBBER} img').first, page.locator(f'{SCRUBBER} .widget-slider').first
    shown(img, 'the trajectory scrubber (a panel with a step slider)')
    readouts = []
    for frac in (0.0, 1.0):
        before = img.get_attribute('src')
        readouts.append(drag(page, slider, frac))
        wait_redraw(page, img, before, 30, f'dragging the step slider to {readouts[-1]}')
    page.locator(SCRUBBER).first.scroll_into_view_if_needed()
    return f'{panels.count()} panels show images; the scrubber redrew at steps {" and ".join(readouts)}'


LIVE_CELL = 'train(live_cfg'                # lesson 15's cell that trains with LiveTraining
CHECKS = {'15': [check_widgets, check_sampler, check_live]}       # lessons 7 and 8: Run All clean is the check
WATCHED = {'15': LIVE_CELL}                 # cells watched from before Run All, for what changes while they run


class Lesson:
    "One lesson in its own browser context and JupyterLab workspace: started (Run All begun), then finished."
    def __init__(self, browser, base: str, nb: Path, out: Path):
        self.nb, self.out, self.t0, self.error = nb, out, time.time(), None
        self.context = browser.new_context(viewport={'width': 1400, 'height': 1000})
        self.page, key = self.context.new_page(), nb.name[:2]
        try:
            open_notebook(self.page, base.format(workspace=f'bt{nb.stem}', path=nb.relative_to(REPO)))
            if key in WATCHED and self.page.evaluate(WATCH, WATCHED[key]) < 0:
                raise LessonFailed(f'no code cell of {nb.name} contains {WATCHED[key]!r}')
            start_run_all(self.page)
        except (LessonFailed, PlaywrightError) as e: self.error = e

    def ready(self, timeout_s: float) -> bool:
        "Run All has ended (or could not start, or ran out of time): the lesson can be finished without waiting."
        if self.error or time.time() - self.t0 > timeout_s: return True
        try: return self.page.evaluate('() => window.runAllDone !== null')
        except PlaywrightError as e: self.error = e; return True

    def finish(self, timeout_s: float) -> tuple:
        "Wait for Run All, check, screenshot, stop the kernel; returns (ok, one-line detail)."
        page, name, shot = self.page, self.nb.name, self.out/f'{self.nb.stem}.png'
        try:
            if self.error: raise self.error
            n = wait_run_all(page, name, timeout_s - (time.time() - self.t0))
            key = name[:2]
            detail = '; '.join(check(page) for check in CHECKS[key]) if key in CHECKS else 'no widget to check'
            page.screenshot(path=str(shot))
            return True, f'{n} code cells ran clean; {detail}; screenshot {shot.relative_to(REPO)}'
        except (LessonFailed, PlaywrightError) as e:
            shot = shot.with_name(f'{self.nb.stem}-failure.png')
            try: page.screenshot(path=str(shot))
            except PlaywrightError: pass
            return False, f'{str(e).splitlines()[0]} (page at that moment: {shot.relative_to(REPO)})'
        finally:
            try: page.evaluate('() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()')
            except PlaywrightError: pass                       # closing the page alone would leave the kernel running
            self.context.close()


def run_lessons(browser, base: str, nbs: list, out: Path, a) -> list:
    "At most `a.jobs` lessons at a time, each checked as soon as its Run All ends; prints one line per lesson."
    pending, running, results = list(nbs), [], []
    while pending or running:
        while pending and len(running) < a.jobs: running.append(Lesson(browser, base, pending.pop(0), out))
        lesson = next((x for x in running if x.ready(a.timeout)), None)
        if lesson is None: time.sleep(1); continue
        running.remove(lesson)
        ok, detail = lesson.finish(a.timeout)
        results.append((lesson.nb.name, ok, detail))
        print(f'browser-test: {lesson.nb.name} {"ok" if ok else "FAILED"} in {time.time() - lesson.t0:.0f} s: {detail}',
              flush=True)
    return results


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('lessons', nargs='*', default=['07', '08', '15'], help='number prefixes or notebook paths')
    ap.add_argument('--out', default='runs/browser-test', help='folder for the screenshots, copies and server log')
    ap.add_argument('--chromium', default='/usr/bin/chromium')
    ap.add_argument('--timeout', type=float, default=600, help='seconds allowed for running all cells of a lesson')
    ap.add_argument('--jobs', type=int, default=3, help='lessons running at once, each in its own kernel (default 3)')
    return ap.parse_args(argv)


def main():
    a = parse_args()
    if sync_playwright is None: fail('playwright is not installed: pip install playwright (or run make browser-test)')
    if not Path(a.chromium).exists(): fail(f'{a.chromium} not found: apt-get install chromium (or make browser-test)')
    srcs, out = select(a.lessons), (REPO/a.out).resolve()
    if not out.is_relative_to(REPO): fail(f'--out {out} must be inside {REPO}, the folder JupyterLab serves')
    if out.exists(): shutil.rmtree(out)
    nbs = [clean_copy(s, out/s.name) for s in srcs]
    port, token, t0 = free_port(), secrets.token_hex(16), time.time()
    log, home = open(out/'jupyter.log', 'w'), Path(tempfile.mkdtemp(prefix='nano_sora_lab_'))
    proc = start_lab(port, token, log, home)
    try:
        with sync_playwright() as pw:
            try: browser = pw.chromium.launch(executable_path=a.chromium, headless=True)
            except PlaywrightError as e: fail(f'{a.chromium} did not start under Playwright: {str(e).splitlines()[0]}')
            base = f'http://127.0.0.1:{port}/lab/workspaces/{{workspace}}/tree/{{path}}?token={token}'
            results = run_lessons(browser, base, nbs, out, a)
            browser.close()
    finally:
        stop_lab(proc, port, token); log.close(); shutil.rmtree(home, ignore_errors=True)
    failed = [f'{name}: {detail}' for name, ok, detail in results if not ok]
    if failed: fail(f'{len(failed)} of {len(results)} lessons: ' + '; '.join(failed))
    print(f'browser-test: OK: {len(results)} lessons in {time.time() - t0:.0f} s; '
          f'screenshots in {out.relative_to(REPO)}/')


if __name__ == '__main__':
    main()
