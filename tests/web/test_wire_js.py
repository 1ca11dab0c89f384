"""The DOM-free wire rules of the run page (web/static/web/wire.js) under ``node --test`` (tests/js/)."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_wire_js_units_pass_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run `make setup`")
    done = subprocess.run([node, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
