"""Create or refresh the demo user and one demo Scenario per ``fixtures/scenarios/*.json``.

Idempotent: running it again updates the password and every demo scenario whose fixture changed, and
removes demo scenarios whose fixture file is gone. Files whose name starts with ``_`` (test fixtures such
as ``_tiny.json``) are skipped. Every document is validated with ``agents.validate_scenario`` first and stored
normalised (``model_dump(mode="json")``), as every other scenario write stores it (web/scenario_services.py).
"""
import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agents import ScenarioValidationError, validate_scenario
from web.models import Scenario
from web.scenario_services import DESCRIPTION_MAX_CHARS

DEFAULT_USERNAME = "demo"
DEFAULT_PASSWORD = "demo-twin"


def demo_fixture_paths(directory: Path) -> list[Path]:
    """Scenario fixtures offered as demos: ``*.json`` not starting with ``_``, sorted by name."""
    return sorted(p for p in directory.glob("*.json") if not p.name.startswith("_"))


def demo_scenario_name(path: Path, document: dict) -> str:
    """Display name: the document's ``name`` (or its region's name), else the file stem."""
    name = document.get("name")
    if not name and isinstance(document.get("region"), dict):
        name = document["region"].get("name")
    return str(name or path.stem.replace("_", " ").title())[:200]


class Command(BaseCommand):
    help = "Create/refresh the demo user and the demo scenarios from fixtures/scenarios/*.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", DEFAULT_PASSWORD),
            help="demo password (default: $DEMO_PASSWORD or %(default)s)",
        )
        parser.add_argument(
            "--fixtures",
            default=str(Path(settings.BASE_DIR) / "fixtures" / "scenarios"),
            help="directory of scenario JSON files",
        )

    def handle(self, *args, username, password, fixtures, **options):
        if len(password) < 8:
            raise CommandError("the demo password must have at least 8 characters")
        directory = Path(fixtures)
        if not directory.is_dir():
            raise CommandError(f"no fixtures directory at {directory}")
        documents = []
        for path in demo_fixture_paths(directory):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                normalised = validate_scenario(raw).model_dump(mode="json")
            except ScenarioValidationError as exc:
                raise CommandError(f"{path} is not a valid scenario:\n{exc}") from exc
            except (OSError, ValueError) as exc:  # JSON errors are ValueError
                raise CommandError(f"{path}: {exc}") from exc
            documents.append((path, demo_scenario_name(path, raw), normalised))

        with transaction.atomic():
            user, created_user = get_user_model().objects.get_or_create(username=username)
            if created_user or not user.check_password(password):
                user.set_password(password)
                user.save()
            counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
            keep = []
            for path, name, data in documents:
                description = str(data.get("description") or f"Demo scenario from fixtures/scenarios/{path.name}")
                description = description[:DESCRIPTION_MAX_CHARS]
                existing = Scenario.objects.filter(owner=user, name=name).first()
                if existing is None:
                    existing = Scenario.objects.create(
                        owner=user, name=name, description=description, data=data, is_demo=True
                    )
                    counts["created"] += 1
                elif existing.data != data or existing.description != description or not existing.is_demo:
                    existing.data, existing.description, existing.is_demo = data, description, True
                    existing.save()
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                keep.append(existing.pk)
            removed, _ = Scenario.objects.filter(owner=user, is_demo=True).exclude(pk__in=keep).delete()
            counts["removed"] = removed
        self.stdout.write(
            f"demo user {username!r} {'created' if created_user else 'ready'}; scenarios: "
            + ", ".join(f"{value} {key}" for key, value in counts.items())
        )
