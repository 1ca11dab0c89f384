"""The simulation core of the compute–power–heat twin (no Django, no Celery).

    from agents import RegionModel, load_scenario
    model = RegionModel(load_scenario("fixtures/scenarios/hohhot.json"), seed=1)
    model.run()
    model.kpis()
"""

from agents.checkpoint import checkpoint_dumps, checkpoint_loads
from agents.contract_eval import evaluate_contracts, kpis_with_contracts, scenario_without
from agents.contract_types import CONTRACT_CLASSES, contract_template
from agents.decisions import decision_parameters, decision_targets, runtime_actors, validate_decisions
from agents.decisions import public as decision_public
from agents.model import RegionModel
from agents.recording import package_versions, write_results
from agents.scenario import (
    SCHEMA_VERSION,
    Scenario,
    ScenarioValidationError,
    load_scenario,
    scenario_json_schema,
    validate_scenario,
)

__all__ = [
    "CONTRACT_CLASSES",
    "SCHEMA_VERSION",
    "RegionModel",
    "Scenario",
    "ScenarioValidationError",
    "checkpoint_dumps",
    "checkpoint_loads",
    "contract_template",
    "decision_parameters",
    "decision_targets",
    "decision_public",
    "evaluate_contracts",
    "kpis_with_contracts",
    "load_scenario",
    "package_versions",
    "runtime_actors",
    "scenario_json_schema",
    "scenario_without",
    "validate_decisions",
    "validate_scenario",
    "write_results",
]
