"""report.html is self-contained: headless Chromium draws every chart and makes no network request."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from autograder.reports.class_reports import summarise, write_class_reports
from autograder.reports.html_report import class_report_html, diagnosis_counts, pass_rates

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage")


def test_html_has_no_external_reference(class_reports, tmp_path):
    html = write_class_reports(class_reports, tmp_path).report_html.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "<script>alert(1)</script>" not in html  # student-controlled names are escaped
    assert html.count('src="data:image/svg+xml;base64,') == 3


def test_pass_rates_and_diagnoses_count_the_class(class_reports):
    summary = summarise(class_reports)
    rates = {name: rate for name, _, rate, _ in pass_rates(summary)}
    assert rates["forward::test_large_logits"] == pytest.approx(4 / 7)
    assert rates["backward::test_dout"] == 1.0  # erin's grader error is left out, not counted as a fail
    assert diagnosis_counts(summary)[0] == ("no-max-shift", 2)


def test_empty_class_still_renders():
    assert "No graded submissions" in class_report_html(summarise([]))


def _chromium():
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        browser = None
    if browser and driver:
        return browser, driver
    reason = "headless Chromium check needs selenium and the Debian packages chromium and chromium-driver " \
             "(scripts/install-system-deps --browser)"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


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
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.mark.slow
def test_report_renders_offline_in_chromium(class_reports, tmp_path, browser):
    paths = write_class_reports(class_reports, tmp_path / "out")
    browser.get(paths.report_html.resolve().as_uri())
    assert "class report" in browser.title

    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.id, i.complete, i.naturalWidth, i.naturalHeight,"
        " i.getBoundingClientRect().width]);")
    assert {image[0] for image in images} == {"score-histogram", "pass-rates", "diagnoses"}
    for name, complete, width, height, shown in images:
        assert complete and width > 100 and height > 50 and shown > 0, name

    urls = browser.execute_script(
        "return [location.href].concat(performance.getEntries().map(e => e.name)"
        ".filter(n => n.includes(':')));")
    assert all(url.startswith(("file:", "data:")) for url in urls), urls
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    assert all(url.startswith(("file:", "data:")) for url in resources), resources

    rows = browser.execute_script("return document.querySelectorAll('#students tr').length;")
    assert rows == len(class_reports) + 1
