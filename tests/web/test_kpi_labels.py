"""The run page labels every scalar region KPI the model returns, in English and in Chinese (web/views.py, .po)."""

import json
from pathlib import Path

from django.utils import translation

from agents import RegionModel, validate_scenario
from web.views import run_page_strings

TINY = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "_tiny.json"


def test_every_scalar_region_kpi_has_an_english_and_a_chinese_label():
    model = RegionModel(validate_scenario(json.loads(TINY.read_text(encoding="utf-8"))))
    model.run(24)
    keys = {k for k, v in model.kpis()["region"].items() if not isinstance(v, dict)}
    with translation.override("en"):
        english = run_page_strings()["kpi_labels"]
    with translation.override("zh-hans"):
        chinese = run_page_strings()["kpi_labels"]
    assert not sorted(keys - set(english)), "KPI keys without a label in web/views.py"
    untranslated = sorted(k for k in keys if chinese[k] == english[k])
    assert not untranslated, f"labels without a Chinese translation (locale/zh_Hans django.po): {untranslated}"
