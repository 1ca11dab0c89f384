"""The operational shell: `.ci/run` is `make test`, README opens with the two commands, setup is idempotent."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_make_test_and_nothing_else():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert lines == ["#!/usr/bin/env bash", "set -euo pipefail", "make test"]
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_readme_starts_with_make_run_and_make_test():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.match(r"```\w*\n(.*?)```", text, re.S)
    assert first_block, "README.md must open with a code block"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_makefile_has_every_documented_target():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    assert {"setup", "run", "run-distributed", "test", "bench", "lint"} <= targets


def test_shell_scripts_parse():
    for script in [ROOT / ".ci" / "run", *sorted((ROOT / "scripts").glob("*.sh"))]:
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"


def test_setup_is_idempotent_and_installs_nothing_when_done():
    """Once setup has run (`make test` runs it first), running it again skips every install step."""
    for _ in range(2):
        result = subprocess.run(
            ["scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert "installing" not in result.stdout + result.stderr
    assert result.stdout.strip().endswith("[setup] ok")
