"""Helpers for the real-browser tests: servers in their own process groups, headless Chromium, and the
few DOM operations the tests need (run all cells, find the temperature slider, move it, read the plot).

Used by ``tests/test_browser.py`` and by ``tools/screenshots.py`` (``make screenshots``). Nothing here
touches the repository's notebooks: JupyterLab is always pointed at a temporary copy.

Facts this relies on (measured, see ``/work/shared/notes/jupyter-testing.md``): Debian's chromium at
``/usr/bin/chromium`` driven by the Python ``playwright`` package (no downloaded browser); JupyterLab 4.6
renders cells with ``content-visibility`` so off-screen outputs exist in the DOM but must be scrolled to
with ``el.scrollIntoView()``; widget views live inside ``.jupyter-widgets`` elements; a failed widget
shows the text ``Error displaying widget``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import nbformat

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
INSTALL_HINT = "install it with `apt-get install chromium` (as root; CI's .ci/run does this)"
WIDGET_ERROR_TEXT = "Error displaying widget"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# A notebook "has widgets" when its code uses ipywidgets (directly or through the course's widget module)
# or its stored outputs contain a widget view.
_WIDGET_SOURCE = re.compile(r"\bipywidgets\b|\banywidget\b"
                            r"|\bsoftmax_lab(\.course)?\.(widgets|explorer|simplex|calibration_demo)\b"
                            r"|from\s+softmax_lab(\.course)?\s+import\s+[^\n]*\b(widgets|explorer|simplex|calibration_demo)\b")
# The temperature slider's description, as the course's widgets name it.
TEMPERATURE_LABEL = re.compile(r"^\s*(T|temperature)\b", re.IGNORECASE)

SERVER_START_TIMEOUT_S = 90.0
RUN_ALL_TIMEOUT_S = 120.0
UPDATE_TIMEOUT_S = 20.0


# --------------------------------------------------------------------------------------------- browser

def in_ci() -> bool:
    """True when the environment says this is a CI run (``CI=true``, as GitHub/GitLab set it)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def browser_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when Chromium and playwright are both present."""
    if not Path(CHROMIUM_PATH).exists():
        return f"Chromium not found at {CHROMIUM_PATH}; {INSTALL_HINT}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package `playwright` is missing; run `.venv/bin/pip install -r requirements.txt`"
    return None


def require_browser() -> None:
    """Skip the calling test when the browser cannot run here, saying how to install it; in CI
    (``CI=true``) fail instead, because there a missing browser means the widgets go untested."""
    import pytest

    reason = browser_missing_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (playwright ``Browser``) that is always closed afterwards. It gets a throwaway
    HOME, so its profile and crash-report folders never land in the user's ``~/.config``."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-home-") as home, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS,
                                    env={**os.environ, "HOME": home})
        try:
            yield browser
        finally:
            browser.close()


# --------------------------------------------------------------------------------------------- notebooks

def code_text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def has_widgets(path: Path) -> bool:
    """Whether the notebook at ``path`` uses ipywidgets (source or stored widget-view outputs)."""
    nb = nbformat.read(path, as_version=4)
    if _WIDGET_SOURCE.search(code_text(nb)):
        return True
    return any(WIDGET_MIME in out.get("data", {})
               for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", []))


def widget_notebooks(folder: Path | None = None) -> list[Path]:
    """The numbered notebooks (``NN-topic.ipynb``) in ``folder`` (default: the course's) that use widgets."""
    return sorted(p for p in (folder or NOTEBOOKS).glob("[0-9][0-9]-*.ipynb") if has_widgets(p))


def copy_notebooks_stripped(src: Path, dest: Path) -> Path:
    """Copy ``src`` (a folder) to ``dest`` with every notebook's outputs and execution counts removed.

    Stripping makes the test honest: any widget view or plot it then sees was made by the live run, and
    "every code cell has an execution count" means "run-all finished".
    """
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for path in dest.rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nbformat.write(nb, path)
    return dest


# --------------------------------------------------------------------------------------------- processes

def free_port() -> int:
    """A loopback TCP port that was free a moment ago (the OS picks it: bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a server with a throwaway HOME and Jupyter/IPython/matplotlib config.

    ``JUPYTER_PATH`` is left alone, so the widget labextension in the venv's ``share/jupyter`` is still
    found (jupyter always searches ``sys.prefix/share/jupyter`` after the user data dir).
    """
    # No Jupyter settings from the caller, and no make jobserver flags when `make test` runs us.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "JPY_")) and k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    dirs = {"HOME": home, "JUPYTER_CONFIG_DIR": home / ".jupyter", "JUPYTER_DATA_DIR": home / "jupyter-data",
            "JUPYTER_RUNTIME_DIR": home / "jupyter-runtime", "IPYTHONDIR": home / ".ipython",
            "MPLCONFIGDIR": home / ".matplotlib"}
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the command name may contain spaces and ')'
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """All live descendants of ``pid`` (kernels start in sessions of their own, so killpg misses them)."""
    tree, out, todo = _children_map(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def stop_process_tree(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Stop ``proc`` (started with ``start_new_session=True``), its process group and every descendant.

    SIGTERM first so Jupyter shuts its kernels down cleanly, SIGKILL for whatever is left after
    ``grace_s`` seconds.
    """
    family = descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace_s)
    deadline = time.monotonic() + grace_s
    while any(is_alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in family:
        if is_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):  # the group may outlive its leader
        os.killpg(proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + grace_s  # SIGKILL is asynchronous: wait until they are really gone
    while any(is_alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.05)


_SERVER_PROCESS = re.compile(r"jupyterlab|jupyter-lab|voila|ipykernel_launcher|chromium")


def leftover_processes(pid: int | None = None) -> list[str]:
    """Command lines of servers, kernels or browsers still running below ``pid`` (default: this process)."""
    found = []
    for child in descendants(os.getpid() if pid is None else pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if _SERVER_PROCESS.search(cmdline) and is_alive(child):
            found.append(f"{child}: {cmdline[:120]}")
    return found


@dataclass
class Server:
    """A running server: its base URL, token (may be empty) and log file."""

    proc: subprocess.Popen
    base_url: str
    token: str
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def url(self, path: str, **query: str) -> str:
        params = dict(query)
        if self.token:
            params["token"] = self.token
        qs = "&".join(f"{k}={v}" if v != "" else k for k, v in params.items())
        return f"{self.base_url}{path}" + (f"?{qs}" if qs else "")

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url(path), timeout=10) as response:
            return json.loads(response.read().decode())


def _wait_until_answering(server: Server, probe_path: str | None, timeout_s: float) -> None:
    """Poll until ``probe_path`` answers HTTP 200 (``None``: until the port accepts connections)."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    port = server.port
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with code {server.proc.returncode} before answering:\n"
                               f"{server.log_tail()}")
        try:
            if probe_path is None:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    return
            with urllib.request.urlopen(server.url(probe_path), timeout=5) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise TimeoutError(f"server at {server.base_url} did not answer {probe_path} within {timeout_s:.0f} s "
                       f"({last}):\n{server.log_tail()}")


PORT_TAKEN = re.compile(r"address already in use|port \S+ is already in use|errno 98|errno 48", re.I)
SERVER_START_ATTEMPTS = 3


@contextlib.contextmanager
def serve(cmd: Callable[[int], Sequence[str]], *, token: str, workdir: Path, cwd: Path, probe_path: str | None,
          timeout_s: float = SERVER_START_TIMEOUT_S, env_extra: dict[str, str] | None = None) -> Iterator[Server]:
    """Start ``cmd(port)`` on a free loopback port, in a new process group with an isolated HOME under
    ``workdir``; yield once ``probe_path`` answers HTTP 200 (``None``: once the port is open); always stop the
    whole process tree afterwards.

    A port is free when :func:`free_port` looks, but another process (a kernel, a client's outgoing
    connection) may take it before the server binds it; a server that exits saying so is started again on
    another port, up to ``SERVER_START_ATTEMPTS`` times.
    """
    env = isolated_env(workdir / "home", env_extra)
    for attempt in range(1, SERVER_START_ATTEMPTS + 1):
        port = free_port()
        log_path = workdir / f"server-{attempt}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(list(cmd(port)), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        server = Server(proc, f"http://127.0.0.1:{port}", token, log_path)
        try:
            try:
                _wait_until_answering(server, probe_path, timeout_s)
            except RuntimeError:
                if attempt < SERVER_START_ATTEMPTS and PORT_TAKEN.search(server.log_tail(200)):
                    continue  # the finally below stops what is left of it
                raise
            yield server
            return
        finally:
            stop_process_tree(proc)


def static_server(root: Path) -> Callable[[int], list[str]]:
    """The command of Python's static file server for ``root`` on a given loopback port (for :func:`serve`)."""
    return lambda port: [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                         "--directory", str(root)]


def root_flag() -> list[str]:
    """JupyterLab refuses to run as root unless told (CI containers often are root)."""
    return ["--allow-root"] if os.geteuid() == 0 else []


def quiet_settings(config_dir: Path) -> None:
    """User settings for a test JupyterLab: no news/update toast (it asks a web site and covers the
    notebook in screenshots). Everything else stays at the defaults students get."""
    path = config_dir / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@contextlib.contextmanager
def jupyterlab_server(root_dir: Path, workdir: Path) -> Iterator[Server]:
    """A fresh JupyterLab on a free loopback port with a random token, serving ``root_dir``.

    ``--expose-app-in-browser`` puts the application object on ``window.jupyterapp`` so the test can
    ask the notebook model (not the lazily painted DOM) whether every cell has run.
    """
    token = secrets.token_hex(16)
    quiet_settings(workdir / "home" / ".jupyter")

    def cmd(port: int) -> list[str]:
        return [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
                "--expose-app-in-browser", *root_flag()]
    with serve(cmd, token=token, workdir=workdir, cwd=root_dir, probe_path="/api/status") as server:
        yield server


def make_command(target: str, **variables: str) -> list[str]:
    """``make TARGET VAR=value`` in the repository, without rebuilding the venv (``-o`` its stamp):
    the tests already run inside that venv."""
    return ["make", "--no-print-directory", "-C", str(REPO), "-o", ".venv/.installed", target,
            *(f"{k}={v}" for k, v in variables.items())]


# --------------------------------------------------------------------------------------------- pages

@dataclass
class PageProblems:
    """Uncaught page errors and console errors collected while a page was open."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> "PageProblems":
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        return self

    def relevant_console_errors(self) -> list[str]:
        """Console errors except failed loads of off-machine resources (e.g. a web font from a CDN)."""
        return [m for m in self.console_errors if not _is_offline_noise(m)]


def _is_offline_noise(message: str) -> bool:
    return "net::ERR_" in message or "Failed to load resource" in message


# JavaScript evaluated in JupyterLab: the state of the current notebook according to its model.
_NOTEBOOK_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
  const code = Array.from(panel.content.model.cells).filter(c => c.type === 'code');
  const errors = [], widgetViews = [];
  for (const cell of code) {
    for (const out of cell.outputs.toJSON()) {
      if (out.output_type === 'error') errors.push(`${out.ename}: ${out.evalue}`);
      if (out.data && out.data['%s']) widgetViews.push(out.data['%s'].model_id);
    }
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {codeCells: code.length, executed: code.filter(c => c.executionCount !== null).length,
          errors, widgetViews, kernel: kernel ? kernel.status : 'none'};
}
""" % (WIDGET_MIME, WIDGET_MIME)


def open_notebook_in_lab(page: Any, server: Server, name: str, timeout_s: float = 60.0) -> None:
    """Open ``name`` in JupyterLab (``?reset`` drops remembered tabs) and wait for an idle kernel."""
    page.goto(server.url(f"/lab/tree/{name}", reset=""))
    page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=timeout_s * 1000)
    page.locator('.jp-StatusBar-TextItem:has-text("Idle")').first.wait_for(timeout=timeout_s * 1000)


