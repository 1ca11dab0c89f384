"""Sweeps end to end in embedded mode (the in-process workers), the REST API, quotas, the stream, the pages."""
import copy
import io

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from rest_framework.test import APIClient

from agents import RegionModel, validate_scenario
from web import sweep_services
from web.executor import embedded_pending
from web.models import Scenario, Sweep, SweepPoint

pytestmark = pytest.mark.django_db(transaction=True)

PRICE = "contracts.heat_deal.price_cny_per_mwh"
CARBON = "markets.carbon_price_cny_per_t"


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_login(owner)
    return client


@pytest.fixture
def short_tiny(tiny_data) -> dict:
    data = copy.deepcopy(tiny_data)
    data["horizon"]["steps"] = 12
    return data


def wait_complete(wait_until, sweep_id, timeout_s=60):
    wait_until(lambda: Sweep.objects.get(pk=sweep_id).status in Sweep.FINISHED and embedded_pending() == 0,
               timeout_s=timeout_s)
    return Sweep.objects.get(pk=sweep_id)


def reference_kpis(data, values, seed):
    doc = validate_scenario(data).model_dump(mode="json")
    for path, value in values.items():
        if path == PRICE:
            doc["contracts"][0]["price_cny_per_mwh"] = value
        elif path == CARBON:
            doc["markets"]["carbon_price_cny_per_t"] = value
    model = RegionModel(validate_scenario(doc), seed=seed)
    model.run()
    return model.kpis()


def test_an_embedded_sweep_runs_every_point_once_and_matches_single_runs(owner, short_tiny, wait_until):
    sweep = sweep_services.sweep_create(owner, short_tiny, params=[
        {"path": PRICE, "values": [60, 120]}, {"path": CARBON, "values": [0, 100]}], seeds=[1, 2],
        kpis=["region.system_cost_cny", "contracts.heat_deal.payment_cny",
              "contracts.heat_deal.parties.dc_hohhot.npv_cny"])
    assert sweep.points == 4 and sweep.total_runs == 8
    sweep = wait_complete(wait_until, sweep.pk)

    assert sweep.status == Sweep.Status.SUCCEEDED
    rows = list(SweepPoint.objects.filter(sweep=sweep))
    assert len(rows) == 8 and {r.status for r in rows} == {"succeeded"}
    assert {(r.point, r.seed) for r in rows} == {(p, s) for p in range(4) for s in (1, 2)}
    assert all(r.attempts == 0 and r.worker == "" for r in rows)
    # grid order: the first parameter varies slowest
    assert [next(r.values for r in rows if r.point == p) for p in range(4)] == [
        {PRICE: 60, CARBON: 0}, {PRICE: 60, CARBON: 100}, {PRICE: 120, CARBON: 0}, {PRICE: 120, CARBON: 100}]
    row = next(r for r in rows if r.point == 3 and r.seed == 2)
    expected = reference_kpis(short_tiny, row.values, 2)
    assert row.metrics["region.system_cost_cny"] == pytest.approx(expected["region"]["system_cost_cny"], rel=1e-12)
    assert row.kpis["contracts"]["heat_deal"]["price_cny_per_mwh"] == 120
    # the heat price doubles the payment for the same heat
    by = {(r.point, r.seed): r.metrics["contracts.heat_deal.payment_cny"] for r in rows}
    assert by[(2, 1)] == pytest.approx(2 * by[(0, 1)], rel=1e-9)
    # each row carries the contract's results against its counterfactual, as a run's kpis.json does
    assert row.kpis["contracts"]["heat_deal"]["evaluation"] == "against the counterfactual"
    npv = {(r.point, r.seed): r.metrics["contracts.heat_deal.parties.dc_hohhot.npv_cny"] for r in rows}
    assert npv[(2, 1)] > npv[(0, 1)]  # the seller gains from a higher heat price


