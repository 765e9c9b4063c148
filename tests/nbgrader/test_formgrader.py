"""Formgrader, started the README's way (a Jupyter server bound to 127.0.0.1), shows the gradebook in Chromium.

Real server, real gradebook (one autograded student on a fresh copy of the course), real headless
Chromium, loopback only: every request the page makes must go to 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.nbgrader.test_end_to_end import solved
from tests.nbgrader.test_readme_course import NAME, REPO, SECTION, fresh_course, run
from tests.reports.test_html import CHROME_FLAGS, _chromium

pytestmark = pytest.mark.slow


def readme_server_command() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text[text.index(SECTION):]
    lines = [line.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S) for line in block.splitlines()]
    (command,) = [line for line in lines if line.startswith("jupyter server ")]
    return shlex.split(command)


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_readme_binds_formgrader_to_loopback():
    command = readme_server_command()
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.open_browser=False" in command


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _chromium()  # skip (or fail under CI) before the slow part when there is no browser
    root = fresh_course(tmp_path_factory.mktemp("course"))
    release = nbformat.read(root / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(root / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    (root / "submitted" / "ana" / NAME).mkdir(parents=True)
    nbformat.write(solved(release, source), root / "submitted" / "ana" / NAME / f"{NAME}.ipynb")
    run(f"nbgrader autograde {NAME}", root)

    port, token = free_loopback_port(), secrets.token_hex(16)
    command = [re.sub(r"^--ServerApp\.port=\d+$", f"--ServerApp.port={port}", part) for part in readme_server_command()]
    command += [f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(REPO), "JUPYTER_RUNTIME_DIR": str(runtime), "OPENBLAS_NUM_THREADS": "1"}
    log = open(runtime / "server.log", "w")
    process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"jupyter server did not start:\n{(runtime / 'server.log').read_text()[-3000:]}")
            time.sleep(1)
    yield base, token
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


@pytest.fixture
def browser(tmp_path):
    binary, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chrome-profile'}")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def test_formgrader_gradebook_shows_the_assignment_out_of_10_with_extra_credit(server, browser):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, token = server
    browser.get(f"{base}/formgrader/gradebook?token={token}")
    # The table is rendered by script and may be redrawn while it is read: read it again then.
    rows = WebDriverWait(browser, 120, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda driver: [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#main-table tr")
                        if NAME in row.text] or None)
    assert browser.title == "nbgrader formgrade" and "Manual Grading" in browser.page_source
    assert len(rows) == 1 and "12 / 10" in rows[0], rows  # one perfect submission: 10 + 2 extra credit
    requests = browser.execute_script(
        "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));")
    assert requests and all(url.startswith(f"{base}/") or url.startswith("data:") for url in requests), requests
