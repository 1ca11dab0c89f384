"""Write side of scenarios: every write validates the document with ``agents.validate_scenario`` and stores the
validated, normalised document (``model_dump(mode="json")``: coerced types, defaults filled in), never the raw
one — so ``"steps": "48"`` is stored as ``48`` and every reader sees the shapes the schema promises.

Raises ``agents.ScenarioValidationError`` (``.errors`` with ``loc``/``msg``) for an invalid document.
Every create and every change adds a ``ScenarioVersion`` (numbered per scenario): list, diff and restore them.
"""
import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import get_language

from agents import ScenarioValidationError, validate_scenario

from .models import Scenario, ScenarioVersion
from .validation_zh import localise_errors

EXPORT_FORMAT = "compute-power-heat-twin/scenario"
EXPORT_FORMAT_VERSION = 1

_EDITABLE_FIELDS = ("name", "description", "data")
NAME_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 5000  # as the document's own ``description`` (agents.scenario.Scenario)


def scenario_validate(data: dict):
    """Validate a scenario document; returns the ``agents.Scenario`` or raises ``ScenarioValidationError`` — its
    messages in the active language (Chinese: web/validation_zh.py), the one place every page's errors come from."""
    try:
        return validate_scenario(data)
    except ScenarioValidationError as exc:
        localised = localise_errors(exc.errors, get_language() or "")
        if localised is exc.errors:
            raise
        raise ScenarioValidationError(localised) from exc


def scenario_normalised(data: dict) -> dict:
    """The validated document as stored: ``agents.Scenario.model_dump(mode="json")``."""
    return scenario_validate(data).model_dump(mode="json")


def _check_description(description: str) -> None:
    if len(description) > DESCRIPTION_MAX_CHARS:
        raise ValidationError({"description": [f"at most {DESCRIPTION_MAX_CHARS} characters"]})


@transaction.atomic
def scenario_create(owner, *, name: str, data: dict, description: str = "", is_demo: bool = False) -> Scenario:
    data = scenario_normalised(data)
    _check_description(description)
    scenario = Scenario(owner=owner, name=name, description=description, data=data, is_demo=is_demo)
    scenario.full_clean()
    scenario.save()
    _version_add(scenario, by=owner, note="created")
    return scenario


@transaction.atomic
def scenario_update(scenario: Scenario, *, by=None, note: str = "", **fields) -> Scenario:
    """Update ``name``, ``description`` and/or ``data`` (the document is re-validated when given)."""
    unknown = set(fields) - set(_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    if "data" in fields:
        fields["data"] = scenario_normalised(fields["data"])
    if "description" in fields:
        _check_description(fields["description"])
    changed = any(getattr(scenario, key) != value for key, value in fields.items())
    for key, value in fields.items():
        setattr(scenario, key, value)
    scenario.full_clean()
    scenario.save()
    if changed or not scenario.versions.exists():
        _version_add(scenario, by=by or scenario.owner, note=note)
    return scenario


@transaction.atomic
def scenario_delete(scenario: Scenario) -> None:
    """Delete a scenario; its runs keep their own snapshot (``Run.scenario`` becomes null)."""
    scenario.delete()


def scenario_summary(scenario) -> dict:
    """Counts of a validated ``agents.Scenario`` for the validate endpoint: actors per type, horizon, contracts
    (a multi-region scenario: its regions' names, all their actors and contracts)."""
    regions = getattr(scenario, "regions", None) or [scenario]
    by_type: dict[str, int] = {}
    for actor in scenario.actors:
        by_type[actor.type] = by_type.get(actor.type, 0) + 1
    horizon = scenario.horizon
    return {
        "name": scenario.name,
        "schema_version": scenario.schema_version,
        "region": ", ".join(r.region.name for r in regions),
        "start": horizon.start,
        "steps": horizon.steps,
        "dt_h": horizon.dt_h,
        "horizon_h": horizon.steps * horizon.dt_h,
        "actors": len(scenario.actors),
        "actors_by_type": by_type,
        "contracts": sum(len(r.contracts) for r in regions),
        "seed": scenario.seed,
    }


# Versions, clone, import/export ----------------------------------------------------------------


def _version_add(scenario: Scenario, *, by, note: str = "") -> ScenarioVersion:
    """Store the scenario's current state as its next version (inside the caller's transaction)."""
    Scenario.objects.select_for_update().filter(pk=scenario.pk).first()  # serialise numbering per scenario
    last = scenario.versions.aggregate(n=Max("number"))["n"] or 0
    return ScenarioVersion.objects.create(
        scenario=scenario, number=last + 1, name=scenario.name, description=scenario.description,
        data=copy.deepcopy(scenario.data), note=note[:200], created_by=by,
    )


def scenario_free_name(owner, base: str) -> str:
    """``base`` if the owner has no scenario of that name, else ``base (2)``, ``base (3)`` … (≤ 200 chars)."""
    base = (base.strip() or "Scenario")[:190]
    taken = set(Scenario.objects.filter(owner=owner, name__startswith=base).values_list("name", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base} ({n})" in taken:
        n += 1
    return f"{base} ({n})"


def _name_free_or_error(owner, name: str, exclude_pk: int | None = None) -> str:
    name = name.strip()
    clash = Scenario.objects.filter(owner=owner, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": [f"You already have a scenario named {name!r}."]})
    return name


@transaction.atomic
def scenario_save(owner, *, scenario: Scenario | None = None, name: str, data: dict, description: str = "",
                  note: str = "") -> Scenario:
    """Create the owner's scenario or change it (``scenario`` must be theirs); either way a new version.

    Raises ``ScenarioValidationError`` for an invalid document and ``ValidationError`` (``name``) for a name
    the owner already uses for another scenario.
    """
    if scenario is not None and scenario.owner_id != owner.id:
        raise PermissionError("only the owner can save a scenario; clone it first")
    name = _name_free_or_error(owner, name, exclude_pk=scenario.pk if scenario else None)
    if scenario is None:
        return scenario_create(owner, name=name, data=data, description=description)
    return scenario_update(scenario, by=owner, note=note, name=name, description=description, data=data)


@transaction.atomic
def scenario_restore(scenario: Scenario, *, number: int, by) -> Scenario:
    """Make version ``number`` the current document (and description) again, as a new version."""
    if scenario.owner_id != by.id:
        raise PermissionError("only the owner can restore a version")
    version = scenario.versions.get(number=number)  # ScenarioVersion.DoesNotExist for an unknown number
    return scenario_update(scenario, by=by, note=f"restored from v{number}",
                           data=copy.deepcopy(version.data), description=version.description)


@transaction.atomic
def scenario_clone(source: Scenario, *, owner, name: str = "") -> Scenario:
    """A new scenario of ``owner`` with a copy of ``source``'s document (own or demo scenarios)."""
    name = scenario_free_name(owner, name or f"{source.name} (copy)")
    clone = scenario_create(owner, name=name, data=copy.deepcopy(source.data), description=source.description)
    clone.versions.filter(number=1).update(note=f"cloned from {source.name}")
    return clone


def scenario_export(scenario: Scenario) -> dict:
    """The scenario as a self-describing JSON document that ``scenario_import`` reads back."""
    latest = scenario.versions.order_by("-number").values_list("number", flat=True).first()
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "name": scenario.name,
        "description": scenario.description,
        "version": latest,
        "data": scenario.data,
    }


@transaction.atomic
def scenario_import(owner, *, document: dict, name: str = "") -> Scenario:
    """A new scenario from an export envelope (``format`` + ``data``) or from a bare scenario document.

    The name is ``name``, else the envelope's, else the document's own ``name``; a clash gets a suffix.
    """
    if not isinstance(document, dict):
        raise ValidationError({"document": ["The file must hold a JSON object."]})
    if "format" in document:
        if document.get("format") != EXPORT_FORMAT or not isinstance(document.get("data"), dict):
            raise ValidationError({"format": [f"Not a scenario export ({EXPORT_FORMAT!r} with a data object)."]})
        data = document["data"]
        description = str(document.get("description") or "")
        name = name or str(document.get("name") or "")
    else:
        data, description = document, ""
    name = scenario_free_name(owner, name or str(data.get("name") or "Imported scenario"))
    scenario = scenario_create(owner, name=name, data=copy.deepcopy(data), description=description)
    scenario.versions.filter(number=1).update(note="imported")
    return scenario