def test_api_create_get_results_csv_parquet_and_point(api, owner, short_tiny, wait_until, drain_runs):
    scenario = Scenario.objects.create(owner=owner, name="Tiny", data=short_tiny)
    response = api.post("/api/sweeps/", {"scenario_id": scenario.pk, "params": [
        {"path": CARBON, "values": [0, 120]}], "seeds": [3, 4, 5], "kpis": ["region.co2_t", "region.system_cost_cny"]},
        format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total_runs"] == 6 and body["links"]["results"] == f"/api/sweeps/{body['id']}/results/"
    wait_complete(wait_until, body["id"])

    detail = api.get(f"/api/sweeps/{body['id']}/").json()
    assert detail["status"] == "succeeded" and detail["progress"]["succeeded"] == 6
    assert detail["progress"]["fraction"] == 1.0
    results = api.get(body["links"]["results"]).json()
    assert results["complete"] and results["params"] == [CARBON]
    assert results["kpis"] == ["region.co2_t", "region.system_cost_cny"]
    assert results["units"]["region.system_cost_cny"]["unit"] == "CNY"
    assert len(results["rows"]) == 2
    rows = {r["params"][CARBON]: r for r in results["rows"]}
    point = api.get(rows[120]["url"]).json()
    costs = [r["metrics"]["region.system_cost_cny"] for r in point["runs"]]
    assert [r["seed"] for r in point["runs"]] == [3, 4, 5]
    mean = sum(costs) / 3
    std = (sum((c - mean) ** 2 for c in costs) / 2) ** 0.5
    assert rows[120]["mean"]["region.system_cost_cny"] == pytest.approx(mean, rel=1e-12)
    assert rows[120]["std"]["region.system_cost_cny"] == pytest.approx(std, rel=1e-9, abs=1e-9)
    assert rows[120]["n"]["region.system_cost_cny"] == 3
    assert point["runs"][0]["kpis"]["region"]["co2_t"] == point["runs"][0]["metrics"]["region.co2_t"]

    csv = api.get(body["links"]["csv"])
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    table = pacsv.read_csv(io.BytesIO(b"".join(csv.streaming_content) if csv.streaming else csv.content))
    assert table.column_names[:2] == ["point", f"param:{CARBON}"]
    assert "region.system_cost_cny_mean" in table.column_names and table.num_rows == 2
    parquet = api.get(body["links"]["parquet"] + "?per=run")
    per_run = pq.read_table(io.BytesIO(parquet.content))
    assert per_run.num_rows == 6 and "seed" in per_run.column_names
    assert sorted(per_run.column("region.system_cost_cny").to_pylist()) == sorted(
        c for r in api.get(results["rows"][0]["url"]).json()["runs"] + point["runs"]
        for c in [r["metrics"]["region.system_cost_cny"]])
    listing = api.get("/api/sweeps/").json()
    assert [s["id"] for s in listing["results"]] == [body["id"]]
    assert listing["results"][0]["progress"]["succeeded"] == 6
    # a point opened as an ordinary run: its document and seed give the same KPIs
    from web.models import Run

    started = api.post(point["run_url"], {"seed": 4}, format="json")
    assert started.status_code == 201, started.json()
    run = Run.objects.get(pk=started.json()["id"])
    assert run.seed == 4 and run.scenario_snapshot["markets"]["carbon_price_cny_per_t"] == 120
    assert api.post(f"/api/sweeps/{body['id']}/points/99/run/", {}, format="json").status_code == 404


def test_others_sweeps_are_404_and_bad_grids_are_400_with_locs(api, owner, other_user, short_tiny):
    sweep = sweep_services.sweep_create(other_user, short_tiny, params=[{"path": CARBON, "values": [1]}])
    sweep_services.sweep_cancel(sweep)
    for url in (f"/api/sweeps/{sweep.pk}/", f"/api/sweeps/{sweep.pk}/results/", f"/api/sweeps/{sweep.pk}/results.csv",
                f"/api/sweeps/{sweep.pk}/points/0/", f"/api/sweeps/{sweep.pk}/results.parquet"):
        assert api.get(url).status_code == 404, url
    assert api.post(f"/api/sweeps/{sweep.pk}/cancel/").status_code == 404
    assert api.post(f"/api/sweeps/{sweep.pk}/points/0/run/", {}, format="json").status_code == 404
    assert api.get("/api/sweeps/").json()["results"] == []

    bad = api.post("/api/sweeps/", {"scenario": short_tiny, "params": [
        {"path": "markets.carbon_price", "values": [1]},
        {"path": PRICE, "values": [60, -5]},
        {"path": "actors.nobody.it_capacity_mw", "values": [1]}], "seeds": [1, "x"]}, format="json")
    assert bad.status_code == 400
    locs = {e["loc"]: e["msg"] for e in bad.json()["errors"]}
    assert "params.0.path" in locs and "carbon_price_cny_per_t" in locs["params.0.path"]
    assert "params.2.path" in locs and "nobody" in locs["params.2.path"]
    assert "seeds.1" in locs
    bad = api.post("/api/sweeps/", {"scenario": short_tiny, "params": [{"path": PRICE, "values": [60, -5]}]},
                   format="json")
    assert bad.status_code == 400
    assert [e["loc"] for e in bad.json()["errors"]] == ["params.0.values.1"]
    assert "contracts.0.price_cny_per_mwh" in bad.json()["errors"][0]["msg"]
    bad = api.post("/api/sweeps/", {"scenario": short_tiny, "contract": {
        "type": "heat_purchase", "id": "deal2", "seller_id": "dc_hohhot", "buyer_id": "nobody",
        "price_cny_per_mwh": 1}}, format="json")
    assert bad.status_code == 400
    assert any(e["loc"].startswith("contract") for e in bad.json()["errors"]), bad.json()
    assert not Sweep.objects.filter(owner=owner).exists()


def test_quotas_like_runs(api, owner, short_tiny, settings):
    settings.TWIN_QUOTA_ACTIVE_SWEEPS = 1
    settings.TWIN_SWEEP_MAX_RUNS = 4
    too_big = api.post("/api/sweeps/", {"scenario": short_tiny, "params": [{"path": CARBON, "values": [1, 2, 3]}],
                                        "seeds": [1, 2]}, format="json")
    assert too_big.status_code == 429 and too_big.json()["quota"] == "TWIN_SWEEP_MAX_RUNS"
    assert too_big.json()["used"] == 6 and too_big.json()["limit"] == 4
    huge = api.post("/api/sweeps/", {"scenario": short_tiny, "params": [  # 100^8 points: refused, never expanded
        {"path": p, "values": list(range(1, 101))} for p in (
            CARBON, PRICE, "markets.price_cap_cny_per_mwh", "markets.imports.capacity_mw",
            "markets.imports.price_cny_per_mwh", "markets.exports.capacity_mw", "markets.exports.price_cny_per_mwh",
            "actors.coal_1.capacity_mw")]}, format="json")
    assert huge.status_code == 429 and huge.json()["used"] == 100**8
    Sweep.objects.create(owner=owner, name="active", base_snapshot={}, status=Sweep.Status.RUNNING)
    second = api.post("/api/sweeps/", {"scenario": short_tiny, "seeds": [1]}, format="json")
    assert second.status_code == 429 and second.json()["quota"] == "TWIN_QUOTA_ACTIVE_SWEEPS"


def test_one_at_a_time_gives_a_base_point_and_each_value_alone(owner, short_tiny, wait_until):
    sweep = sweep_services.sweep_create(owner, short_tiny, mode="one_at_a_time", params=[
        {"path": PRICE, "values": [45, 180]}, {"path": CARBON, "values": [0]}], kpis=["region.system_cost_cny"])
    assert sweep.points == 4
    sweep = wait_complete(wait_until, sweep.pk)
    from web.sweep_selectors import sweep_results

    results = sweep_results(sweep)
    assert results["base"] == {PRICE: 90.0, CARBON: 60.0}
    assert [(r["varied"], r["params"]) for r in results["rows"]] == [
        (None, {PRICE: 90.0, CARBON: 60.0}), (PRICE, {PRICE: 45, CARBON: 60.0}), (PRICE, {PRICE: 180, CARBON: 60.0}),
        (CARBON, {PRICE: 90.0, CARBON: 0})]
    assert all(r["std"]["region.system_cost_cny"] is None for r in results["rows"])  # one seed


def test_a_failing_point_fails_alone_and_the_sweep_completes(owner, short_tiny, wait_until, monkeypatch):
    real = RegionModel.step

    def step(self):
        if self.scenario.markets.carbon_price_cny_per_t == 13:
            raise RuntimeError("broken on purpose")
        return real(self)

    monkeypatch.setattr(RegionModel, "step", step)
    sweep = sweep_services.sweep_create(owner, short_tiny, params=[{"path": CARBON, "values": [13, 14]}])
    sweep = wait_complete(wait_until, sweep.pk)
    assert sweep.status == Sweep.Status.FAILED
    rows = {r.values[CARBON]: r for r in SweepPoint.objects.filter(sweep=sweep)}
    assert rows[13].status == "failed" and "broken on purpose" in rows[13].error
    assert rows[14].status == "succeeded" and rows[14].metrics


def test_cancel_stops_the_rest(api, owner, short_tiny, wait_until):
    data = copy.deepcopy(short_tiny)
    data["horizon"]["steps"] = 48
    sweep = sweep_services.sweep_create(owner, data, seeds=list(range(40)))
    response = api.post(f"/api/sweeps/{sweep.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    wait_until(lambda: embedded_pending() == 0, timeout_s=60)
    rows = SweepPoint.objects.filter(sweep=sweep)
    assert not rows.filter(status__in=["queued", "running"]).exists()
    assert rows.filter(status="cancelled").count() >= 30
    assert api.post(f"/api/sweeps/{sweep.pk}/cancel/").status_code == 409


def test_the_reaper_requeues_a_point_whose_worker_went_silent(owner, short_tiny, settings, wait_until):
    settings.TWIN_STALE_AFTER_S = 2
    from datetime import timedelta

    from django.utils import timezone

    sweep = sweep_services.sweep_create(owner, short_tiny, seeds=[1, 2])
    wait_complete(wait_until, sweep.pk)
    row = SweepPoint.objects.get(sweep=sweep, seed=2)
    # as if a worker had claimed it and died: running, old heartbeat, no result
    Sweep.objects.filter(pk=sweep.pk).update(status=Sweep.Status.RUNNING, finished_at=None)
    SweepPoint.objects.filter(pk=row.pk).update(status="running", worker="celery@dead:1:x", metrics=None, kpis=None,
                                                heartbeat_at=timezone.now() - timedelta(seconds=10))
    assert sweep_services.point_claim(row.pk, "someone") is True  # stale: claimable (counted as an attempt)
    SweepPoint.objects.filter(pk=row.pk).update(worker="celery@dead:1:x",
                                                heartbeat_at=timezone.now() - timedelta(seconds=10))
    reaped = sweep_services.sweep_reap_stale()
    assert reaped["requeued"] == [row.pk]
    sweep = wait_complete(wait_until, sweep.pk)
    row.refresh_from_db()
    assert sweep.status == "succeeded" and row.status == "succeeded" and row.attempts == 2 and row.metrics


def test_pages_in_english_and_chinese(client, owner, short_tiny, wait_until):
    sweep = sweep_services.sweep_create(owner, short_tiny, params=[{"path": CARBON, "values": [0, 60]}],
                                        kpis=["region.system_cost_cny"])
    wait_complete(wait_until, sweep.pk)
    client.force_login(owner)
    page = client.get("/sweeps/")
    assert page.status_code == 200 and str(sweep.pk) in page.content.decode()
    detail = client.get(f"/sweeps/{sweep.pk}/").content.decode()
    table = detail[detail.index('id="sweep-results"'):]
    assert "region.system_cost_cny" in table and CARBON in table and "±" not in table  # one seed: no std
    assert "System cost" in table  # the KPI in words, its key in the header's title (web/labels.py)
    zh = client.get(f"/sweeps/{sweep.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "扫描" in zh
    assert "系统成本" in zh[zh.index('id="sweep-results"'):]


def test_openapi_documents_the_sweeps_api(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/sweeps/", "/api/sweeps/{sweep_id}/", "/api/sweeps/{sweep_id}/cancel/",
                 "/api/sweeps/{sweep_id}/results/", "/api/sweeps/{sweep_id}/results.csv",
                 "/api/sweeps/{sweep_id}/results.parquet", "/api/sweeps/{sweep_id}/points/{point}/"):
        assert path in paths, path
    post = paths["/api/sweeps/"]["post"]
    assert {"201", "400", "429"} <= set(post["responses"])


def test_the_stream_sends_the_state_then_progress_until_complete(owner, other_user, short_tiny):
    import asyncio
    import json

    from asgiref.sync import sync_to_async
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator

    from web.routing import websocket_urlpatterns

    async def scenario():
        with pytest.MonkeyPatch.context() as mp:  # created without sending its tasks: the test starts them
            mp.setattr(sweep_services, "_enqueue_points", lambda *a, **k: None)
            sweep = await sync_to_async(sweep_services.sweep_create)(owner, short_tiny, seeds=[1, 2, 3])
        stranger = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/sweeps/{sweep.pk}/")
        stranger.scope["user"] = other_user
        await stranger.connect(timeout=30)
        assert (await stranger.receive_output(timeout=30))["type"] == "websocket.close"
        comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/sweeps/{sweep.pk}/")
        comm.scope["user"] = owner
        connected, _ = await comm.connect(timeout=30)
        assert connected
        first = json.loads(await comm.receive_from(timeout=30))
        assert first["type"] == "sweep.progress" and first["sweep"]["status"] == "queued"
        assert first["sweep"]["progress"]["queued"] == 3
        await sync_to_async(sweep_services._enqueue_points)(sweep.pk)
        seen = []
        while not seen or seen[-1]["status"] not in ("succeeded", "failed"):
            seen.append(json.loads(await comm.receive_from(timeout=30))["sweep"])
        assert seen[-1]["status"] == "succeeded" and seen[-1]["progress"]["succeeded"] == 3
        assert max(s["progress"]["finished"] for s in seen) == 3
        await comm.disconnect(timeout=30)
        await asyncio.sleep(0)

    asyncio.run(scenario())


def test_manage_py_sweep_runs_on_the_embedded_workers_and_prints_the_table(short_tiny, tmp_path, capsys):
    import json

    from django.core.management import CommandError, call_command

    scenario = tmp_path / "tiny.json"
    scenario.write_text(json.dumps(short_tiny), encoding="utf-8")
    contract = tmp_path / "deal.json"
    contract.write_text(json.dumps({"type": "heat_purchase", "id": "heat_deal", "seller_id": "dc_hohhot",
                                    "buyer_id": "heat_city", "price_cny_per_mwh": 50}), encoding="utf-8")
    out_csv = tmp_path / "out.csv"
    call_command("sweep", str(scenario), "--param", "contracts.heat_deal.price_cny_per_mwh=50,100",
                 "--seeds", "1,2", "--contract", str(contract), "--kpi", "contracts.heat_deal.payment_cny",
                 "--csv", str(out_csv))
    captured = capsys.readouterr()
    assert "succeeded" in captured.out and "contracts.heat_deal.payment_cny [CNY]" in captured.out
    assert "4/4" in captured.err  # the progress bar reached the end
    sweep = Sweep.objects.get()
    assert sweep.contract["price_cny_per_mwh"] == 50 and sweep.params[0]["base"] == 50
    assert SweepPoint.objects.filter(sweep=sweep, status="succeeded").count() == 4
    assert out_csv.read_text().count("\n") == 3
    with pytest.raises(CommandError, match="params.0.path"):
        call_command("sweep", str(scenario), "--param", "markets.nope=1,2")


def test_finished_sweeps_are_pruned_after_the_retention(owner, short_tiny):
    from datetime import timedelta

    from django.utils import timezone

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep_services, "_enqueue_points", lambda *a, **k: None)
        old = sweep_services.sweep_create(owner, short_tiny, seeds=[1])
        active = sweep_services.sweep_create(owner, short_tiny, seeds=[2])
    sweep_services.sweep_cancel(old)
    Sweep.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=40))
    assert sweep_services.sweep_prune(retention_days=30) == [str(old.pk)]
    assert not SweepPoint.objects.filter(sweep_id=old.pk).exists()
    assert Sweep.objects.filter(pk=active.pk).exists()
    assert sweep_services.sweep_prune(retention_days=0) == []


