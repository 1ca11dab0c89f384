"""Batteries behind a data center's meter on schedule strategies, and storage reserve offers cleared by the grid
operator (agents/actors/storage.py, agents/markets/reserve.py; docs/model.md "Storage: schedules, DC batteries
and reserve"). Tiny fixture, 72 hourly steps (three days)."""

import json

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, checkpoint_dumps, checkpoint_loads, validate_scenario

from .helpers import tiny_doc

STEPS = 72
E_MWH, P_MW = 40.0, 10.0
RESERVE = {"kind": "arbitrage", "reserve_mw": 5.0, "reserve_duration_h": 1.0, "reserve_price_cny_per_mw_h": 20.0}


def _doc(strategy=None, *, behind_meter=False, coal_mw=90.0, rule="pay_as_clear", dc_battery=None,
         workload=None) -> dict:
    """The tiny region; ``coal_mw`` 90 makes imports marginal in the evening (the forecast price varies), 40
    leaves the plants short of reserve. The DC's on-site battery is removed unless ``dc_battery`` gives its
    strategy; ``strategy`` adds a 10 MW / 40 MWh storage actor (owned by the DC behind its meter if asked)."""
    doc = tiny_doc()
    doc["horizon"]["steps"] = STEPS
    doc["actors"][3]["capacity_mw"] = coal_mw
    doc["markets"]["clearing_rule"] = rule
    dc = doc["actors"][1]
    if dc_battery is None:
        dc.pop("battery")
    else:
        dc["battery"]["strategy"] = dc_battery
    if workload is not None:
        dc["workload"] = workload
    if strategy is not None:
        doc["actors"].append({"type": "storage", "id": "bess", "name": "Battery", "lat": 40.8, "lon": 111.7,
                              "battery": {"energy_capacity_mwh": E_MWH, "power_capacity_mw": P_MW},
                              "strategy": strategy,
                              **({"owner_id": "dc_hohhot", "behind_meter": True} if behind_meter else {})})
    return doc


def _run(doc) -> RegionModel:
    m = RegionModel(validate_scenario(doc))
    m.run()
    return m


def _dc_grid(m) -> np.ndarray:
    return m.dcs.grid_power_mw(0, m.total_steps)[:, 0]


def _value_at_published_price(m, unit: int) -> float:
    """The executed power of ``unit`` valued at the published day-ahead price it planned against [CNY]."""
    fc = m.signals._day_ahead["price_cny_per_mwh"][: m.total_steps]
    price = m._dc_price_of(fc, 0, m.total_steps) if m.storage.metered[unit] else fc
    return float(-(m.storage.power[:, unit] * price).sum() * m.dt_h)


@pytest.fixture(scope="module")
def base():
    return _run(_doc())


@pytest.mark.parametrize("case", ["grid_side", "behind_meter", "on_site"])
def test_arbitrage_earns_at_least_zero_against_the_published_prices(case):
    doc = (_doc({"kind": "arbitrage"}, behind_meter=case == "behind_meter") if case != "on_site"
           else _doc(dc_battery={"kind": "arbitrage"}))
    m = _run(doc)
    st = m.storage
    assert st.scheduled and st.metered[0] == (case != "grid_side")
    assert (st.planned_revenue_cny[:, 0] >= -1e-6).all()  # every day's plan, at the published forecast
    assert st.planned_revenue_cny[:, 0].sum() > 100.0  # it trades (figures: 4,800 / 4,800 / 960 CNY)
    assert _value_at_published_price(m, 0) >= st.planned_revenue_cny[:, 0].sum() - 1e-6  # executed as planned
    if case != "grid_side":  # it is the DC's: no money of its own, its power is in the DC's grid draw
        assert m.kpis()["agents"].get("bess", {"cost_cny": 0.0})["cost_cny"] == 0.0
        assert np.allclose(_dc_grid(m), m.dcs.facility_mw[:, 0] + st.power[:, 0]
                           + m.dcs.owned_heat_pump_mw(0, STEPS)[:, 0] - m.dcs.pv_used_mw(0, STEPS)[:, 0]
                           - (m.dcs.backup_mw[:, 0] if m.dcs.backup_members.size else 0.0))


def test_behind_the_meter_arbitrage_plans_at_the_price_the_dc_pays_and_lowers_its_bill():
    """Under tou_tariff the DC pays the published TOU tariff: the battery plans at it (not at the wholesale
    forecast) and the DC's bill falls by exactly the executed value (485,124 → 425,210 CNY)."""
    plain = _run(_doc(rule="tou_tariff"))
    m = _run(_doc({"kind": "arbitrage"}, behind_meter=True, rule="tou_tariff"))
    grid_side = _run(_doc({"kind": "arbitrage"}, rule="tou_tariff"))
    assert not np.array_equal(m.storage.power[:, 0], grid_side.storage.power[:, 0])  # another price
    saved = plain.kpis()["agents"]["dc_hohhot"]["cost_cny"] - m.kpis()["agents"]["dc_hohhot"]["cost_cny"]
    value = _value_at_published_price(m, 0)
    assert value > 50_000.0
    assert saved == pytest.approx(value, rel=1e-9)


def test_dc_battery_peak_shaving_lowers_the_dc_peak_grid_draw():
    """A diurnal DC (peak 17.9 MW): a behind-the-meter peak-shaving battery takes its peak to 14.7 MW, and so
    does the same battery as the DC's on-site battery."""
    base = _run(_doc(workload="online_diurnal"))
    owned = _run(_doc({"kind": "peak_shaving", "peak_weight_cny_per_mw": 3000.0}, behind_meter=True,
                      workload="online_diurnal"))
    before, after = _dc_grid(base).max(), _dc_grid(owned).max()
    assert before - after > 2.5
    on_site = _doc(workload="online_diurnal", dc_battery={"kind": "peak_shaving", "peak_weight_cny_per_mw": 3000.0})
    on_site["actors"][1]["battery"].update(energy_capacity_mwh=E_MWH, power_capacity_mw=P_MW)
    assert _dc_grid(_run(on_site)).max() == pytest.approx(after, abs=1e-6)
    grid_side = _run(_doc({"kind": "peak_shaving", "peak_weight_cny_per_mw": 3000.0}, workload="online_diurnal"))
    assert _dc_grid(grid_side).max() == pytest.approx(before)  # a grid-side unit leaves the DC's draw alone


def test_a_shared_peak_is_shaved_per_net_load_grid_side_and_per_dc():
    """Two units behind the DC's meter and one grid-side unit share a peak_shaving spec with peak_scope shared:
    the two behind the meter shave the DC's one net load together (their summed power), the grid-side one
    the region's; several units behind one DC add up in its grid draw."""
    spec = {"kind": "peak_shaving", "peak_weight_cny_per_mw": 3000.0, "peak_scope": "shared"}
    doc = _doc(spec, behind_meter=True, workload="online_diurnal")
    doc["actors"].append({**doc["actors"][-1], "id": "bess_2", "name": "Second battery"})
    doc["actors"].append({**doc["actors"][-1], "id": "bess_grid", "name": "Grid battery"})
    for key in ("owner_id", "behind_meter"):
        doc["actors"][-1].pop(key)
    m = _run(doc)
    st = m.storage
    assert sorted(u.tolist() for _, u, _ in st.scheduled) == [[0, 1], [2]]
    grid = _dc_grid(m)
    assert np.allclose(grid, m.dcs.facility_mw[:, 0] + st.power[:, 0] + st.power[:, 1]
                       + m.dcs.owned_heat_pump_mw(0, STEPS)[:, 0] - m.dcs.pv_used_mw(0, STEPS)[:, 0])
    one = _run(_doc(spec, behind_meter=True, workload="online_diurnal"))
    assert grid.max() <= _dc_grid(one).max() + 1e-9  # two shave at least as deep as one (here: the daily mean)
    own = json.loads(json.dumps(doc))
    for actor in own["actors"][-3:]:
        actor["strategy"]["peak_scope"] = "own"
    alone = _dc_grid(_run(own))  # each shaving the DC's net load as if alone: they overshoot together
    assert alone.max() > grid.max() + 1.0, (alone.max(), grid.max())
    assert np.abs(st.power[:, 2]).max() > 1.0  # the grid-side one trades on its own


