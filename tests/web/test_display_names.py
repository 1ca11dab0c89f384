"""Scenario, run and actor names in the page's language (web/display_names.py): the Chinese names of the scenario
document (``name_zh``, ``description_zh``, actors' ``name_zh``) on Chinese pages, the English ones otherwise."""
import html
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agents import validate_scenario
from web import display_names
from web.models import Run, Scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
HOHHOT_EN = "Hohhot — liquid-cooled AI campus heating the city"
HOHHOT_ZH = "呼和浩特 — 液冷 AI 园区为城市供热"
EDWC_ZH = "东数西算 — 上海算力任务迁往呼和浩特和柴达木"
ZH, EN = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}, {"HTTP_ACCEPT_LANGUAGE": "en"}


def _doc(stem: str) -> dict:
    return json.loads((SCENARIOS / f"{stem}.json").read_text(encoding="utf-8"))


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


# ------------------------------------------------------------------------------------------- the helper


def test_pick_uses_the_chinese_text_on_chinese_pages_only():
    assert display_names.pick("Shanghai", "上海", "zh-hans") == "上海"
    assert display_names.pick("Shanghai", "上海", "en") == "Shanghai"
    assert display_names.pick("Shanghai", "", "zh-hans") == "Shanghai"
    assert display_names.pick("Shanghai", None, "zh-hans") == "Shanghai"
    with translation.override("zh-hans"):
        assert display_names.pick("Shanghai", "上海") == "上海"
    with translation.override("en"):
        assert display_names.pick("Shanghai", "上海") == "Shanghai"


def test_a_scenarios_chinese_name_applies_while_its_name_is_the_documents():
    doc = {"name": HOHHOT_EN, "name_zh": HOHHOT_ZH, "description": "English.", "description_zh": "中文。"}
    assert display_names.scenario_name(HOHHOT_EN, doc, "zh-hans") == HOHHOT_ZH
    assert display_names.scenario_name(HOHHOT_EN, doc, "en") == HOHHOT_EN
    # renamed or copied: its own name, not the translation of another one
    assert display_names.scenario_name(f"{HOHHOT_EN} (copy)", doc, "zh-hans") == f"{HOHHOT_EN} (copy)"
    assert display_names.scenario_name("Mine", None, "zh-hans") == "Mine"
    assert display_names.scenario_description("English.", doc, "zh-hans") == "中文。"
    assert display_names.scenario_description("Edited.", doc, "zh-hans") == "Edited."
    assert display_names.scenario_description("English.", doc, "en") == "English."


def test_an_actors_chinese_name_falls_back_to_its_name_then_id():
    assert display_names.actor_name({"id": "sh-grid", "name": "State Grid Shanghai (dispatch)",
                                     "name_zh": "国网上海（调度）"}, "zh-hans") == "国网上海（调度）"
    assert display_names.actor_name({"id": "sh-grid", "name": "State Grid Shanghai (dispatch)",
                                     "name_zh": "国网上海（调度）"}, "en") == "State Grid Shanghai (dispatch)"
    assert display_names.actor_name({"id": "x", "name": "X", "name_zh": ""}, "zh-hans") == "X"
    assert display_names.actor_name({"id": "x"}, "zh-hans") == "x"


def test_a_run_stores_the_chinese_name_of_its_snapshot_while_it_runs_under_the_snapshots_name():
    doc = {"name": HOHHOT_EN, "name_zh": HOHHOT_ZH}
    assert display_names.snapshot_name_zh(HOHHOT_EN, doc) == HOHHOT_ZH
    assert display_names.snapshot_name_zh("Renamed", doc) == ""
    assert display_names.snapshot_name_zh(HOHHOT_EN, {"name": HOHHOT_EN}) == ""  # a document without one
    assert display_names.snapshot_name_zh(HOHHOT_EN, None) == ""