def test_a_worker_over_its_memory_limit_fails_its_point_with_the_reason(owner, short_tiny):
    from django.utils import timezone

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep_services, "_enqueue_points", lambda *a, **k: None)
        sweep = sweep_services.sweep_create(owner, short_tiny, seeds=[1, 2])
    held, other = SweepPoint.objects.filter(sweep=sweep).order_by("seed")
    SweepPoint.objects.filter(pk=held.pk).update(status="running", worker="celery@h:42:MainThread",
                                                 heartbeat_at=timezone.now())
    SweepPoint.objects.filter(pk=other.pk).update(status="running", worker="celery@h:43:MainThread",
                                                  heartbeat_at=timezone.now())
    assert sweep_services.sweep_fail_over_memory("celery@h:42:", rss_bytes=5e9, limit_bytes=4e9) == [held.pk]
    held.refresh_from_db()
    other.refresh_from_db()
    assert held.status == "failed" and "TWIN_WORKER_MEMORY_LIMIT_BYTES" in held.error and "5000 MB" in held.error
    assert other.status == "running"


MALFORMED = [
    {}, [], "x", {"scenario": []}, {"scenario_id": "a"}, {"scenario_id": 999999},
    {"scenario": {}}, {"scenario": {"name": 5}},
    {"scenario": "TINY", "params": "x"}, {"scenario": "TINY", "params": {"path": "a"}},
    {"scenario": "TINY", "params": [1, None, "x"]}, {"scenario": "TINY", "params": [{"path": 5, "values": [1]}]},
    {"scenario": "TINY", "params": [{"path": "markets", "values": 3}]},
    {"scenario": "TINY", "params": [{"path": "markets", "values": [{"a": 1}]}]},
    {"scenario": "TINY", "params": [{"path": "actors.0", "values": [None]}]},
    {"scenario": "TINY", "params": [{"path": "horizon.steps", "values": [10**30]}]},
    {"scenario": "TINY", "params": [{"path": "horizon.steps", "values": [10**9]}]},
    {"scenario": "TINY", "seeds": {"a": 1}}, {"scenario": "TINY", "seeds": [1.5]},
    {"scenario": "TINY", "kpis": 3}, {"scenario": "TINY", "kpis": [None]},
    {"scenario": "TINY", "contract": "x"}, {"scenario": "TINY", "contract": {"type": "nope"}},
    {"scenario": "TINY", "mode": 5}, {"scenario": "TINY", "name": {"x": 1}},
]