def test_storage_reserve_offer_lowers_the_shortfall_and_is_paid():
    """Coal at 40 MW leaves the plants 189 MWh short of reserve over the three days; a 5 MW offer at
    20 CNY/(MW·h) covers it: the shortfall falls to 0, the unit earns accepted × 20 × dt, the operator pays it."""
    short = _run(_doc(coal_mw=40.0))
    for behind in (False, True):
        m = _run(_doc(RESERVE, behind_meter=behind, coal_mw=40.0))
        before = short.r["reserve_shortfall_mw"].sum()
        after = m.r["reserve_shortfall_mw"].sum()
        accepted = m.storage.reserve[:, 0]
        assert before > 150.0 and after < 1e-6, (before, after)
        assert accepted.max() <= RESERVE["reserve_mw"] + 1e-12
        assert accepted.sum() == pytest.approx(m.r["storage_reserve_mw"].sum())
        assert accepted.sum() == pytest.approx(before, rel=0.05)  # about the plants' shortfall (dispatch differs)
        price = m.r["reserve_price_cny_per_mwh"]
        assert set(np.unique(price[accepted > 0])) == {20.0} and (price[accepted == 0] == 0.0).all()
        k = m.kpis()
        paid = accepted.sum() * 20.0 * m.dt_h
        assert k["agents"]["bess"]["reserve_revenue_cny"] == pytest.approx(paid)
        assert k["region"]["storage_reserve_payments_cny"] == pytest.approx(paid)
        energy = 0.0 if behind else float(
            (np.maximum(-m.storage.power[:, 0], 0.0) * m.r["wholesale_price_cny_per_mwh"]).sum() * m.dt_h)
        assert k["agents"]["bess"]["revenue_cny"] == pytest.approx(energy + paid)
        without = m.storage.reserve_revenue[:, 0].sum()
        assert m.grid.cost_cny[:, 0].sum() >= without  # the operator pays it (part of its cost)


def test_cheapest_reserve_offer_is_taken_first_and_sets_no_price_it_does_not_set():
    doc = _doc(RESERVE, coal_mw=40.0)
    doc["actors"].append({**doc["actors"][-1], "id": "bess_dear", "name": "Dear battery",
                          "strategy": {**RESERVE, "reserve_price_cny_per_mw_h": 80.0}})
    m = _run(doc)
    cheap, dear = m.storage.reserve[:, 0], m.storage.reserve[:, 1]
    price = m.r["reserve_price_cny_per_mwh"]
    assert (dear[cheap < RESERVE["reserve_mw"] - 1e-9] == 0.0).all()  # the dear one only once the cheap is full
    assert ((price == 80.0) == (dear > 0)).all() and (price[(cheap > 0) & (dear == 0)] == 20.0).all()


@pytest.mark.parametrize("doc", [_doc(RESERVE, coal_mw=40.0), _doc(RESERVE, behind_meter=True, coal_mw=40.0),
                                 _doc({**RESERVE, "kind": "peak_shaving", "peak_weight_cny_per_mw": 3000.0,
                                       "soc_min_pu": 0.1, "soc_max_pu": 0.9}, behind_meter=True),
                                 _doc(dc_battery={"kind": "tou_rule", "soc_min_pu": 0.2})],
                         ids=["reserve", "reserve_behind_meter", "peak_band_behind_meter", "on_site_tou_rule"])
