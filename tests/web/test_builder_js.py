"""The builder's DOM-free JavaScript (web/static/web/builder.js, exports.js) under `node --test` (tests/js)."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_builder_js_unit_tests_pass_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: it is needed for the front-end assets and their tests (make setup)")
    done = subprocess.run([node, "--test", str(ROOT / "tests" / "js" / "builder.test.mjs")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout
