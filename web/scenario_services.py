"""Write side of scenarios: every write validates the document with ``agents.validate_scenario`` and stores the
validated, normalised document (``model_dump(mode="json")``: coerced types, defaults filled in), never the raw
one — so ``"steps": "48"`` is stored as ``48`` and every reader sees the shapes the schema promises.

Raises ``agents.ScenarioValidationError`` (``.errors`` with ``loc``/``msg``) for an invalid document.
"""
from django.core.exceptions import ValidationError
from django.db import transaction

from agents import validate_scenario

from .models import Scenario

_EDITABLE_FIELDS = ("name", "description", "data")
NAME_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 5000  # as the document's own ``description`` (agents.scenario.Scenario)


def scenario_validate(data: dict):
    """Validate a scenario document; returns the ``agents.Scenario`` or raises ``ScenarioValidationError``."""
    return validate_scenario(data)


@transaction.atomic
def scenario_normalised(data: dict) -> dict:
    """The validated document as stored: ``agents.Scenario.model_dump(mode="json")``."""
    return scenario_validate(data).model_dump(mode="json")


def _check_description(description: str) -> None:
    if len(description) > DESCRIPTION_MAX_CHARS:
        raise ValidationError({"description": [f"at most {DESCRIPTION_MAX_CHARS} characters"]})


def scenario_create(owner, *, name: str, data: dict, description: str = "", is_demo: bool = False) -> Scenario:
    data = scenario_normalised(data)
    _check_description(description)
    scenario = Scenario(owner=owner, name=name, description=description, data=data, is_demo=is_demo)
    scenario.full_clean()
    scenario.save()
    return scenario


@transaction.atomic
def scenario_update(scenario: Scenario, **fields) -> Scenario:
    """Update ``name``, ``description`` and/or ``data`` (the document is re-validated when given)."""
    unknown = set(fields) - set(_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    if "data" in fields:
        fields["data"] = scenario_normalised(fields["data"])
    if "description" in fields:
        _check_description(fields["description"])
    for key, value in fields.items():
        setattr(scenario, key, value)
    scenario.full_clean()
    scenario.save()
    return scenario


@transaction.atomic
def scenario_delete(scenario: Scenario) -> None:
    """Delete a scenario; its runs keep their own snapshot (``Run.scenario`` becomes null)."""
    scenario.delete()


def scenario_summary(scenario) -> dict:
    """Counts of a validated ``agents.Scenario`` for the validate endpoint: actors per type, horizon, contracts."""
    by_type: dict[str, int] = {}
    for actor in scenario.actors:
        by_type[actor.type] = by_type.get(actor.type, 0) + 1
    horizon = scenario.horizon
    return {
        "name": scenario.name,
        "schema_version": scenario.schema_version,
        "region": scenario.region.name,
        "start": horizon.start,
        "steps": horizon.steps,
        "dt_h": horizon.dt_h,
        "horizon_h": horizon.steps * horizon.dt_h,
        "actors": len(scenario.actors),
        "actors_by_type": by_type,
        "contracts": len(scenario.contracts),
        "seed": scenario.seed,
    }
