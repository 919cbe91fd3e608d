"""The web UI in a real browser: `dagster dev` on 127.0.0.1 over an instance with one backfilled partition,
driven by Debian's headless Chromium through Selenium. Screenshots go to the test's output folder
(SYNTH_TEST_OUTPUT, else pytest's tmp_path) so a person can look at them."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from conftest import free_port, write_tiny_landing
from prod_stack import BIN, ROOT, _stop_group, synth

pytestmark = pytest.mark.slow
PARTITION = "alpaca/2026-11-01/alpaca.json"


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/install.sh installs them)")
    work = tmp_path_factory.mktemp("browser")
    landing = write_tiny_landing(work / "landing")
    env = {**os.environ, "DAGSTER_HOME": str(work / "home"), "SYNTH_MLFLOW": "0", "SYNTH_DEPLOYMENT": "local",
           "SYNTH_DATA_ROOT": str(work / "data"), "SYNTH_LANDING": str(landing)}
    done = synth(["--data", str(work / "data"), "backfill", "--landing", str(landing), "--source", "alpaca",
                  "--no-release"], env)
    assert done.returncode == 0, done.stderr[-3000:]
    port = free_port()
    log = open(work / "dagster-dev.log", "wb")
    server = subprocess.Popen(["env", "--default-signal=INT,TERM", str(BIN / "dagster"), "dev", "-w", "workspace.yaml",
                               "-h", "127.0.0.1", "-p", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert server.poll() is None, (work / "dagster-dev.log").read_text()[-3000:]
            try:
                if requests.get(f"{url}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(1)
        else:
            pytest.fail("dagster dev did not answer within 240 s")
        yield url
    finally:
        _stop_group(server)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1600,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("SYNTH_TEST_OUTPUT") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_and_wait(browser, url: str, text: str, timeout: float = 90) -> str:
    """Load ``url`` and wait until the rendered page shows ``text``; returns the page's visible text."""
    browser.get(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = browser.find_element("tag name", "body").text
        if text in body:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{url} never showed {text!r}; it shows: {body[:1500]}")


def dismiss_popups(browser) -> None:
    """Dagster's "join the community" pop-up covers the page once per session."""
    for skip in browser.find_elements("xpath", "//button[normalize-space()='Skip']"):
        if skip.is_displayed():
            browser.execute_script("arguments[0].click();", skip)


def test_the_asset_graph_shows_every_group_and_the_catalog_every_asset(ui, browser, shots):
    # The global graph draws each group as one collapsed node: its name and its asset count.
    body = open_and_wait(browser, f"{ui}/asset-groups", "recordings")
    browser.save_screenshot(str(shots / "asset_graph.png"))
    assert all(group in body for group in ("crawl", "text", "speech", "dialogues", "recordings", "release"))
    catalog = open_and_wait(browser, f"{ui}/assets", "tts_audio")
    browser.save_screenshot(str(shots / "asset_catalog.png"))
    assert all(name in catalog for name in ("crawl_snapshot", "pseudo_labels", "instruction_dialogues", "speech_dataset"))


def test_a_partitioned_asset_lists_its_partitions(ui, browser, shots):
    open_and_wait(browser, f"{ui}/assets/pseudo_labels?view=partitions", "alpaca/2026-11-01")
    browser.save_screenshot(str(shots / "pseudo_labels_partitions.png"))


def test_a_check_result_is_shown(ui, browser, shots):
    body = open_and_wait(browser, f"{ui}/assets/pseudo_labels?view=checks", "round_trip_wer")
    browser.save_screenshot(str(shots / "pseudo_labels_checks.png"))
    assert "Passed" in body or "Succeeded" in body or "passed" in body.lower()


def test_a_materialization_shows_its_metadata_and_plot(ui, browser, shots):
    url = f"{ui}/assets/pseudo_labels?view=events&partition={quote(PARTITION, safe='')}"
    open_and_wait(browser, url, "wer_histogram")
    dismiss_popups(browser)
    # Markdown metadata is folded behind a link in its row; the plot is an image inside that Markdown.
    (show,) = browser.find_elements(
        "xpath", "//tr[.//*[normalize-space()='wer_histogram']]//*[contains(normalize-space(), 'Show Markdown')]")[-1:]
    browser.execute_script("arguments[0].click();", show)  # a script click: no pop-up can intercept it
    deadline = time.monotonic() + 30
    images = []
    while time.monotonic() < deadline and not images:
        images = [img for img in browser.find_elements("tag name", "img")
                  if (img.get_attribute("src") or "").startswith("data:image/png")]
        time.sleep(0.5)
    dismiss_popups(browser)
    browser.save_screenshot(str(shots / "pseudo_labels_materialization.png"))
    assert images, "the WER histogram's plot is drawn in the metadata panel"
    assert images[0].size["width"] > 100  # drawn, not a broken-image icon
