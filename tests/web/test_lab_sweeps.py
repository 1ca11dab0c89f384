"""The Contract Lab's sensitivity view on the sweeps API: a sweep that asks for a party's NPV (a figure against
the counterfactual, agents.kpis_with_contracts) gets it at every point, equal to a single run's."""
import copy

import pytest

from agents import RegionModel, kpis_with_contracts, validate_scenario
from web import lab, sweep_grid, sweep_services
from web.executor import embedded_pending
from web.models import Sweep, SweepPoint

pytestmark = pytest.mark.django_db(transaction=True)
NPV = "contracts.heat_deal.parties.{}.npv_cny"


@pytest.fixture
def short_tiny(tiny_data) -> dict:
    data = copy.deepcopy(tiny_data)
    data["horizon"]["steps"] = 12
    return data


def _done(wait_until, sweep_id):
    wait_until(lambda: Sweep.objects.get(pk=sweep_id).status in Sweep.FINISHED and embedded_pending() == 0,
               timeout_s=90)
    return Sweep.objects.get(pk=sweep_id)


def test_a_sweep_of_a_partys_npv_gets_the_counterfactual_figures(owner, short_tiny, wait_until):
    kpis = [NPV.format("dc_hohhot"), NPV.format("heat_city")]
    sweep = sweep_services.sweep_create(owner, short_tiny, mode="one_at_a_time", kpis=kpis, params=[
        {"path": "contracts.heat_deal.price_cny_per_mwh", "values": [60.0, 120.0]}])
    sweep = _done(wait_until, sweep.pk)
    assert sweep.status == Sweep.Status.SUCCEEDED
    rows = {r.point: r for r in SweepPoint.objects.filter(sweep=sweep)}
    assert all(v is not None for r in rows.values() for v in r.metrics.values()), [r.metrics for r in rows.values()]
    # the seller's NPV rises with the heat price, the buyer's falls
    seller = [rows[p].metrics[kpis[0]] for p in (1, 0, 2)]  # 60, base 90, 120
    buyer = [rows[p].metrics[kpis[1]] for p in (1, 0, 2)]
    assert seller == sorted(seller) and buyer == sorted(buyer, reverse=True), (seller, buyer)
    # the base point equals a single run's figures
    model = RegionModel(validate_scenario(short_tiny), seed=short_tiny["seed"])
    model.run()
    expected = kpis_with_contracts(model)["contracts"]["heat_deal"]["parties"]["dc_hohhot"]["npv_cny"]
    assert rows[0].metrics[kpis[0]] == pytest.approx(expected, rel=1e-9)


def test_the_labs_sweep_definitions_are_valid_sweeps(tiny_data):
    """What lab.js sends (a draft in the scenario, paths into it, NPV KPIs) passes the sweeps API's validation."""
    draft = {**lab.contract_templates()[0]["contract"], "seller_id": "dc_hohhot", "buyer_id": "heat_city"}
    doc, index, _ = lab.lab_document(tiny_data, draft)
    terms = lab.contract_types()["waste_heat_purchase"]["terms"]
    assert {"pricing.factor_pu", "term_years", "heat_pump.capex_cny"} <= set(terms)
    plan = sweep_grid.plan(doc, mode="grid", kpis=[NPV.replace("heat_deal", draft["id"]).format("dc_hohhot")],
                           params=[{"path": f"contracts.{index}.pricing.factor_pu", "values": [0.64, 0.8]},
                                   {"path": "actors.dc_hohhot.heat_recovery.heat_pump_capacity_mw",
                                    "values": [6.0, 12.0]}])
    assert len(plan.points) == 4
