"""Invalid scenarios report every error with a readable dotted path, never a traceback."""

import json

import pytest

from agents import SCHEMA_VERSION, ScenarioValidationError, load_scenario, scenario_json_schema, validate_scenario
from agents.scenario import MIGRATIONS, migrate

from .helpers import tiny_doc, variant


def _errors(doc) -> dict[str, str]:
    with pytest.raises(ScenarioValidationError) as info:
        validate_scenario(doc)
    return {e["loc"]: e["msg"] for e in info.value.errors}


def test_tiny_fixture_is_valid():
    s = validate_scenario(tiny_doc())
    assert s.schema_version == SCHEMA_VERSION
    assert {a.type for a in s.actors} == {"grid_operator", "data_center", "heat_utility", "power_plant",
                                          "renewable_plant"}


def test_all_field_errors_are_listed_with_paths():
    doc = variant(**{"actors.1.it_capacity_mw": -3, "actors.1.cooling": "magic", "actors.3.min_load_pu": 2,
                     "horizon.dt_h": 0.5, "region.lat": 100, "markets.clearing_rule": "lottery"})
    errors = _errors(doc)
    assert {"actors.1.it_capacity_mw", "actors.1.cooling", "actors.3.min_load_pu", "horizon.dt_h", "region.lat",
            "markets.clearing_rule"} <= set(errors)
    assert "greater than 0" in errors["actors.1.it_capacity_mw"]


def test_unknown_actor_type_is_reported_at_the_actor():
    errors = _errors(variant(**{"actors.3.type": "fusion_plant"}))
    assert "actors.3" in errors and "fusion_plant" in errors["actors.3"]


def test_cross_field_errors_unique_ids_and_contract_parties():
    doc = tiny_doc()
    doc["actors"].append({"type": "data_center", "id": "grid", "name": "dup", "lat": 1, "lon": 2,
                          "it_capacity_mw": 1})
    doc["contracts"][0]["buyer_id"] = "coal_1"
    errors = _errors(doc)
    assert "duplicate id 'grid'" in errors["actors.5.id"]
    assert "not a heat_utility" in errors["contracts.0.buyer_id"]


def test_heat_recovery_needs_a_heat_utility_and_a_contract():
    doc = tiny_doc()
    doc["actors"] = [a for a in doc["actors"] if a["type"] != "heat_utility"]
    doc["contracts"] = []
    errors = _errors(doc)
    assert "heat_utility" in errors["actors.1.heat_recovery"]


def test_exactly_one_grid_operator():
    doc = tiny_doc()
    doc["actors"] = doc["actors"][1:]
    doc["contracts"][0]["seller_id"] = "dc_hohhot"
    assert "grid_operator" in _errors(doc)["actors"]


def test_extra_fields_are_rejected():
    errors = _errors(variant(**{"actors.1.it_capacity_kw": 3}))
    assert "actors.1.it_capacity_kw" in errors


def test_bad_json_file_and_missing_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ScenarioValidationError, match="not valid JSON"):
        load_scenario(bad)
    with pytest.raises(ScenarioValidationError, match="cannot read"):
        load_scenario(tmp_path / "missing.json")


def test_unsupported_schema_version():
    errors = _errors(variant(schema_version=SCHEMA_VERSION + 1))
    assert "schema_version" in errors


def test_migrations_chain_upgrades_old_documents(monkeypatch):
    # a hypothetical older version 0 → 1 migration renames a field; the chain runs before validation
    monkeypatch.setattr("agents.scenario.SCHEMA_VERSION", 1)
    doc = tiny_doc()
    doc.pop("schema_version")
    assert migrate(doc)["schema_version"] == 1
    assert MIGRATIONS == {} or all(callable(f) for f in MIGRATIONS.values())


def test_json_schema_is_exported_and_in_docs():
    from pathlib import Path

    schema = scenario_json_schema()
    assert schema["properties"]["schema_version"]["maximum"] == SCHEMA_VERSION
    dc = schema["$defs"]["DataCenter"]["properties"]
    assert "it_capacity_mw" in dc and "description" in dc["it_capacity_mw"]
    docs = Path(__file__).resolve().parents[2] / "docs" / "scenario.schema.json"
    assert json.loads(docs.read_text(encoding="utf-8")) == schema, "regenerate docs/scenario.schema.json"


def test_every_numeric_field_has_bounds_and_description():
    schema = scenario_json_schema()
    missing = []
    for def_name, definition in schema["$defs"].items():
        for field, prop in definition.get("properties", {}).items():
            if "description" not in prop and field not in ("type",):
                missing.append(f"{def_name}.{field}: description")
            options = prop.get("anyOf", [prop])
            for opt in options:
                if opt.get("type") in ("number", "integer") and "enum" not in opt and not (
                        {"minimum", "exclusiveMinimum"} & set(opt) and {"maximum", "exclusiveMaximum"} & set(opt)):
                    missing.append(f"{def_name}.{field}: bounds")
    assert missing == []


def test_field_and_reference_errors_are_reported_together():
    doc = variant(**{"actors.1.it_capacity_mw": 0, "contracts.0.buyer_id": "coal_1"})
    errors = _errors(doc)
    assert "actors.1.it_capacity_mw" in errors and "contracts.0.buyer_id" in errors


def test_unknown_weather_site():
    errors = _errors(variant(**{"region.weather_site": "atlantis"}))
    assert "atlantis" in errors["region.weather_site"]


def test_heat_pump_must_reach_the_buyer_network_supply_temperature():
    errors = _errors(variant(**{"actors.1.heat_recovery.sink_temp_c": 60.0}))
    assert "below the supply temperature" in errors["actors.1.heat_recovery.sink_temp_c"]


def test_unknown_wind_turbine_is_a_field_error_not_a_crash():
    errors = _errors(variant(**{"actors.4.turbine_type": "X-999/1"}))
    assert "unknown turbine type" in errors["actors.4.turbine_type"]


def test_heat_pump_needs_a_useful_cop():
    errors = _errors(variant(**{"actors.1.heat_recovery.carnot_efficiency": 0.05}))
    assert "COP" in errors["actors.1.heat_recovery.carnot_efficiency"]


def test_every_scenario_field_has_a_description():
    schema = scenario_json_schema()
    objects = [("Scenario", schema)] + list(schema["$defs"].items())
    missing = [
        f"{name}.{field}"
        for name, node in objects
        for field, prop in node.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert missing == []