def test_soc_and_power_limits_hold_every_step(doc):
    m = _run(doc)
    st = m.storage
    spec = st.scheduled[0][0]
    u = st.scheduled[0][1][0]
    r, h = spec.reserve_mw, spec.reserve_duration_h
    lo = spec.soc_min_pu * st.e_max[u] + r * h / st.eta_d[u]
    hi = spec.soc_max_pu * st.e_max[u] - r * h * st.eta_c[u]
    soc = st.soc[:, u]
    assert (soc >= lo - 1e-9).all() and (soc <= hi + 1e-9).all(), (soc.min(), soc.max(), lo, hi)
    assert (np.abs(st.power[:, u]) <= st.p_max[u] - r + 1e-9).all()
    assert np.abs(soc).max() > 0 and np.ptp(soc) > 1.0  # it moves
    # SOC follows the bucket equation step by step (no energy appears)
    before = np.concatenate([[st.soc_initial_mwh[u]], soc[:-1]])
    p = st.power[:, u]
    assert np.allclose(soc - before, np.where(p > 0, p * st.eta_c[u], p / st.eta_d[u]) * m.dt_h, atol=1e-9)
    if st.metered[u]:  # never exports through the DC
        site = m.dcs.behind_meter_mw(0, STEPS, np.array([0]))[:, 0]
        assert (-p <= site + 1e-9).all()
        assert (st.reserve[:, u] <= site + np.minimum(p, 0.0) + 1e-9).all()


@pytest.mark.parametrize("strategy", ["tou", {"kind": "tou_rule"}])
def test_a_battery_behind_the_meter_never_exports_through_the_dc(strategy):
    """A 30 MW on-site battery (the DC draws ~19 MW) and a 30 MW storage actor behind the same meter: neither
    discharges more than the site load (the rule's requests are capped at build, the schedule's per day)."""
    doc = _doc(dc_battery=strategy)
    doc["actors"][1]["battery"].update(energy_capacity_mwh=120.0, power_capacity_mw=30.0)
    doc["actors"].append({"type": "storage", "id": "bess", "name": "Battery", "lat": 40.8, "lon": 111.7,
                          "owner_id": "dc_hohhot", "behind_meter": True,
                          "battery": {"energy_capacity_mwh": 120.0, "power_capacity_mw": 30.0, "strategy": strategy}})
    m = _run(doc)
    site = m.dcs.behind_meter_mw(0, STEPS, np.array([0]))[:, 0]
    for u in range(m.storage.m):
        discharge = np.maximum(-m.storage.power[:, u], 0.0)
        assert discharge.max() > 5.0 and (discharge <= site + 1e-9).all(), u


def test_no_future_reading_a_later_forecast_leaves_the_day_unchanged():
    """Garbling the published price forecast of day 2 (steps 48–71, published at step 24) leaves days 0 and 1 of
    a behind-the-meter unit, a grid-side unit with reserve and an on-site schedule battery unchanged."""
    def doc():
        d = _doc({"kind": "arbitrage"}, behind_meter=True, coal_mw=40.0, dc_battery={"kind": "arbitrage"})
        d["actors"].append({**d["actors"][-1], "id": "bess_grid", "strategy": RESERVE})
        d["actors"][-1].pop("owner_id")
        d["actors"][-1].pop("behind_meter")
        return d

    whole = _run(doc())
    g = RegionModel(validate_scenario(doc()))
    g.signals._day_ahead["price_cny_per_mwh"][48:] += 40.0 * np.arange(24) % 200.0
    g.run()
    for name in ("power", "soc", "reserve", "reserve_revenue"):
        assert np.array_equal(getattr(g.storage, name)[:48], getattr(whole.storage, name)[:48]), name
    assert not np.array_equal(g.storage.power[48:], whole.storage.power[48:])