def test_malformed_sweep_requests_are_400_or_404_never_500(api, short_tiny):
    import json

    for body in MALFORMED:
        text = json.dumps(body).replace('"TINY"', json.dumps(short_tiny))
        response = api.post("/api/sweeps/", text, content_type="application/json")
        assert response.status_code in (400, 404), (body, response.status_code, response.content[:500])
        if response.status_code == 400:
            assert all(set(e) == {"loc", "msg"} for e in response.json()["errors"]), body
    assert not Sweep.objects.exists()


def test_queued_points_whose_messages_were_lost_are_sent_again(owner, short_tiny, settings, wait_until):
    from datetime import timedelta

    from django.utils import timezone

    settings.TWIN_STALE_AFTER_S = 5  # (stale = older than 5 s; the test ages the sweep by 10 s. With 2 s, a loaded
    # machine taking 2 s from sweep_create to the first reap made "sent just now" already stale.)
    with pytest.MonkeyPatch.context() as mp:  # the messages are lost: nothing reaches the pool
        mp.setattr(sweep_services, "_enqueue_points", lambda *a, **k: None)
        sweep = sweep_services.sweep_create(owner, short_tiny, seeds=[1, 2])
    assert sweep_services.sweep_reap_stale()["resent"] == []  # sent just now: not yet
    Sweep.objects.filter(pk=sweep.pk).update(enqueued_at=timezone.now() - timedelta(seconds=10))
    from web import executor

    with pytest.MonkeyPatch.context() as mp:  # messages still waiting behind other work: not sent twice
        mp.setattr(executor, "queued_messages", lambda: 2)
        assert sweep_services.sweep_reap_stale()["resent"] == []
    assert sweep_services.sweep_reap_stale()["resent"] == [str(sweep.pk)]
    sweep = wait_complete(wait_until, sweep.pk)
    assert sweep.status == "succeeded"
    assert sweep_services.sweep_reap_stale()["resent"] == []  # finished: never again


