"""The pages through Django's test client: login required, rate-limited login, ownership, editor, run start."""
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from web import scenario_services
from web.models import Run

ROOT = Path(__file__).resolve().parents[2]


def small_document(steps: int = 24) -> dict:
    directory = ROOT / "fixtures" / "scenarios"
    path = (sorted(directory.glob("_*.json")) or sorted(directory.glob("*.json"), key=lambda p: p.stat().st_size))[0]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["horizon"]["steps"] = steps
    return doc


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", password="alice-pw-12345")


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user("bob", password="bob-pw-12345")


@pytest.fixture
def alice_scenario(alice):
    return scenario_services.scenario_create(alice, name="Alice region", data=small_document())


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("name", ["scenario-list", "scenario-new", "run-list"])
def test_pages_require_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_then_login_lands_on_runs(client, alice):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pw-12345"})
    assert response.status_code == 302 and response["Location"] == reverse("run-list")


def test_login_is_throttled_per_account_and_address_with_a_clear_message(client, alice, settings):
    # web/throttle.py: the failure that reaches TWIN_LOGIN_FAILURE_LIMIT is already answered 429.
    accepted = 0
    for _ in range(settings.TWIN_LOGIN_FAILURE_LIMIT + 5):
        response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        if response.status_code == 429:
            break
        assert response.status_code == 200
        accepted += 1
    assert response.status_code == 429 and accepted == settings.TWIN_LOGIN_FAILURE_LIMIT - 1
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pw-12345"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is refused from this address
    other = client.post(reverse("login"), {"username": "alice", "password": "alice-pw-12345"},
                        REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302  # another address is not affected


def test_logout_is_a_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("run-list")).status_code == 302


def test_scenario_list_shows_own_and_demo_scenarios_demo_first(client, alice, bob, alice_scenario):
    scenario_services.scenario_create(bob, name="Bob private", data=small_document())
    scenario_services.scenario_create(bob, name="Zeta demo", data=small_document(), is_demo=True)
    client.force_login(alice)
    html = client.get(reverse("scenario-list")).content.decode()
    assert "Bob private" not in html
    assert html.index("Zeta demo") < html.index("Alice region")
    assert "24 steps" in html


def test_start_run_form_creates_a_run_with_seed_and_speed(client, alice, alice_scenario):
    client.force_login(alice)
    response = client.post(reverse("run-start"), {"scenario_id": alice_scenario.id, "seed": 42,
                                                 "speed_steps_per_s": "10"})
    run = Run.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == reverse("run-detail", args=[run.id])
    assert (run.seed, run.speed_steps_per_s, run.total_steps, run.scenario_name) == (42, 10.0, 24, "Alice region")


def test_start_run_of_someone_elses_scenario_is_404(client, bob, alice_scenario):
    client.force_login(bob)
    response = client.post(reverse("run-start"), {"scenario_id": alice_scenario.id, "seed": 1,
                                                 "speed_steps_per_s": "0"})
    assert response.status_code == 404
    assert not Run.objects.exists()


def test_start_run_without_csrf_token_is_refused(alice, alice_scenario):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("run-start"), {"scenario_id": alice_scenario.id, "seed": 1,
                                                 "speed_steps_per_s": "0"})
    assert response.status_code == 403


def test_run_page_is_only_for_the_owner(client, alice, bob, alice_scenario):
    client.force_login(alice)
    client.post(reverse("run-start"), {"scenario_id": alice_scenario.id, "seed": 1, "speed_steps_per_s": "0"})
    run = Run.objects.get(owner=alice)
    page = client.get(reverse("run-detail", args=[run.id]))
    assert page.status_code == 200
    config = json.loads(page.content.decode().split('<script id="run-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config["ws_path"] == f"/ws/runs/{run.id}/"
    assert config["api"]["control"] == f"/api/runs/{run.id}/control/"
    client.force_login(bob)
    assert client.get(reverse("run-detail", args=[run.id])).status_code == 404
    assert client.get(reverse("scenario-edit", args=[alice_scenario.id])).status_code == 404
    assert str(run.id) not in client.get(reverse("run-list")).content.decode()


def test_editor_shows_every_field_error_and_does_not_save(client, alice, alice_scenario):
    client.force_login(alice)
    doc = small_document()
    doc["horizon"]["steps"] = 0
    doc["region"]["lat"] = 123
    response = client.post(reverse("scenario-edit", args=[alice_scenario.id]),
                           {"name": "Alice region", "description": "", "document": json.dumps(doc),
                            "action": "save"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-loc="horizon.steps"' in html and 'data-loc="region.lat"' in html
    alice_scenario.refresh_from_db()
    assert alice_scenario.data["horizon"]["steps"] == 24


def test_editor_saves_a_valid_document_and_demo_scenarios_save_as_a_copy(client, alice, bob):
    demo = scenario_services.scenario_create(bob, name="Shared demo", data=small_document(), is_demo=True)
    client.force_login(alice)
    edit = client.get(reverse("scenario-edit", args=[demo.id])).content.decode()
    assert "Shared demo (copy)" in edit
    doc = small_document(12)
    response = client.post(reverse("scenario-edit", args=[demo.id]),
                           {"name": "My copy", "description": "mine", "document": json.dumps(doc),
                            "action": "save"})
    copy = alice.scenarios.get(name="My copy")
    assert response.status_code == 302 and response["Location"] == reverse("scenario-edit", args=[copy.id])
    assert copy.data["horizon"]["steps"] == 12 and not copy.is_demo
    demo.refresh_from_db()
    assert demo.data["horizon"]["steps"] == 24 and demo.owner == bob


def test_editor_reports_bad_json(client, alice):
    client.force_login(alice)
    response = client.post(reverse("scenario-new"), {"name": "x", "document": "{nope", "action": "validate"})
    assert "Not valid JSON" in response.content.decode()


def test_pages_render_in_chinese(client, alice, alice_scenario):
    client.force_login(alice)
    html = client.get(reverse("scenario-list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "选择情景" in html and "启动运行" in html and 'lang="zh-hans"' in html


def test_run_page_and_list_show_a_failed_runs_reason(client, alice):
    run = Run.objects.create(owner=alice, scenario_name="Broken", scenario_snapshot=small_document(), seed=3,
                             status=Run.Status.FAILED, total_steps=24, step=5,
                             error="worker heartbeat stopped 3 times (reaper gave up)")
    client.force_login(alice)
    page = client.get(reverse("run-detail", args=[run.id])).content.decode()
    assert "The run failed:" in page and "worker heartbeat stopped 3 times (reaper gave up)" in page
    listing = client.get(reverse("run-list")).content.decode()
    assert 'data-status="failed"' in listing and "reaper gave up" in listing and "5 / 24" in listing


def test_new_scenario_starts_from_a_valid_example_that_saves(client, alice):
    import re as _re
    from html import unescape

    client.force_login(alice)
    page = client.get(reverse("scenario-new")).content.decode()
    document = unescape(_re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', page, _re.S).group(1))
    response = client.post(reverse("scenario-new"), {"name": "From the example", "document": document,
                                                     "action": "save"})
    created = alice.scenarios.get(name="From the example")
    assert response.status_code == 302 and response["Location"] == reverse("scenario-edit", args=[created.id])
    assert created.data == scenario_services.scenario_normalised(json.loads(document))  # stored normalised


def test_every_message_is_translated_to_chinese():
    po = (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists()
    assert "#, fuzzy" not in po
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e.splitlines()[-1] or 'msgstr[0] ""' in e]
    assert untranslated == []