def notebook_state(page: Any) -> dict[str, Any] | None:
    return page.evaluate(_NOTEBOOK_STATE_JS)


def run_all_cells(page: Any, timeout_s: float = RUN_ALL_TIMEOUT_S) -> dict[str, Any]:
    """Run > Run All Cells through the menu bar, as a student would; wait until every code cell has an
    execution count and the kernel is idle. Raises ``AssertionError`` naming the first error output."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    deadline = time.monotonic() + timeout_s
    state = None
    while time.monotonic() < deadline:
        state = notebook_state(page)
        if state and state["errors"]:
            raise AssertionError(f"a cell raised in JupyterLab: {state['errors'][0]}")
        if state and state["executed"] == state["codeCells"] and state["kernel"] == "idle":
            return state
        time.sleep(0.2)
    raise TimeoutError(f"run-all did not finish within {timeout_s:.0f} s; last state: {state}")


def widget_error_count(page: Any) -> int:
    """How many elements on the page say a widget could not be displayed."""
    return page.get_by_text(WIDGET_ERROR_TEXT).count()


# A widget view at the top level of an output (not a view nested inside another widget's Output area).
# The explorers (anywidgets) render their own roots (``.softmax-explorer``, ``.softmax-simplex``) inside a plain
# Lumino widget instead.
_OUTPUT = ".jp-OutputArea-output:not(.jupyter-widgets .jp-OutputArea-output)"
TOP_LEVEL_WIDGET = (f"{_OUTPUT} > .jupyter-widgets, {_OUTPUT} > .lm-Widget > .softmax-explorer, "
                    f"{_OUTPUT} > .lm-Widget > .softmax-simplex, {_OUTPUT} > .lm-Widget > .softmax-pipeline, {_OUTPUT} > .lm-Widget > .softmax-calibration")
# What a widget output shows when no widget manager renders it: its text/plain repr, e.g. "VBox(children=...".
_FALLBACK_TEXT = re.compile(r"^[A-Z][A-Za-z]*(Slider|Box|Output|Image|HTML|Label|Button|Dropdown|Widget)\(")


def check_widgets_displayed(page: Any, expected_views: int) -> int:
    """Assert that no widget failed and at least ``expected_views`` top-level widget views rendered.

    Returns the number rendered. A broken widget front end shows either ``Error displaying widget`` or,
    when the labextension is missing or fails to load, the widget's text fallback (``VBox(children=...``)
    and a dead page: both are reported in words.
    """
    failed = widget_error_count(page)
    assert failed == 0, (f"{failed} output(s) say {WIDGET_ERROR_TEXT!r}: the widget front end does not match "
                         "the kernel's ipywidgets (check jupyterlab_widgets / ipywidgets versions)")
    rendered = page.locator(TOP_LEVEL_WIDGET).count()
    if rendered < max(expected_views, 1):
        fallbacks = [t for t in texts(page, ".jp-OutputArea-output[data-mime-type='text/plain']")
                     if _FALLBACK_TEXT.match(t)]
        shown = f"; instead the page shows the text fallback {fallbacks[0][:80]!r}" if fallbacks else ""
        raise AssertionError(
            f"{max(expected_views, 1)} widget view(s) expected but {rendered} rendered as widgets{shown}. "
            "Is the @jupyter-widgets/jupyterlab-manager labextension installed and loading?")
    return rendered


def temperature_slider(page: Any) -> Any:
    """The slider whose description is ``T``/``temperature``; the first slider if none is named so."""
    sliders = page.locator(".widget-slider")
    named = sliders.filter(has=page.locator(".widget-label", has_text=TEMPERATURE_LABEL))
    return named.first if named.count() else sliders.first


def image_sources(page: Any, scope: str) -> list[str]:
    """``src`` of every image inside ``scope`` (a CSS selector), in document order."""
    return page.locator(f"{scope} img").evaluate_all("els => els.map(e => e.getAttribute('src') || '')")


def texts(page: Any, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => (e.innerText || e.value || '').trim())")


# The course's own numbers line under the sliders (the explorer, softmax_lab/course/explorer.js, has it too).
APP_READOUT = ".softmax-readout"


@dataclass
class SliderMove:
    """What changed when the slider was moved by one key press."""

    key: str
    readout_before: str
    readout_after: str
    images_changed: int
    app_readouts_before: list[str]
    app_readouts_after: list[str]


def move_slider(page: Any, slider: Any, image_scope: str, key: str = "ArrowRight",
                timeout_s: float = UPDATE_TIMEOUT_S) -> SliderMove:
    """Focus the slider's handle, press ``key`` once, and wait until the slider's readout, at least one
    plot image inside ``image_scope`` and every app readout (``.softmax-readout``, where the app has one)
    in the slider's app have changed. Raises ``TimeoutError`` saying which did not."""
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout").first
    # The app the slider belongs to: its outermost widget ancestor (readouts of other apps don't move).
    app = slider.locator("xpath=ancestor-or-self::*[contains(concat(' ', @class, ' '), ' jupyter-widgets ')][last()]")
    handle.evaluate("el => el.scrollIntoView({block: 'center'})")
    app_texts = lambda: app.locator(APP_READOUT).evaluate_all("els => els.map(e => e.innerText.trim())")  # noqa: E731
    before_text = readout.inner_text().strip()
    before_imgs = image_sources(page, image_scope)
    before_apps = app_texts()
    handle.focus()
    page.keyboard.press(key)
    deadline = time.monotonic() + timeout_s
    after_text, changed, after_apps = before_text, 0, before_apps
    while time.monotonic() < deadline:
        after_text = readout.inner_text().strip()
        after_imgs = image_sources(page, image_scope)
        after_apps = app_texts()
        changed = sum(1 for i, src in enumerate(after_imgs) if i >= len(before_imgs) or src != before_imgs[i])
        apps_changed = len(after_apps) == len(before_apps) and all(a != b for a, b in zip(after_apps, before_apps))
        if after_text != before_text and changed and apps_changed:
            return SliderMove(key, before_text, after_text, changed, before_apps, after_apps)
        time.sleep(0.05)
    raise TimeoutError(f"after pressing {key} on the slider: slider readout {before_text!r} -> {after_text!r}; "
                       f"plot images changed: {changed} of {len(before_imgs)}; app readouts "
                       f"{before_apps} -> {after_apps} within {timeout_s:.0f} s")


