"""Browser tests: Debian's Chromium, driven by Playwright, against `pagila-assistant serve`.

The server is started here as a subprocess on a free port, with a fresh embedded database
(PAGILA_HOME in a temporary folder: migrated and filled with the demo data on first start, as
`make run` does), the offline model and a test admin token. With PAGILA_TEST_DSN set (an
external PostgreSQL, as for the rest of the suite) it gets a fresh database there instead.

Run them with `make test-e2e` (or `uv run pytest tests/e2e`); `make test` leaves them out.
Screenshots of each scenario's end state go to artifacts/e2e/; on a failure, the page's HTML
and a screenshot go to artifacts/e2e/failures/, and the server's log is artifacts/e2e/server.log.
Chromium is /usr/bin/chromium (E2E_CHROMIUM to use another); when it is missing, every test
fails saying so (`playwright install` cannot download here).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from data.demo import DEMO_PASSWORD
from tests.conftest import sql_runner
from tests.e2e.chat_page import ChatPage

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "e2e"
FAILURES = ARTIFACTS / "failures"
LOG = ARTIFACTS / "server.log"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_TOKEN = "e2e-admin-token-7d41"
CLERK = ("hector", DEMO_PASSWORD)  # the demo store's clerk of store 1 (PAGILA_STAFF_ID's)
OTHER_CLERK = ("ingrid", DEMO_PASSWORD)  # store 2
STARTUP_SECONDS = 90  # embedded PostgreSQL, migrations and the demo data: ~10 s here
TIMEOUT_MS = 20_000  # any single wait in the browser (an answer takes ~1 s)
VIEWPORT = {"width": 1280, "height": 900}


def pytest_configure(config: pytest.Config) -> None:
    # pgserver (the embedded PostgreSQL) warns when XDG_RUNTIME_DIR is unset; it copes.
    config.addinivalue_line("filterwarnings", "ignore:XDG_RUNTIME_DIR is not set")


# --------------------------------------------------------------------------- artifacts


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """artifacts/e2e/, emptied of the previous run's screenshots and pages."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(FAILURES, ignore_errors=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """On a failure, keep the page as it was: its HTML and a screenshot."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        chat = getattr(item, "funcargs", {}).get("chat")
        if isinstance(chat, ChatPage):
            saved = save_failure(item.name, chat)
            report.sections.append(("e2e artifacts", f"{saved}\nserver log: {LOG}"))
    return report


def save_failure(test_name: str, chat: ChatPage) -> str:
    """Save the page's HTML and a screenshot under artifacts/e2e/failures/; say where."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = FAILURES / re.sub(r"[^\w.-]+", "_", test_name)
    try:
        stem.with_suffix(".html").write_text(chat.page.content(), encoding="utf-8")
        chat.page.screenshot(path=stem.with_suffix(".png"), full_page=True)
        return f"page: {stem}.html, {stem}.png"
    except Exception as error:  # the page may be gone; the report must still be written
        stem.with_suffix(".txt").write_text(f"could not save the page: {error!r}\n")
        return f"the page could not be saved: {error!r}"


# --------------------------------------------------------------------------- the server


@dataclass
class Server:
    base_url: str
    db_url: str
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(home: Path, dsn: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "PAGILA_", "CHAINLIT_"))}
    env.update(
        PAGILA_HOME=str(home),
        PAGILA_DSN=dsn or "",  # empty: the embedded server, whatever a .env says
        PAGILA_STAFF_ID="1",  # the clerk of store 1
        ADMIN_TOKEN=ADMIN_TOKEN,
        LLM_MODE="offline",
        LOG_LEVEL="INFO",
        CHAINLIT_APP_ROOT=str(REPO),  # .chainlit/config.toml and public/elements/
        CHAINLIT_AUTH_SECRET="e2e-chainlit-auth-secret-41c9",  # required with PAGILA_DSN
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_until_healthy(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with code {process.returncode} before it was "
                        f"healthy; its log ({log}):\n{tail(log)}", pytrace=False)
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server was not healthy after {STARTUP_SECONDS} s; its log ({log}):\n"
                f"{tail(log)}", pytrace=False)


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C, as a person stops `make run`: uvicorn shuts down and the CLI exits normally, so
    the embedded database's handle is released (the last handle stops it). SIGTERM would
    leave the database running: uvicorn re-raises it after shutting down, which kills the
    process before its exit handlers run."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch(home: Path, dsn: str | None, log: Path) -> tuple[subprocess.Popen, str]:
    """`pagila-assistant serve` on a free port; returns once it is healthy."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=REPO, env=server_env(home, dsn), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(process, base_url, log)
    except BaseException:
        stop(process)
        raise
    return process, base_url


@pytest.fixture(scope="session")
def server(request, tmp_path_factory, artifacts) -> Iterator[Server]:
    """`pagila-assistant serve` on a free port, over a fresh store with the demo data."""
    home = tmp_path_factory.mktemp("e2e")
    dsn = None
    if os.environ.get("PAGILA_TEST_DSN"):  # the suite's external server: a new database there
        dsn = request.getfixturevalue("new_database")("e2e")
    process, base_url = launch(home, dsn, LOG)
    try:
        if dsn is None:
            from assistant.db import start_embedded_server

            db_url = start_embedded_server(home)  # the server's own PostgreSQL, already up
        else:
            db_url = dsn
        yield Server(base_url=base_url, db_url=db_url, process=process, log=LOG)
    finally:
        stop(process)


@pytest.fixture(scope="session")
def second_server(server, tmp_path_factory) -> Iterator[Server]:
    """A second instance of the app on the first one's database (as behind a load balancer)."""
    log = ARTIFACTS / "server-2.log"
    process, base_url = launch(tmp_path_factory.mktemp("e2e-2"), server.db_url, log)
    try:
        yield Server(base_url=base_url, db_url=server.db_url, process=process, log=log)
    finally:
        stop(process)


@pytest.fixture
def lockout_lifted(store_sql):
    """The wrong-token lockout is kept in the database: start from none, lift it afterwards."""
    store_sql("DELETE FROM write_lockout")
    yield
    store_sql("DELETE FROM write_lockout")


@pytest.fixture(scope="session")
def store_sql(server) -> Iterator[Callable]:
    """Run SQL on the server's database (autocommit): store_sql("SELECT ...", **params)."""
    with sql_runner(server.db_url) as run:
        yield run


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium. Missing, it fails every test with the reason (never a silent skip)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium was not found at {CHROMIUM}. The browser tests need Debian's chromium "
            "package (`apt-get install chromium`), or E2E_CHROMIUM=/path/to/chromium; "
            "`playwright install` cannot download browsers here.", pytrace=False)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_tab(request, browser, server, artifacts) -> Iterator[Callable[[], ChatPage]]:
    """Makes new browser contexts (each its own cookies: a new tab of a new person), on the
    chat's address, not yet signed in; each is closed at the end, failing on page errors."""
    opened: list[tuple] = []

    def new_tab() -> ChatPage:
        context = browser.new_context(viewport=VIEWPORT, color_scheme="dark", locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        opened.append((context, errors))
        return ChatPage(page, server.base_url, artifacts)

    try:
        yield new_tab
        for _, errors in opened:
            assert not errors, f"uncaught errors in the page: {errors}"
    finally:
        for context, _ in opened:
            context.close()


@pytest.fixture
def chat(request, browser_tab) -> ChatPage:
    """A new chat session, the demo clerk of store 1 signed in, on the welcome screen."""
    chat = browser_tab()
    try:
        chat.open(*CLERK)
    except Exception:
        save_failure(f"{request.node.name}-opening", chat)
        raise
    return chat
