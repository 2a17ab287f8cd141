"""bin/debian-packages (used by ./start.sh and ./test.sh) runs apt only for packages
that are really missing, and then waits for the package lock instead of giving up."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path, *packages):
    """Run the script with apt-get replaced by a stub that records its arguments."""
    log = tmp_path / "apt.log"
    stub = tmp_path / "bin" / "apt-get"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexit 0\n')
    stub.chmod(0o755)
    sudo = tmp_path / "bin" / "sudo"  # as a non-root user would: sudo runs the stub
    sudo.write_text('#!/bin/sh\nexec "$@"\n')
    sudo.chmod(0o755)
    env = {**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        [str(ROOT / "bin" / "debian-packages"), *packages],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, calls


def test_nothing_is_run_when_every_package_is_installed(tmp_path):
    code, calls = run(tmp_path, "bash", "coreutils")
    assert code == 0 and calls == []


def test_only_the_missing_package_is_installed_and_apt_waits_for_the_lock(tmp_path):
    code, calls = run(tmp_path, "bash", "spa-no-such-package-xyz")
    assert code == 0
    assert len(calls) == 1 and "update" not in calls[0]
    assert calls[0].split()[-1] == "spa-no-such-package-xyz" and " bash" not in calls[0]
    assert "DPkg::Lock::Timeout=600" in calls[0]
