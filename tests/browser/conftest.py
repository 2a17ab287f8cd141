import os
import shutil

import pytest

# A populated spa (every kind of record) for the tests of the main pages.
from tests.test_every_url_survives_bad_input import world  # noqa: F401
from tests.test_no_untranslated_words import spa  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: ./test.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    """A page the size of a phone, as a technician between two clients holds it."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


AXE_VERSION = "4.10.3"
AXE_TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, fetched once from the npm registry into var/ (never committed):
    with `npm pack` if npm is here, else the registry's tarball over HTTPS."""
    import io
    import subprocess
    import tarfile
    import urllib.request
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "axe-core"
    script = folder / f"axe-{AXE_VERSION}.min.js"
    if script.exists():
        return script.read_text()
    folder.mkdir(parents=True, exist_ok=True)
    tarball, errors = None, []
    if shutil.which("npm"):
        done = subprocess.run(
            ["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", str(folder)],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        packed = folder / f"axe-core-{AXE_VERSION}.tgz"
        if done.returncode == 0 and packed.exists():
            tarball = packed.read_bytes()
            packed.unlink()
        else:
            errors.append(f"npm pack: {done.stderr.strip()[-300:]}")
    if tarball is None:
        try:
            with urllib.request.urlopen(AXE_TARBALL, timeout=60) as answer:
                tarball = answer.read()
        except OSError as error:
            errors.append(f"{AXE_TARBALL}: {error}")
    if tarball is None:
        pytest.fail("Could not fetch axe-core for the accessibility tests: " + "; ".join(errors))
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        source = archive.extractfile("package/axe.min.js").read().decode()
    script.write_text(source)
    return source