# The temperature explorer (softmax_lab/course/explorer.js, an anywidget): native range inputs, a readout line,
# an SVG chart. Its T slider holds log10(T); its value is shown in the <output> after it.
EXPLORER = ".softmax-explorer"
EXPLORER_T = ".softmax-explorer input.softmax-explorer-temperature"


def move_explorer_slider(page: Any, key: str = "ArrowRight", timeout_s: float = UPDATE_TIMEOUT_S) -> SliderMove:
    """Focus the first explorer's T slider, press ``key`` once, and wait until its value, at least one bar of
    its chart and its readout line have changed. Raises ``TimeoutError`` saying which did not."""
    slider = page.locator(EXPLORER_T).first
    app = slider.locator(f"xpath=ancestor::*[contains(concat(' ', @class, ' '), ' softmax-explorer ')][1]")
    value = slider.locator("xpath=following-sibling::output[1]")
    slider.evaluate("el => el.scrollIntoView({block: 'center'})")
    bars = lambda: app.locator("svg rect").evaluate_all("els => els.map(e => e.getAttribute('height'))")  # noqa: E731
    line = lambda: [app.locator(APP_READOUT).inner_text().strip()]  # noqa: E731
    before_value, before_bars, before_line = value.inner_text().strip(), bars(), line()
    slider.focus()
    page.keyboard.press(key)
    deadline = time.monotonic() + timeout_s
    after_value, changed, after_line = before_value, 0, before_line
    while time.monotonic() < deadline:
        after_value, after_bars, after_line = value.inner_text().strip(), bars(), line()
        changed = sum(1 for a, b in zip(before_bars, after_bars) if a != b)
        if after_value != before_value and changed and after_line != before_line:
            return SliderMove(key, before_value, after_value, changed, before_line, after_line)
        time.sleep(0.05)
    raise TimeoutError(f"after pressing {key} on the explorer's T slider: value {before_value!r} -> {after_value!r}; "
                       f"bars changed: {changed} of {len(before_bars)}; readout {before_line} -> {after_line} "
                       f"within {timeout_s:.0f} s")


