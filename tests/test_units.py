"""Every region quantity, agent quantity, KPI key and numeric scenario field resolves to a unit (agents.units)."""
import pytest

from agents import build_model, scenario_json_schema, units, validate_scenario
from agents.model import REGION_QUANTITIES
from tests.scenarios.helpers import ALL_FIXTURES, fixture_doc

SHORT_STEPS = 24  # enough for every KPI key to exist; the key set does not depend on the horizon


def numeric_fields(schema: dict) -> set[tuple[str, str]]:
    """(path, name) of every number/integer property in the JSON Schema (through $defs, anyOf, items)."""
    found: set[tuple[str, str]] = set()

    def walk(node, path: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, path)
            return
        if not isinstance(node, dict):
            return
        if node.get("type") in ("number", "integer") and path:
            found.add((path, path.rsplit(".", 1)[-1]))
        for key, value in node.items():
            if key == "properties":
                for name, sub in value.items():
                    walk(sub, f"{path}.{name}" if path else name)
            elif key == "$defs":
                for name, sub in value.items():
                    walk(sub, f"$defs.{name}")
            elif isinstance(value, (dict, list)):
                walk(value, path)

    walk(schema, "")
    return found


def test_suffixes_resolve_longest_first():
    assert units.unit_of("price_cny_per_mwh") == ("CNY/MWh", "price")
    assert units.unit_of("dc_heat_recovered_mwh") == ("MWh", "energy")
    assert units.unit_of("other_load_cooling_mw_per_c") == ("MW/°C", "sensitivity")
    assert units.unit_of("backup_co2_t_per_mwh") == ("tCO₂/MWh", "emission_factor")
    assert units.unit_of("co2_t") == ("tCO₂", "emissions")
    assert units.unit_of("carbon_price_cny_per_t") == ("CNY/t", "price")
    assert units.unit_of("worst_rocof_dc_trip_hz_per_s") == ("Hz/s", "rocof")
    assert units.unit_of("ramp_pu_per_h") == ("pu/h", "ramp")
    assert units.unit_of("pue") == ("", "ratio")
    assert units.unit_of("meets_80pct_renewable_hourly").kind == "flag"


def test_unknown_name_is_a_key_error_not_a_guess():
    with pytest.raises(KeyError, match="no unit"):
        units.unit_of("mystery_value")
    assert units.units_for(["mystery_value", "load_mw"]) == {"load_mw": {"unit": "MW", "kind": "power"}}


def test_every_region_quantity_has_a_unit():
    missing = [name for name in REGION_QUANTITIES if name not in units.units_for([name])]
    assert missing == []


def test_every_numeric_scenario_field_has_a_unit():
    missing = sorted(path for path, name in numeric_fields(scenario_json_schema())
                     if name not in units.units_for([name]))
    assert missing == []
    assert len(numeric_fields(scenario_json_schema())) > 50  # the walk reaches into $defs


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_kpi_key_and_agent_quantity_of_a_fixture_has_a_unit(name):
    doc = fixture_doc(name)
    if not doc.get("demand_response", {}).get("events"):  # DR events must lie inside the horizon
        doc["horizon"]["steps"] = min(doc["horizon"]["steps"], SHORT_STEPS)
    model = build_model(validate_scenario(doc))  # a RegionModel, or a MultiRegionModel for several regions
    model.run(SHORT_STEPS)
    kpi_keys = units.kpi_names(model.kpis())
    described = model.describe()
    missing = sorted(k for k in kpi_keys | set(described["agent_quantities"]) if k not in described["units"])
    assert missing == []
    assert set(described["region_quantities"]) <= set(described["units"])