@pytest.mark.django_db
def test_run_create_stores_the_chinese_name_and_lists_show_it_without_the_snapshot(owner):
    from web import services

    doc = _doc("qaidam_microgrid")
    run = services.run_create(owner, doc, 1)
    copy = services.run_create(owner, doc, 1, name="Qaidam — my variant")
    assert run.scenario_name_zh == "柴达木 — 光伏微电网数据中心" and copy.scenario_name_zh == ""
    listed = Run.objects.only("id", "scenario_name", "scenario_name_zh", "seed").get(pk=run.pk)
    with CaptureQueriesContext(connection) as queries:
        assert display_names.run_name(listed, "zh-hans") == "柴达木 — 光伏微电网数据中心"
        assert display_names.run_name(listed, "en") == "Qaidam — solar microgrid data center"
    assert len(queries) == 0
    assert display_names.run_name(copy, "zh-hans") == "Qaidam — my variant"


# ------------------------------------------------------------------------------------------------ pages


@pytest.fixture
def demos(tmp_path):
    """The Hohhot and East Data, West Computing fixtures loaded as demo scenarios (the loader of ``make run``)."""
    for stem in ("hohhot", "east_data_west_computing"):
        shutil.copy(SCENARIOS / f"{stem}.json", tmp_path / f"{stem}.json")
    call_command("load_demo", "--fixtures", str(tmp_path), "--password", "demo-pass-123")
    return tmp_path


@pytest.mark.django_db
def test_scenario_list_shows_chinese_names_and_descriptions_on_chinese_pages(client, owner, demos):
    client.force_login(owner)
    zh = _text(client.get("/scenarios/", **ZH))
    assert HOHHOT_ZH in zh and EDWC_ZH in zh and "中国移动呼和浩特智算中心" in zh  # name and description
    assert HOHHOT_EN not in zh
    en = _text(client.get("/scenarios/", **EN))
    assert HOHHOT_EN in en and "China Mobile's Hohhot intelligent-computing center" in en and HOHHOT_ZH not in en


@pytest.mark.django_db
def test_a_copy_of_a_demo_shows_its_own_name(client, owner, demos):
    demo = Scenario.objects.get(name=HOHHOT_EN)
    Scenario.objects.create(owner=owner, name=f"{HOHHOT_EN} (copy)", description="my notes", data=demo.data)
    client.force_login(owner)
    zh = _text(client.get("/scenarios/", **ZH))
    assert f"{HOHHOT_EN} (copy)" in zh and "my notes" in zh


@pytest.mark.django_db
def test_run_page_run_list_and_report_show_the_chinese_names(client, owner, demos):
    demo = Scenario.objects.get(name=HOHHOT_EN)
    client.force_login(owner)
    start = client.post(reverse("run-start"), {"scenario_id": demo.id, "seed": 1, "speed_steps_per_s": "1"}, **ZH)
    run = Run.objects.get()
    assert start.status_code == 302 and run.scenario_name == HOHHOT_EN  # stored as it was: the snapshot decides
    Run.objects.filter(pk=run.pk).update(status=Run.Status.CANCELLED)  # the page, not the run, is under test

    detail = _text(client.get(reverse("run-detail", kwargs={"run_id": run.id}), **ZH))
    assert f"<title>{HOHHOT_ZH} #1" in detail and f"<h1>{HOHHOT_ZH} " in detail
    screen = _text(client.get(reverse("run-screen", kwargs={"run_id": run.id}), **ZH))
    assert f"<h1>{HOHHOT_ZH}</h1>" in screen
    listing = _text(client.get(reverse("run-list"), **ZH))
    assert HOHHOT_ZH in listing and HOHHOT_EN not in listing
    report = _text(client.get(reverse("run-report", kwargs={"run_id": run.id}), **ZH))
    assert f"<h1>{HOHHOT_ZH} " in report
    assert "<td>中国移动呼和浩特智算中心</td>" in report and "<td>托克托电厂 1 号机组</td>" in report
    assert "通过热泵将 45 °C 的余热回收送入" in report  # the Chinese description
    assert 'data-status="cancelled">已取消</span>' in report  # the status in words of the page (was "Cancelled")

    detail_en = _text(client.get(reverse("run-detail", kwargs={"run_id": run.id}), **EN))
    assert f"<h1>{HOHHOT_EN} " in detail_en and HOHHOT_ZH not in detail_en
    report_en = _text(client.get(reverse("run-report", kwargs={"run_id": run.id}), **EN))
    assert "<td>China Mobile Hohhot intelligent-computing center</td>" in report_en and HOHHOT_ZH not in report_en