# The simplex explorer (softmax_lab/course/simplex.js, an anywidget): native range inputs for z1, z2, z3, log10(T)
# and the shift c, a readout line, an SVG triangle whose red circle is the point softmax((z + c 1) / T).
SIMPLEX = ".softmax-simplex"
SIMPLEX_T = ".softmax-simplex input.softmax-simplex-temperature"
SIMPLEX_SHIFT = ".softmax-simplex input.softmax-simplex-shift"
# The calibration explorer (softmax_lab/course/calibration_demo.js): the same kind of app, one log10(T) slider and
# a reliability diagram whose red circle is the point (mean confidence, accuracy) of all samples.
CALIBRATION_T = ".softmax-calibration input.softmax-calibration-temperature"
CALIBRATION_APP = ("softmax-calibration", "svg circle.softmax-calibration-point")


@dataclass
class PointMove:
    """What one key press on a simplex slider did: the slider's shown value and the point (cx, cy) before/after."""

    key: str
    value_before: str
    value_after: str
    point_before: tuple[str, str]
    point_after: tuple[str, str]
    readout_before: str
    readout_after: str


def move_simplex_slider(page: Any, slider_selector: str = SIMPLEX_T, key: str = "ArrowRight",
                        point_moves: bool = True, timeout_s: float = UPDATE_TIMEOUT_S,
                        app: tuple[str, str] = ("softmax-simplex", "svg circle.softmax-simplex-point")) -> PointMove:
    """Focus the first simplex explorer's slider ``slider_selector``, press ``key`` once, and wait until its
    shown value has changed and (``point_moves``) the point and the readout line have changed too; with
    ``point_moves=False`` (the shift c) the point must stay where it was. Raises ``TimeoutError`` saying what
    did not change. ``app`` (the app's class, its point's selector) lets it drive the calibration explorer too
    (:data:`CALIBRATION_APP`)."""
    slider = page.locator(slider_selector).first
    app_class, point_selector = app
    app = slider.locator(f"xpath=ancestor::*[contains(concat(' ', @class, ' '), ' {app_class} ')][1]")
    value = slider.locator("xpath=following-sibling::output[1]")
    dot = app.locator(point_selector)
    slider.evaluate("el => el.scrollIntoView({block: 'center'})")
    point = lambda: (dot.get_attribute("cx"), dot.get_attribute("cy"))  # noqa: E731
    line = lambda: app.locator(APP_READOUT).inner_text().strip()  # noqa: E731
    before = (value.inner_text().strip(), point(), line())
    slider.focus()
    page.keyboard.press(key)
    deadline = time.monotonic() + timeout_s
    after = before
    while time.monotonic() < deadline:
        after = (value.inner_text().strip(), point(), line())
        if after[0] != before[0] and (not point_moves or (after[1] != before[1] and after[2] != before[2])):
            break
        time.sleep(0.05)
    else:
        raise TimeoutError(f"after pressing {key} on {slider_selector}: value {before[0]!r} -> {after[0]!r}; "
                           f"point {before[1]} -> {after[1]}; readout {before[2]!r} -> {after[2]!r} "
                           f"within {timeout_s:.0f} s")
    if not point_moves:
        time.sleep(0.2)  # give a (wrong) redraw the time to happen
        after = (value.inner_text().strip(), point(), line())
    return PointMove(key, before[0], after[0], before[1], after[1], before[2], after[2])


