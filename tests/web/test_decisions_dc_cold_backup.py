"""A data center's cold store and backup generators decided through the REST API (agents.decisions, data-center
target ``cold_storage.*`` / ``backup.strategy.*``): listed with the decidable actors, bad decisions are 400s with
field paths, a good one continues the run and gives the CLI's results, also after a worker died and the run
resumed from its checkpoint."""
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from agents.cli import main as cli_main
from web import services
from web.models import Run

pytestmark = pytest.mark.django_db(transaction=True)

DC = "dc_hohhot"
COLD = [{"actor_id": DC, "parameter": "cold_storage.charge_quantile", "value": 0.45},
        {"actor_id": DC, "parameter": "cold_storage.discharge_quantile", "value": 0.55}]
DEAR = [{"actor_id": DC, "parameter": "backup.strategy.dr_margin_cny_per_mwh", "value": 2000.0}]


@pytest.fixture
def doc(tiny_data) -> dict:
    """The tiny Hohhot January, 48 h at the TOU tariff: dc_hohhot has a 20 MWh_th cold store and a gas engine
    offered as DR (5 MW called on day 2, 17:00–20:00, 2,400 CNY/MWh to the member); a second DC has neither."""
    tiny_data["horizon"]["steps"] = 48
    tiny_data["markets"]["clearing_rule"] = "tou_tariff"
    tiny_data["decision_points"] = {"events": ["day_start"]}
    dc = tiny_data["actors"][1]
    dc.pop("backup_generator_mw")
    dc["cold_storage"] = {"capacity_mwh_th": 20.0, "charge_mw_th": 5.0, "discharge_mw_th": 5.0}
    dc["backup"] = {"technology": "gas_engine", "capacity_mw": 10.0, "strategy": {"kind": "contingency_and_dr"}}
    plain = {k: v for k, v in dc.items() if k not in ("cold_storage", "backup", "heat_recovery")}
    tiny_data["actors"].append({**plain, "id": "dc_plain", "name": "Plain DC"})
    tiny_data["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 20000.0,
                      "baseline_method": "same_day_3_plus_2", "energy_payment_cny_per_mwh": 3000.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": [DC], "commitment_mw": [5.0],
                         "fee_share_pu": 0.2}],
        "events": [{"program_id": "p", "start": "2025-01-16T17:00", "end": "2025-01-16T20:00", "called_mw": 5.0}]}
    return tiny_data


def _unqueued(owner, data):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return services.run_create(owner, data, seed=3)


def _submit(client, run, body):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return client.post(f"/api/runs/{run.pk}/decisions/", body, format="json")


def _cli(tmp_path, doc, decisions):
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "d.json").write_text(json.dumps(decisions))
    assert cli_main([str(tmp_path / "s.json"), "--out", str(tmp_path / "cli"), "--seed", "3", "--json",
                     "--decisions", str(tmp_path / "d.json")]) == 0
    kpis = json.loads((tmp_path / "cli" / "kpis.json").read_text())
    kpis.pop("provenance")
    return kpis, (tmp_path / "cli" / "series.parquet").read_bytes()


BAD = [
    ({"actor_id": "nobody", "parameter": "cold_storage.charge_quantile", "value": 0.2}, "decisions.0.actor_id"),
    ({"actor_id": "dc_plain", "parameter": "cold_storage.charge_quantile", "value": 0.2}, "decisions.0.actor_id"),
    ({**COLD[0], "value": 1.5}, "decisions.0.cold_storage.charge_quantile"),
    ({**COLD[0], "value": "high"}, "decisions.0.cold_storage.charge_quantile"),
    ({**COLD[0], "parameter": "cold_storage.capacity_mwh_th"}, "decisions.0.parameter"),
    ({**DEAR[0], "value": -1.0}, "decisions.0.backup.strategy.dr_margin_cny_per_mwh"),
    ({**DEAR[0], "parameter": "backup.strategy.kind", "value": "always"}, "decisions.0.backup.strategy.kind"),
]