@pytest.mark.django_db
def test_builder_demo_picker_and_contract_lab_list_the_chinese_names(client, owner, demos):
    client.force_login(owner)
    builder = _text(client.get(reverse("scenario-new"), **ZH))
    assert f">{HOHHOT_ZH}</option>" in builder and f">{EDWC_ZH}</option>" in builder
    lab = _text(client.get(reverse("contract-lab"), **ZH))
    assert json.dumps({"name": HOHHOT_ZH})[1:-1] in lab  # in the page's json_script config
    assert f">{HOHHOT_EN}</option>" in _text(client.get(reverse("scenario-new"), **EN))


@pytest.mark.django_db
def test_compare_labels_runs_by_their_chinese_names(client, owner):
    doc = validate_scenario(_doc("hohhot")).model_dump(mode="json")
    runs = [Run.objects.create(owner=owner, scenario_name=HOHHOT_EN, scenario_name_zh=HOHHOT_ZH,
                               scenario_snapshot=doc, seed=s,
                               status=Run.Status.SUCCEEDED, kpis={"region": {"energy_mwh": float(s)}}) for s in (1, 2)]
    client.force_login(owner)
    ids = ",".join(str(r.id) for r in runs)
    payload = client.get(f"/api/compare/?runs={ids}", **ZH).json()
    assert [r["label"].split(" #")[0] for r in payload["runs"]] == [HOHHOT_ZH, HOHHOT_ZH]
    page = _text(client.get(f"{reverse('run-compare')}?runs={ids}", **ZH))
    assert f"{HOHHOT_ZH} · " in page


@pytest.mark.django_db
def test_load_demo_gives_an_existing_database_the_chinese_names(tmp_path, django_user_model):
    """A database loaded before the Chinese names: the next ``load_demo`` (``make run``) updates the documents."""
    old = {k: v for k, v in _doc("qaidam_microgrid").items() if k not in ("name_zh", "description_zh")}
    (tmp_path / "qaidam_microgrid.json").write_text(json.dumps(old), encoding="utf-8")
    call_command("load_demo", "--fixtures", str(tmp_path), "--password", "demo-pass-123")
    assert Scenario.objects.get(is_demo=True).data["name_zh"] == ""
    shutil.copy(SCENARIOS / "qaidam_microgrid.json", tmp_path / "qaidam_microgrid.json")
    call_command("load_demo", "--fixtures", str(tmp_path), "--password", "demo-pass-123")
    assert Scenario.objects.get(is_demo=True).data["name_zh"] == "柴达木 — 光伏微电网数据中心"


@pytest.mark.django_db
def test_sweeps_named_after_their_scenario_show_its_chinese_name(client, owner):
    from web.models import Sweep

    doc = validate_scenario(_doc("hohhot")).model_dump(mode="json")
    named = Sweep.objects.create(owner=owner, name=f"{HOHHOT_EN} sweep", base_snapshot=doc)
    own = Sweep.objects.create(owner=owner, name="Heat price study", base_snapshot=doc)
    client.force_login(owner)
    zh = _text(client.get(reverse("sweep-list"), **ZH))
    assert f"{HOHHOT_ZH} · 参数扫描" in zh and "Heat price study" in zh and f"{HOHHOT_EN} sweep" not in zh
    assert f"{HOHHOT_EN} sweep" in _text(client.get(reverse("sweep-list"), **EN))
    detail = _text(client.get(reverse("sweep-detail", args=[named.pk]), **ZH))
    assert f"<h1>{HOHHOT_ZH} · 参数扫描</h1>" in detail
    assert "<h1>Heat price study</h1>" in _text(client.get(reverse("sweep-detail", args=[own.pk]), **ZH))