# The pipeline explorer (softmax_lab/course/pipeline_demo.js, an anywidget): range inputs for log10(T), top-k, top-p,
# min-p and a logit bias, a readout line, one SVG with a bar chart per stage of the sampler.
PIPELINE_T = ".softmax-pipeline input.softmax-pipeline-temperature"
PIPELINE_TOP_K = ".softmax-pipeline input.softmax-pipeline-topk"


@dataclass
class BarsMove:
    """What one key press on a pipeline slider did: the slider's shown value, the bars' heights, the readout."""

    key: str
    value_before: str
    value_after: str
    bars_before: list[str]
    bars_after: list[str]
    readout_before: str
    readout_after: str


def move_pipeline_slider(page: Any, slider_selector: str = PIPELINE_T, key: str = "ArrowRight",
                         timeout_s: float = UPDATE_TIMEOUT_S) -> BarsMove:
    """Focus the first pipeline explorer's slider ``slider_selector``, press ``key`` once, and wait until its shown
    value, at least one bar of the stages' charts and the readout line have changed. Raises ``TimeoutError``
    saying what did not change."""
    slider = page.locator(slider_selector).first
    app = slider.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' softmax-pipeline ')][1]")
    value = slider.locator("xpath=following-sibling::output[1]")
    slider.evaluate("el => el.scrollIntoView({block: 'center'})")
    bars = lambda: app.locator("svg rect.softmax-pipeline-bar").evaluate_all(  # noqa: E731
        "els => els.map(e => e.getAttribute('height'))")
    line = lambda: app.locator(APP_READOUT).inner_text().strip()  # noqa: E731
    before = (value.inner_text().strip(), bars(), line())
    slider.focus()
    page.keyboard.press(key)
    deadline = time.monotonic() + timeout_s
    after = before
    while time.monotonic() < deadline:
        after = (value.inner_text().strip(), bars(), line())
        if after[0] != before[0] and after[1] != before[1] and after[2] != before[2]:
            return BarsMove(key, before[0], after[0], before[1], after[1], before[2], after[2])
        time.sleep(0.05)
    changed = sum(1 for a, b in zip(before[1], after[1]) if a != b)
    raise TimeoutError(f"after pressing {key} on {slider_selector}: value {before[0]!r} -> {after[0]!r}; bars changed: "
                       f"{changed} of {len(before[1])}; readout {before[2]!r} -> {after[2]!r} within {timeout_s:.0f} s")


