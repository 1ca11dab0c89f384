"""The front end's unit tests (`node --test tests/js/`: stream, charts, map, timeline) inside pytest, so
`make test` and `make test-fast` run them. The modules are ES modules in `.js` files without a package-wide
``"type": "module"`` (classic scripts of the page stay CommonJS for Node), so Node 20 detects the syntax."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_front_end_units_pass_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Node.js (make setup installs it with npm)")
    done = subprocess.run([node, "--experimental-detect-module", "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    passed = re.search(r"^# pass (\d+)", done.stdout, re.M)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert passed and int(passed.group(1)) >= 20, done.stdout[-2000:]
