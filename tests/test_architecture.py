"""The layering of DESIGN.md holds: the core imports nothing of the web layer; no eval, no pickle."""
import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("agents", "web", "twin", "benchmarks", "scripts", "tests")
WEB_FRAMEWORKS = ("django", "channels", "channels_redis", "celery", "daphne", "rest_framework", "kombu")


def _python_files(*dirs: str) -> list[Path]:
    files = []
    for name in dirs:
        files += [p for p in (ROOT / name).rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_importing_agents_loads_no_web_framework():
    code = (
        "import json, sys\n"
        "import agents\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "agents" in loaded
    leaked = sorted(m for m in loaded if m.split(".")[0] in WEB_FRAMEWORKS)
    assert leaked == [], f"importing agents loaded {leaked}"


def test_agents_source_imports_no_web_framework():
    offenders = {}
    for path in _python_files("agents"):
        bad = sorted(m for m in _imported_modules(path) if m.split(".")[0] in WEB_FRAMEWORKS + ("web", "twin"))
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


# `manage.py simulate` is the core's own CLI (``python -m agents``) behind a Django command name.
CLI_WRAPPERS = {"web/management/commands/simulate.py": {"agents.cli"}}


def test_web_uses_the_core_only_through_its_public_package():
    offenders = {}
    for path in _python_files("web", "twin"):
        allowed = CLI_WRAPPERS.get(str(path.relative_to(ROOT)), set())
        bad = sorted(m for m in _imported_modules(path) if m.startswith("agents.") and m not in allowed)
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


def test_no_eval_exec_or_pickle_in_the_code_base():
    offenders = []
    for path in _python_files(*SOURCE_DIRS):
        if path == Path(__file__).resolve():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.id}()")
        for module in _imported_modules(path):
            if module.split(".")[0] in ("pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve"):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
        source = path.read_text(encoding="utf-8")
        if "allow_pickle=True" in source.replace(" ", ""):
            offenders.append(f"{path.relative_to(ROOT)} uses allow_pickle=True")
    assert offenders == []
