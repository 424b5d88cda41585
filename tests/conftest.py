"""Shared fixtures: one real build of the repository's data, a real HTTP server on it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from hankegraafi.build import build
from hankegraafi.config import Config, load_config
from hankegraafi.namespaces import Namespaces
from hankegraafi.store import ReleaseStore

REPO = Path(__file__).resolve().parent.parent
# Debian's chromium (`make system-deps`); Playwright drives it, never a browser of its own
CHROMIUM = os.environ.get("HANKEGRAAFI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def repo_config(store_path: Path, **overrides) -> Config:
    """The repository's inputs, built into `store_path` (never the developer's var/store)."""
    overrides.setdefault("project_dir", REPO)
    return load_config(environ={}, store_path=store_path, **overrides)


@pytest.fixture(scope="session")
def config(tmp_path_factory) -> Config:
    config = repo_config(tmp_path_factory.mktemp("store") / "store")
    build(config, progress=lambda message: None)
    return config


@pytest.fixture(scope="session")
def ns(config) -> Namespaces:
    return Namespaces(config.base_iri)


@pytest.fixture(scope="session")
def store(config) -> ReleaseStore:
    return ReleaseStore(config)


@pytest.fixture(scope="session")
def select(store, ns):
    """Run a SELECT with the project's prefixes; rows as dicts of plain string values."""
    def run(query: str) -> list[dict[str, str]]:
        return [{k: v.value for k, v in row.items()} for row in store.select(ns.sparql_prologue() + query)]
    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(config: Config, extra_env: dict[str, str] | None = None, timeout: float = 30.0):
    """Start `hankegraafi serve` in a subprocess; return (process, base URL) once it answers.
    The server's stderr goes to a temporary file (`process.log`): an undrained pipe would fill up
    with the access log and block the server.
    """
    port = free_port()
    env = dict(os.environ, HANKEGRAAFI_STORE_PATH=str(config.store_path), HANKEGRAAFI_PROJECT_DIR=str(REPO),
               HANKEGRAAFI_BASE_IRI=config.base_iri, **(extra_env or {}))
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "hankegraafi.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    process.log = log
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start in time")


@pytest.fixture(scope="session")
def server(config):
    """Base URL of a real server on the test build."""
    process, url = start_server(config)
    yield url
    process.terminate()
    process.wait(timeout=10)


# --- SPARQL service fixtures (issue 3) -------------------------------------------------------------

@pytest.fixture(scope="session")
def start_sparql_server():
    """Start extra servers (with their own environment); every one is stopped at the end of the session.

    `start(config, **env)` -> (process, url); `stop(process)` ends one early (e.g. to test a restart).
    """
    started = []

    def start(config: Config, **env: str):
        process, url = start_server(config, extra_env={k: str(v) for k, v in env.items()})
        started.append(process)
        return process, url

    def stop(process) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    start.stop = stop
    yield start
    for process in started:
        stop(process)


@pytest.fixture(scope="session")
def limits_server(config, start_sparql_server):
    """A server with a 3 s query time limit and a 5-row cap on JSON/HTML results."""
    _, url = start_sparql_server(config, HANKEGRAAFI_QUERY_TIMEOUT=3, HANKEGRAAFI_MAX_RESULT_ROWS=5)
    return url


@pytest.fixture()
def private_config(config, tmp_path) -> Config:
    """A private copy of the test build (for tests that write: updates, graph store)."""
    import dataclasses
    import shutil

    target = tmp_path / "store"
    shutil.copytree(config.store_path, target, symlinks=True)
    return dataclasses.replace(config, store_path=target)


@pytest.fixture(scope="session")
def client(config):
    """A Flask test client on the test build (in-process, for fast checks)."""
    from hankegraafi.web import create_app

    return create_app(config).test_client()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright; a missing browser fails the tests, never skips them."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: run `make system-deps`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()