# --------------------------------------------------------------------------------------------- Voila

def wait_for_log(server: Server, pattern: re.Pattern[str], timeout_s: float = SERVER_START_TIMEOUT_S) -> re.Match[str]:
    """Wait until the server's log contains ``pattern``; return the match."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        match = pattern.search(server.log_path.read_text(errors="replace"))
        if match:
            return match
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with code {server.proc.returncode}:\n{server.log_tail()}")
        time.sleep(0.1)
    raise TimeoutError(f"{pattern.pattern!r} never appeared in the server log:\n{server.log_tail()}")


@contextlib.contextmanager
def presenter_server(workdir: Path, demo: str = "temperature") -> Iterator[Server]:
    """The Voila presenter exactly as ``make present DEMO=demo`` starts it, on a free port, without a browser.

    ``make present`` makes a fresh random token and prints the URL that carries it; the token is read from
    that line of the log, as an instructor would copy it.
    """
    def cmd(port: int) -> list[str]:
        return make_command("present", PORT=str(port), NO_BROWSER="1", DEMO=demo)
    with serve(cmd, token="", workdir=workdir, cwd=REPO, probe_path=None) as server:
        match = wait_for_log(server, re.compile(re.escape(server.base_url) + r"/(?:\?token=(\w+))?"))
        server.token = match.group(1) or ""
        yield server


VOILA_CELL_ERROR = "There was an error when executing cell"


def open_voila_app(page: Any, server: Server, timeout_s: float = 90.0) -> None:
    """Load the Voila app and wait until it has executed every cell (Voila removes its ``#loading``
    spinner then) and a slider is visible. Raises ``AssertionError`` if a cell failed."""
    page.goto(server.url("/"))
    page.locator("#loading").wait_for(state="detached", timeout=timeout_s * 1000)
    failed = page.get_by_text(VOILA_CELL_ERROR).count() + page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
    if failed:
        raise AssertionError(f"the Voila app shows {failed} cell error(s) / stderr output(s):\n"
                             + "\n".join(texts(page, ".jp-OutputArea-output")[:5]) + "\n" + server.log_tail())
    page.locator(f".widget-slider, {EXPLORER_T}, {SIMPLEX_T}, {PIPELINE_T}, {CALIBRATION_T}").first.wait_for(state="visible", timeout=timeout_s * 1000)
