"""The server's validation messages on Chinese pages: the builder's live check, the Lab's check and the editor page
answer with the common pydantic messages in Chinese (web/validation_zh.py, applied in
scenario_services.scenario_validate); English pages keep the core's words, and ``loc`` never changes."""
import copy
import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from agents import ScenarioValidationError, validate_scenario
from web import scenario_services
from web.validation_zh import localise_message

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_login(owner)
    return client


def _broken(tiny_data) -> dict:
    doc = copy.deepcopy(tiny_data)
    doc["horizon"]["steps"] = 0  # greater than or equal to 1
    doc["region"]["bogus_field"] = 1  # extra inputs
    del doc["region"]["lat"]  # field required
    return doc


def test_the_common_pydantic_messages_read_in_chinese():
    assert localise_message("Field required") == "必填字段"
    assert localise_message("Extra inputs are not permitted") == "不允许额外的字段"
    assert localise_message("Input should be greater than or equal to 1") == "取值应不小于 1"
    assert localise_message("Input should be 'pay_as_clear', 'pay_as_bid' or 'tou_tariff'") == (
        "取值应为 'pay_as_clear'、'pay_as_bid' 或 'tou_tariff'")
    assert localise_message("Input should be a valid number, unable to parse string as a number") == (
        "应为有效的数字，无法将字符串解析为数字")
    assert localise_message("'dc_x' is not a data_center of this scenario") == "'dc_x' 不是本情景中的数据中心"
    assert localise_message("something the core says") == "something the core says"


def test_builder_check_answers_in_chinese_on_a_chinese_page_and_in_english_otherwise(api, tiny_data):
    url = reverse("api-scenario-check")
    zh = api.post(url, _broken(tiny_data), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["errors"]
    en = api.post(url, _broken(tiny_data), format="json", HTTP_ACCEPT_LANGUAGE="en").json()["errors"]
    with pytest.raises(ScenarioValidationError) as core:
        validate_scenario(_broken(tiny_data))
    assert [e["loc"] for e in zh] == [e["loc"] for e in en] == [e["loc"] for e in core.value.errors]
    assert [e["msg"] for e in en] == [e["msg"] for e in core.value.errors]
    by_loc = {e["loc"]: e["msg"] for e in zh}
    assert by_loc["horizon.steps"] == "取值应不小于 1"
    assert by_loc["region.bogus_field"] == "不允许额外的字段"
    assert by_loc["region.lat"] == "必填字段"


def test_lab_check_answers_in_chinese_on_a_chinese_page(api, owner, tiny_data):
    scenario = scenario_services.scenario_create(owner, name="Tiny", data=tiny_data)
    draft = {**copy.deepcopy(tiny_data["contracts"][0]), "id": "lab_deal", "price_cny_per_mwh": -5.0, "bogus": 1}
    body = api.post("/api/lab/check/", {"scenario_id": scenario.id, "contract": draft}, format="json",
                    HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    fields = {e.get("field"): e["msg"] for e in body["errors"]}
    assert fields["price_cny_per_mwh"].startswith("取值应") and fields["bogus"] == "不允许额外的字段", body


def test_the_editor_page_lists_the_errors_in_chinese(client, owner, tiny_data):
    client.force_login(owner)
    html = client.post(reverse("scenario-new"), {"name": "x", "description": "", "action": "validate",
                                                 "document": json.dumps(_broken(tiny_data))},
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    messages = re.findall(r'<span class="err-msg">(.*?)</span>', html)
    assert messages and all(HAN.search(m) for m in messages), messages
