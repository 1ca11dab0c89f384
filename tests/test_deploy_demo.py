"""`manage.py load_demo` (run by `make run`): idempotent demo user and one demo scenario per fixture."""
import io
import json
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from agents import validate_scenario
from web.models import Scenario

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "scenarios"

pytestmark = pytest.mark.django_db


def demo_files(directory: Path = FIXTURES) -> list[Path]:
    return sorted(p for p in directory.glob("*.json") if not p.name.startswith("_"))


def normalised(document: dict) -> dict:
    return validate_scenario(document).model_dump(mode="json")


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_demo_user_can_log_in_with_the_printed_password():
    load_demo("--password", "demo-twin")
    assert authenticate(username="demo", password="demo-twin") is not None


def test_every_demo_fixture_becomes_a_valid_demo_scenario():
    files = demo_files()
    assert files, "no demo scenarios in fixtures/scenarios/"
    load_demo()
    scenarios = Scenario.objects.filter(owner__username="demo")
    assert scenarios.count() == len(files)
    assert all(s.is_demo for s in scenarios)
    for scenario in scenarios:
        validate_scenario(scenario.data)
    stored = sorted(json.dumps(s.data, sort_keys=True) for s in scenarios)
    expected = sorted(json.dumps(normalised(json.loads(p.read_text(encoding="utf-8"))), sort_keys=True)
                      for p in files)
    assert stored == expected  # the validated, normalised documents (as every scenario write stores them)


def test_running_it_twice_changes_nothing():
    load_demo()
    before = list(Scenario.objects.order_by("pk").values("pk", "name", "data", "updated_at"))
    output = load_demo()
    after = list(Scenario.objects.order_by("pk").values("pk", "name", "data", "updated_at"))
    assert after == before
    assert f"{len(before)} unchanged" in output and "0 created" in output


def test_changed_and_removed_fixtures_are_applied(tmp_path):
    for path in demo_files()[:2]:
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(FIXTURES / "_tiny.json", tmp_path / "_tiny.json")
    load_demo("--fixtures", str(tmp_path))
    assert Scenario.objects.filter(owner__username="demo").count() == len(demo_files(tmp_path))

    first = demo_files(tmp_path)[0]
    data = json.loads(first.read_text(encoding="utf-8"))
    data["seed"] = data.get("seed", 0) + 1
    first.write_text(json.dumps(data), encoding="utf-8")
    removed = demo_files(tmp_path)[-1]
    if removed != first:
        removed.unlink()
    output = load_demo("--fixtures", str(tmp_path))

    assert "1 updated" in output
    assert Scenario.objects.filter(owner__username="demo").count() == len(demo_files(tmp_path))
    assert any(s.data == normalised(data) for s in Scenario.objects.filter(owner__username="demo"))


def test_underscore_fixtures_are_not_demos(tmp_path):
    shutil.copy(FIXTURES / "_tiny.json", tmp_path / "_tiny.json")
    load_demo("--fixtures", str(tmp_path))
    assert not Scenario.objects.exists()


def test_an_invalid_fixture_is_refused_with_its_field_path(tmp_path):
    data = json.loads((FIXTURES / "_tiny.json").read_text(encoding="utf-8"))
    data["horizon"]["steps"] = -5
    (tmp_path / "broken.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="horizon.steps"):
        load_demo("--fixtures", str(tmp_path))
    assert not Scenario.objects.exists()


def test_a_short_demo_password_is_refused():
    with pytest.raises(CommandError, match="at least 8"):
        load_demo("--password", "short")