def test_checkpoint_resume_is_bit_identical_with_owned_batteries_and_reserve():
    doc = _doc(RESERVE, behind_meter=True, coal_mw=40.0, dc_battery={"kind": "peak_shaving",
                                                                     "peak_weight_cny_per_mw": 2000.0})
    scenario = validate_scenario(doc)
    whole = RegionModel(scenario)
    whole.run()
    for cut in (24, 31, 50):
        part = RegionModel(scenario)
        part.run(steps=cut)
        resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
        resumed.run()
        for name in ("power", "soc", "reserve", "reserve_revenue"):
            assert np.array_equal(getattr(resumed.storage, name), getattr(whole.storage, name)), (cut, name)
        assert np.array_equal(resumed.r["reserve_price_cny_per_mwh"], whole.r["reserve_price_cny_per_mwh"])
        assert resumed.kpis() == whole.kpis(), cut


def test_decisions_on_a_dc_owned_battery_take_effect_and_replay():
    from agents.decisions import runtime_actors

    doc = _doc({"kind": "arbitrage"}, behind_meter=True, coal_mw=40.0)
    doc["decision_points"] = {"events": ["day_start"]}
    scenario = validate_scenario(doc)
    assert [a.id for a in runtime_actors(scenario)] == ["bess"]
    decisions = [{"step": 24, "actor_id": "bess", "parameter": "reserve_mw", "value": 5.0},
                 {"step": 24, "actor_id": "bess", "parameter": "reserve_price_cny_per_mw_h", "value": 20.0},
                 {"step": 48, "actor_id": "bess", "parameter": "kind", "value": "peak_shaving"},
                 {"step": 48, "actor_id": "bess", "parameter": "peak_weight_cny_per_mw", "value": 3000.0}]
    base = _run(doc)
    m = RegionModel(scenario)
    m.apply_decisions(decisions)
    m.run()
    assert np.array_equal(m.storage.power[:24], base.storage.power[:24])
    assert (base.storage.reserve == 0.0).all() and m.storage.reserve[24:48, 0].sum() > 10.0
    assert m.storage.reserve[:24, 0].sum() == 0.0
    assert m.storage.specs[0].strategy.kind == "peak_shaving"
    assert _dc_grid(m)[48:].max() < _dc_grid(base)[48:].max()
    part = RegionModel(scenario)
    part.apply_decisions(decisions)
    part.run(steps=30)
    resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
    resumed.apply_decisions([d for d in decisions if d["step"] >= 30])  # the pending ones, as the run service does
    resumed.run()
    assert [d["step"] for d in resumed.decisions.applied] == [24, 24, 48, 48]
    assert np.array_equal(resumed.storage.power, m.storage.power)
    assert np.array_equal(resumed.storage.reserve, m.storage.reserve)
    assert resumed.kpis() == m.kpis()
    with pytest.raises(ScenarioValidationError) as err:
        RegionModel(scenario).apply_decisions([{"step": 24, "actor_id": "bess", "parameter": "reserve_mw",
                                                "value": 50.0}])
    assert "decisions.0" in str(err.value.errors)


def test_owned_battery_fields_are_validated():
    doc = _doc({"kind": "arbitrage"}, behind_meter=True)
    doc["actors"][-1].pop("owner_id")
    with pytest.raises(ScenarioValidationError, match="behind_meter needs owner_id"):
        validate_scenario(doc)
    with pytest.raises(ScenarioValidationError, match="offers no reserve"):
        validate_scenario(_doc(dc_battery=RESERVE))
    with pytest.raises(ScenarioValidationError):
        validate_scenario(_doc(dc_battery={"kind": "arbitrage", "soc_min_pu": 0.9, "soc_max_pu": 0.1}))
    assert validate_scenario(_doc(dc_battery="net_load")).actors[1].battery.strategy == "net_load"
    # a reserve the battery cannot hold is a field error, not a crash when the model is built (main: ValueError)
    with pytest.raises(ScenarioValidationError, match="exceeds the battery's power_capacity_mw"):
        validate_scenario(_doc({**RESERVE, "reserve_mw": 50.0}))
    with pytest.raises(ScenarioValidationError, match="does not fit in the SOC band"):
        validate_scenario(_doc({**RESERVE, "reserve_duration_h": 5.0}))