def test_a_multi_region_scenario_sweeps_like_a_single_region_one(owner, tiny_data, wait_until):
    """A sweep point of a multi-region document builds a MultiRegionModel (agents.build_model): a link's
    capacity swept from 0.5 to 5 MW moves more work over the wider link, and a point equals its single run."""
    from agents import build_model
    from tests.web.test_multi_region_runs import two_regions

    doc = two_regions(tiny_data)
    doc["horizon"] = {**doc["horizon"], "steps": 24}
    doc["regions"][0]["markets"]["carbon_price_cny_per_t"] = 300.0  # east dearer than west: work moves west
    doc["regions"][1]["markets"]["carbon_price_cny_per_t"] = 0.0
    sweep = sweep_services.sweep_create(owner, doc, params=[{"path": "links.e-w.work_capacity_mw",
                                                             "values": [0.5, 5]}], seeds=[4])
    sweep = wait_complete(wait_until, sweep.pk)
    assert sweep.status == Sweep.Status.SUCCEEDED
    rows = {r.point: r for r in SweepPoint.objects.filter(sweep=sweep)}
    assert {r.status for r in rows.values()} == {"succeeded"}
    moved = {p: r.kpis["migration"]["links"]["e-w"]["moved_it_mwh"] for p, r in rows.items()}
    assert 0.0 < moved[0] < moved[1]
    expected = copy.deepcopy(doc)
    expected["links"][0]["work_capacity_mw"] = 5.0
    model = build_model(validate_scenario(expected), seed=4)
    model.run()
    assert rows[1].kpis["region"]["system_cost_cny"] == pytest.approx(model.kpis()["region"]["system_cost_cny"],
                                                                     rel=1e-12)