@pytest.mark.parametrize("decisions", [COLD, DEAR], ids=["cold_storage", "backup"])
def test_cold_store_and_backup_decisions_through_the_api_equal_the_cli(owner, doc, tmp_path, decisions):
    api = APIClient()
    api.force_login(owner)
    run = _unqueued(owner, doc)
    assert services.run_execute(run.pk, "w1") == "waiting"
    listed = api.get(f"/api/runs/{run.pk}/decisions/").json()
    targets = {a["id"]: a for a in listed["actors"]}
    assert set(targets) == {DC, "vpp"}  # the plain DC decides nothing
    assert targets[DC]["type"] == "data_center"
    assert targets[DC]["parameters"] == [
        "cold_storage.charge_quantile", "cold_storage.discharge_quantile", "cold_storage.min_spread_pu",
        "backup.strategy.kind", "backup.strategy.dr_margin_cny_per_mwh", "backup.strategy.dr_notice_s"]
    assert targets[DC]["strategy"] == {
        "cold_storage": {"charge_quantile": 0.33, "discharge_quantile": 0.67, "min_spread_pu": 0.05},
        "backup": {"strategy": {"kind": "contingency_and_dr", "dr_margin_cny_per_mwh": 0.0, "dr_notice_s": 3600.0}}}
    for bad, loc in BAD:
        response = _submit(api, run, {"decisions": [bad]})
        assert response.status_code == 400, (bad, response.content[:300])
        assert any(e["loc"] == loc for e in response.json()["errors"]), (loc, response.json())
    assert Run.objects.get(pk=run.pk).status == Run.Status.WAITING

    ok = _submit(api, run, {"decisions": decisions})
    assert ok.status_code == 200, ok.content
    run.refresh_from_db()
    assert run.decisions == [{**d, "step": 24} for d in decisions]
    assert services.run_execute(run.pk, "w2") == "succeeded"
    run.refresh_from_db()
    kpis, series = _cli(tmp_path, doc, run.decisions)
    assert run.kpis == kpis and Path(run.series_path).read_bytes() == series
    (tmp_path / "undecided").mkdir()
    undecided, _ = _cli(tmp_path / "undecided", doc, [])
    dc, before = run.kpis["agents"][DC], undecided["agents"][DC]
    if decisions is COLD:  # day 2 planned with the wider band: more cold from the tank, 59.9 → 69.9 MWh_th
        assert before["cold_storage_shifted_mwh_th"] == pytest.approx(59.9, abs=0.1)
        assert dc["cold_storage_shifted_mwh_th"] == pytest.approx(69.9, abs=0.1)
    else:  # offer 2,960 > 2,400 CNY/MWh: the gas engine no longer carries the DR call
        assert before["backup_energy_mwh"] == pytest.approx(15.0) and dc["backup_energy_mwh"] == 0.0


def test_a_backup_decision_survives_a_worker_killed_after_the_decision_point(owner, doc, tmp_path):
    from django.utils import timezone

    from agents import checkpoint_dumps

    api = APIClient()
    api.force_login(owner)
    run = _unqueued(owner, doc)
    assert services.run_execute(run.pk, "w1") == "waiting"
    assert _submit(api, run, {"decisions": [*DEAR, *COLD]}).status_code == 200
    assert services.run_claim(run.pk, "dies")
    model = services._build(Run.objects.get(pk=run.pk))
    model.run(steps=18)  # into the DR event
    Run.objects.filter(pk=run.pk).update(checkpoint=checkpoint_dumps(model), checkpoint_step=model.step_index,
                                         heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    assert services.run_execute(run.pk, "w3") == "succeeded"
    run.refresh_from_db()
    kpis, series = _cli(tmp_path, doc, run.decisions)
    assert run.kpis == kpis and Path(run.series_path).read_bytes() == series
