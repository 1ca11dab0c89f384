"""The simulation core of the compute–power–heat twin (no Django, no Celery).

    from agents import RegionModel, load_scenario
    model = RegionModel(load_scenario("fixtures/scenarios/hohhot.json"), seed=1)
    # any document, single- or multi-region (a ``regions`` key): build_model(load_scenario(path))
    model.run()
    model.kpis()
"""

from agents.checkpoint import checkpoint_dumps, checkpoint_loads
from agents.contract_eval import evaluate_contracts, kpis_with_contracts, scenario_without
from agents.contract_types import CONTRACT_CLASSES, contract_template
from agents.decisions import decision_parameters, decision_targets, runtime_actors, validate_decisions
from agents.decisions import public as decision_public
from agents.model import RegionModel
from agents.multi_region import MultiRegionModel, build_model
from agents.multi_region_scenario import (  # both accept single- and multi-region documents
    MultiRegionScenario,
    is_multi_region,
    load_scenario,
    multi_region_json_schema,
    validate_scenario,
)
from agents.outages import OUTAGE_KPIS
from agents.recording import package_versions, write_results
from agents.scenario import (
    SCHEMA_VERSION,
    Scenario,
    ScenarioValidationError,
    scenario_json_schema,
)

__all__ = [
    "CONTRACT_CLASSES",
    "OUTAGE_KPIS",
    "SCHEMA_VERSION",
    "MultiRegionModel",
    "MultiRegionScenario",
    "RegionModel",
    "Scenario",
    "ScenarioValidationError",
    "build_model",
    "checkpoint_dumps",
    "checkpoint_loads",
    "contract_template",
    "decision_parameters",
    "decision_targets",
    "decision_public",
    "evaluate_contracts",
    "is_multi_region",
    "kpis_with_contracts",
    "load_scenario",
    "multi_region_json_schema",
    "package_versions",
    "runtime_actors",
    "scenario_json_schema",
    "scenario_without",
    "validate_decisions",
    "validate_scenario",
    "write_results",
]
