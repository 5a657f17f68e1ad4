"""The course in a real browser: JupyterLab, a slide deck and a student copy, driven by Playwright.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``); Playwright's own
browser download is not used. Screenshots go to ``build/browser/``; look at them.
"""

import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from course_utils import lessons, slides, student

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TOKEN = "course-browser-test"

if CHROMIUM is None:
    if os.environ.get("COURSE_REQUIRE_BROWSER"):
        raise RuntimeError("COURSE_REQUIRE_BROWSER is set but chromium is not installed (apt-get install chromium)")
    pytest.skip("needs Debian's chromium (apt-get install chromium; .ci/run installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on localhost with a token, serving copies of lesson 02 and its student version."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(lessons.find_lesson("02"), root / "02_convolution.ipynb")
    student.student_copy(lessons.find_lesson("02"), root / "student")
    port = _free_port()
    # every cell in the DOM (JupyterLab 4 renders only the visible ones by default), so that the
    # test can read every prompt and output
    settings = root.parent / f"{root.name}-settings"
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    env = {**os.environ, "COURSE_PROFILE": "fast", "TF_CPP_MIN_LOG_LEVEL": "2",
           "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("jupyter lab did not start within 60 s")
    yield url
    server.terminate()
    server.wait(timeout=30)


def _open_notebook(browser, url: str, path: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/{path}?reset&token={TOKEN}")     # reset: no tab of an earlier test restored
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function("document.querySelector('.jp-Notebook-ExecutionIndicator') === null || "
                           "document.querySelector('.jp-Notebook-ExecutionIndicator')"
                           ".getAttribute('data-status') === 'idle'", timeout=60_000)
    time.sleep(2)                                    # the kernel connects
    return page


def _run_all(page, timeout_s: float = 300):
    page.click("div.lm-MenuBar-itemLabel:text-is('Run')")
    page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
    deadline = time.time() + timeout_s
    time.sleep(2)
    while time.time() < deadline:                    # no cell waiting or running ("[*]")
        prompts = page.eval_on_selector_all(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputArea-prompt",
                                            "els => els.map(e => e.textContent)")
        if prompts and not any("*" in p for p in prompts):
            return prompts
        time.sleep(1)
    pytest.fail("the notebook did not finish running")


def _errors(page) -> list[str]:
    return page.eval_on_selector_all(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
        "els => els.map(e => e.innerText).filter(t => t.includes('Traceback') || /\\w+Error\\b/.test(t))")


def test_lesson_02_runs_in_jupyterlab_and_a_moved_widget_updates_it(browser, lab):
    page = _open_notebook(browser, lab, "02_convolution.ipynb")
    prompts = _run_all(page)
    assert all(p.strip() not in ("[ ]:", "") for p in prompts if p.strip()), prompts
    assert _errors(page) == []
    text = page.locator("pre.course-explorer-text")
    text.scroll_into_view_if_needed()
    page.wait_for_function("(document.querySelector('pre.course-explorer-text') || {}).innerText"
                           "?.includes('output size: 26x26x8')", timeout=30_000)
    kernel = page.locator(".widget-slider:has(label:text-is('kernel')) .widget-readout")
    kernel.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('pre.course-explorer-text').innerText.includes('24x24x8')",
                           timeout=30_000)
    assert "kernel 5x5" in text.inner_text()
    page.wait_for_function("document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')"
                           ".innerText.includes('Idle')", timeout=60_000)   # the new figure is drawn
    time.sleep(1)
    page.locator(".widget-slider:has(label:text-is('kernel'))").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "lesson02_explorer_moved.png"))
    page.close()


def test_slide_deck_offline_with_typeset_formulas(browser, tmp_path):
    deck = slides.build_slides("02", tmp_path / "slides")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    remote = []

    def block(route):
        remote.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(https?|wss?)://"), block)         # the network is blocked
    page = context.new_page()
    page.on("request", lambda request: request.url.startswith(("http:", "https:")) and remote.append(request.url))
    page.goto(deck.path.as_uri())
    page.wait_for_selector(".reveal .slides section", timeout=30_000)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        time.sleep(0.5)
    page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
                           "document.querySelectorAll('.MathJax, .MathJax_CHTML, .MathJax_SVG').length > 0",
                           timeout=60_000)
    shown = page.eval_on_selector(".reveal .slides section.present", "e => e.innerText")
    url = page.url
    typeset = page.eval_on_selector_all(".MathJax, .MathJax_CHTML, .MathJax_SVG", "els => els.length")
    page.screenshot(path=str(SHOTS / "slides02_third_slide.png"))
    context.close()
    assert remote == [], f"the deck tried to load {remote}"
    assert typeset > 0 and "$$" not in shown and "\\frac" not in shown and "\\times" not in shown
    assert "Math Processing Error" not in shown
    assert url.endswith("#/3"), url


def test_student_copy_raises_not_implemented_at_the_first_exercise(browser, lab):
    page = _open_notebook(browser, lab, "student/02_convolution.ipynb")
    page.click("div.lm-MenuBar-itemLabel:text-is('Run')")
    page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
    page.wait_for_function("[...document.querySelectorAll('.jp-OutputArea-output')]"
                           ".some(e => e.innerText.includes('NotImplementedError'))", timeout=300_000)
    time.sleep(1)
    cells = page.eval_on_selector_all(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell",
        "els => els.map(e => [e.querySelector('.jp-InputArea-prompt').textContent, e.innerText.includes('NotImplementedError(')])")
    first = next(i for i, (_, has_stub) in enumerate(cells) if has_stub)
    before = [prompt for prompt, _ in cells[:first]]
    assert all(p.strip().startswith("[") and p.strip() not in ("[ ]:", "[*]:") for p in before), before
    errors = _errors(page)
    assert len(errors) == 1 and "NotImplementedError" in errors[0] and "Exercise 1" in errors[0]
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output:has-text('NotImplementedError')"
                 ).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "student02_not_implemented.png"))
    page.close()
