"""The ASGI application is warm when the server starts listening: the first requests do not import the views and
the model core (seconds on a loaded machine) nor build the scenario validator."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import twin.asgi
from web import services
warm = 'web.views' in sys.modules and 'web.api.views' in sys.modules and services._package_versions.cache_info().currsize
print(bool(warm))
"""


def test_asgi_application_imports_views_and_core_before_the_first_request(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "twin.settings", "TWIN_VAR_DIR": str(tmp_path), "TWIN_MODE": "distributed",
           "SECRET_KEY": "warm-up-test-" + "x" * 40, "REDIS_URL": "redis://127.0.0.1:1/0", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[0] == "True", out.stdout
