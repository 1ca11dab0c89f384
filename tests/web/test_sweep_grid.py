"""The sweep grid (web/sweep_grid.py): path resolution with field-level errors, expansion, validation of every
point, metric selection and the mean ± std aggregation. Pure functions: no database."""
import json
import math
import statistics
from pathlib import Path

import pytest

from agents import validate_scenario
from web import sweep_grid
from web.sweep_grid import GridError

TINY = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "_tiny.json"


@pytest.fixture(scope="module")
def tiny() -> dict:
    return json.loads(TINY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base(tiny) -> dict:
    return validate_scenario(tiny).model_dump(mode="json")


def locs(exc_info) -> dict[str, str]:
    return {e["loc"]: e["msg"] for e in exc_info.value.errors}


def test_paths_resolve_by_key_index_and_id(base):
    assert sweep_grid.resolve(base, "markets.carbon_price_cny_per_t") == ("markets.carbon_price_cny_per_t", 60.0)
    assert sweep_grid.resolve(base, "contracts.0.price_cny_per_mwh") == ("contracts.0.price_cny_per_mwh", 90.0)
    assert sweep_grid.resolve(base, "contracts.heat_deal.price_cny_per_mwh")[0] == "contracts.0.price_cny_per_mwh"
    loc, value = sweep_grid.resolve(base, "actors.dc_hohhot.battery.energy_capacity_mwh")
    assert loc == "actors.1.battery.energy_capacity_mwh" and value == 8.0
    loc, value = sweep_grid.resolve(base, "actors.dc_hohhot.battery")  # a whole object
    assert loc == "actors.1.battery" and value["power_capacity_mw"] == 4.0


@pytest.mark.parametrize("path, fragment", [
    ("markets.carbon_price", "unknown field 'carbon_price' in markets"),
    ("nope", "unknown field 'nope' in the scenario"),
    ("actors.nobody.it_capacity_mw", "no item with id 'nobody' in actors (ids: grid, dc_hohhot"),
    ("contracts.5.price_cny_per_mwh", "contracts has 1 items; index 5 is out of range"),
    ("markets.carbon_price_cny_per_t.x", "markets.carbon_price_cny_per_t is a value (60.0)"),
    ("", "a path is a dotted field name"),
])
def test_unknown_paths_say_why(base, path, fragment):
    with pytest.raises(ValueError, match=None) as exc:
        sweep_grid.resolve(base, path)
    assert fragment in str(exc.value)


def test_an_unknown_field_lists_the_fields_that_exist(base):
    with pytest.raises(ValueError) as exc:
        sweep_grid.resolve(base, "markets.carbon_price")
    assert "carbon_price_cny_per_t" in str(exc.value)


def test_grid_expands_every_combination_first_parameter_slowest(tiny):
    plan = sweep_grid.plan(tiny, params=[{"path": "markets.carbon_price_cny_per_t", "values": [0, 30, 90]},
                                         {"path": "contracts.0.price_cny_per_mwh", "values": [50, 150]}],
                           seeds=[4, 5])
    assert plan.total_runs == 12 and len(plan.points) == 6
    assert [tuple(p.values.values()) for p in plan.points] == [(0, 50), (0, 150), (30, 50), (30, 150), (90, 50),
                                                               (90, 150)]
    assert plan.params[1].base == 90.0 and plan.seeds == [4, 5]
    doc = sweep_grid.point_document(plan.base, [{"path": p.path, "loc": p.loc} for p in plan.params],
                                    plan.points[5].values)
    parsed = validate_scenario(doc)
    assert parsed.markets.carbon_price_cny_per_t == 90 and parsed.contracts[0].price_cny_per_mwh == 150
    assert plan.base["markets"]["carbon_price_cny_per_t"] == 60.0  # the base is not changed


def test_no_params_is_a_seed_sweep_of_the_base(tiny):
    plan = sweep_grid.plan(tiny, seeds=[1, 2, 3])
    assert len(plan.points) == 1 and plan.points[0].values == {} and plan.total_runs == 3
    assert sweep_grid.plan(tiny).seeds == [7]  # default: the scenario's seed


def test_one_at_a_time_is_the_base_then_each_value_alone(tiny):
    plan = sweep_grid.plan(tiny, mode="one_at_a_time", params=[
        {"path": "markets.carbon_price_cny_per_t", "values": [0, 120]},
        {"path": "contracts.heat_deal.price_cny_per_mwh", "values": [45]}])
    c, h = "markets.carbon_price_cny_per_t", "contracts.heat_deal.price_cny_per_mwh"
    assert [(p.varied, p.values) for p in plan.points] == [
        (None, {c: 60.0, h: 90.0}), (c, {c: 0, h: 90.0}), (c, {c: 120, h: 90.0}), (h, {c: 60.0, h: 45})]


def test_invalid_values_are_located_at_the_value_and_name_the_scenario_field(tiny):
    with pytest.raises(GridError) as exc:
        sweep_grid.plan(tiny, params=[{"path": "markets.carbon_price_cny_per_t", "values": [10, -1, "x"]}])
    errors = locs(exc)
    assert set(errors) == {"params.0.values.1", "params.0.values.2"}
    assert "markets.carbon_price_cny_per_t" in errors["params.0.values.1"]
    assert "greater than or equal to 0" in errors["params.0.values.1"]


def test_every_definition_error_is_reported_at_once(tiny):
    with pytest.raises(GridError) as exc:
        sweep_grid.plan(tiny, params=[{"path": "markets.nope", "values": [1]},
                                      {"path": "markets.carbon_price_cny_per_t", "values": []},
                                      {"path": "contracts.heat_deal.price_cny_per_mwh", "values": [1, 1]},
                                      {"path": "contracts.0.price_cny_per_mwh", "values": [2]},
                                      {"values": [1]}],
                        seeds=[1, 1], kpis=["cost"])
    errors = locs(exc)
    assert set(errors) == {"params.0.path", "params.1.values", "params.2.values", "params.3.path", "params.4",
                           "seeds", "kpis.0"}
    assert "same field as params.2.path" in errors["params.3.path"]


def test_too_many_runs_and_bad_modes_are_refused(tiny):
    with pytest.raises(GridError) as exc:
        sweep_grid.plan(tiny, params=[{"path": "markets.carbon_price_cny_per_t", "values": list(range(50))}],
                        seeds=list(range(30)), max_runs=1000)
    assert "1500 runs" in locs(exc)["params"]
    with pytest.raises(GridError) as exc:
        sweep_grid.plan(tiny, mode="random")
    assert "mode" in locs(exc)
    with pytest.raises(GridError) as exc:
        sweep_grid.plan(tiny, seeds=[-1, 2**32, True])
    assert set(locs(exc)) == {"seeds.0", "seeds.1", "seeds.2"}


def test_a_contract_is_added_and_its_errors_are_located_under_contract(tiny):
    contract = {"type": "heat_purchase", "id": "heat_deal", "seller_id": "dc_hohhot", "buyer_id": "heat_city",
                "price_cny_per_mwh": 120.0}
    plan = sweep_grid.plan(tiny, contract=contract, params=[
        {"path": "contracts.heat_deal.price_cny_per_mwh", "values": [100]}])
    assert len(plan.base["contracts"]) == 1 and plan.params[0].base == 120.0  # same id: replaced
    with pytest.raises(GridError) as exc:
        sweep_grid.plan(tiny, contract={**contract, "id": "second", "price_cny_per_mwh": -3})
    assert "contract.price_cny_per_mwh" in locs(exc)
    with pytest.raises(GridError) as exc:
        sweep_grid.plan(tiny, contract=["not", "an", "object"])
    assert "contract" in locs(exc)


def test_metric_selection_default_and_chosen():
    kpis = {"region": {"co2_t": 5.0, "pue": 1.2, "imports": {"x": 1}, "flag": True, "bad": float("nan")},
            "contracts": {"deal": {"payment_cny": 10, "parties": {"a": {"npv_cny": -3.5}}, "type": "heat"}},
            "agents": {"dc": {"energy_mwh": 7}}}
    assert sweep_grid.select_metrics(kpis, []) == {
        "region.co2_t": 5.0, "region.pue": 1.2, "region.bad": None, "contracts.deal.payment_cny": 10.0,
        "contracts.deal.parties.a.npv_cny": -3.5}
    assert sweep_grid.select_metrics(kpis, ["agents.dc.energy_mwh", "region.missing", "region.imports"]) == {
        "agents.dc.energy_mwh": 7.0, "region.missing": None, "region.imports": None}


def test_aggregation_mean_and_sample_std():
    values = [1.0, 2.0, 4.0, None]
    n, mean, std = sweep_grid.aggregate(values)
    assert n == 3 and mean == pytest.approx(7 / 3) and std == pytest.approx(statistics.stdev([1.0, 2.0, 4.0]))
    assert sweep_grid.aggregate([5.0]) == (1, 5.0, None)
    assert sweep_grid.aggregate([None, None]) == (0, None, None)
    n, mean, std = sweep_grid.aggregate([1e12 + 1, 1e12 + 3])
    assert mean == 1e12 + 2 and math.isclose(std, math.sqrt(2))
