"""Headless Chromium (Debian's chromium and chromedriver) driven by Selenium; never a downloaded browser."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_tool, tools_required

#: Chromium's switches for a quiet, offline, sandbox-less run in a container.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000")


#: The screenshot folders of this run, named in the terminal summary.
_FOLDERS: list[Path] = []


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go: SWGW_TEST_ARTIFACTS or a temporary folder (named at the end of the run either way)."""
    folder = Path(os.environ.get("SWGW_TEST_ARTIFACTS") or tempfile.mkdtemp(prefix="swgw-console-")) / "console"
    folder.mkdir(parents=True, exist_ok=True)
    _FOLDERS.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the screenshots' folder, also when every test passed (captured output is shown only on failure)."""
    for folder in _FOLDERS:
        shots = sorted(p.name for p in folder.glob("*.png"))
        terminalreporter.write_line(f"console screenshots ({len(shots)}): {folder}")


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A fresh headless Chromium session."""
    chromium = require_tool("chromium")
    chromedriver = require_tool("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        message = "selenium is not installed (pip install -e '.[test]')"
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    # A profile of its own under pytest's temporary folder: nothing left in /tmp, nothing shared between tests.
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # The explicit driver path keeps Selenium Manager from looking for (or downloading) a driver.
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
