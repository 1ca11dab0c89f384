"""Names in the page's language: a scenario's, a run's and an actor's Chinese name on Chinese pages.

Scenario documents may carry ``name_zh`` / ``description_zh`` and each actor (and link) a ``name_zh``
(agents/scenario.py; display only, never model input). One rule everywhere: on a Chinese page the Chinese text
when the document gives one, else the English one. A scenario's Chinese name is a translation of the document's
``name``, so it applies only while the shown name is still that name: a scenario renamed or copied ("… (copy)")
shows its own name. The same rule for a run: its ``scenario_name`` against its scenario snapshot (the source of
truth of what ran), applied once when the run is created and stored as ``Run.scenario_name_zh`` beside
``scenario_name`` (list pages never read the snapshot column; the snapshot never changes).
"""
from __future__ import annotations

from django.db.models.fields.json import KT
from django.utils.translation import get_language
from django.utils.translation import gettext as _

SWEEP_SUFFIX = " sweep"  # web/sweep_services.py names a sweep "<scenario name> sweep" unless it is given a name


def is_chinese(lang: str | None = None) -> bool:
    """Whether ``lang`` (default: the active language of the request) is Chinese (``zh-hans``, ``zh``, …)."""
    return str(lang if lang is not None else (get_language() or "")).lower().startswith("zh")


def pick(text: str, text_zh: str | None, lang: str | None = None) -> str:
    """``text_zh`` on Chinese pages when it is a non-empty string, else ``text``."""
    if isinstance(text_zh, str) and text_zh.strip() and is_chinese(lang):
        return text_zh
    return text


def scenario_name(name: str, document: dict | None, lang: str | None = None) -> str:
    """The shown name of a scenario (or run) called ``name`` whose document is ``document``: its ``name_zh`` on
    Chinese pages while ``name`` is the document's own ``name``."""
    doc = document if isinstance(document, dict) else {}
    if doc.get("name") != name:
        return name
    return pick(name, doc.get("name_zh"), lang)


def scenario_description(description: str, document: dict | None, lang: str | None = None) -> str:
    """The shown description: ``description_zh`` on Chinese pages while ``description`` is the document's own."""
    doc = document if isinstance(document, dict) else {}
    if (doc.get("description") or "") != (description or ""):
        return description
    return pick(description, doc.get("description_zh"), lang)


def actor_name(actor: dict, lang: str | None = None) -> str:
    """An actor's (or link's) shown name: ``name_zh`` on Chinese pages, else ``name``, else its id."""
    if not isinstance(actor, dict):
        return ""
    name = str(actor.get("name") or actor.get("id") or "")
    return pick(name, actor.get("name_zh"), lang)


def snapshot_name_zh(name: str, snapshot: dict | None) -> str:
    """The Chinese name a run called ``name`` stores from its scenario snapshot (``Run.scenario_name_zh``): the
    snapshot's ``name_zh`` while ``name`` is the snapshot's ``name``, else "" (stored with the run, so list pages
    never read the snapshot column)."""
    doc = snapshot if isinstance(snapshot, dict) else {}
    name_zh = doc.get("name_zh")
    return name_zh[:200] if doc.get("name") == name and isinstance(name_zh, str) else ""


def run_name(run, lang: str | None = None) -> str:
    """A run's shown scenario name: its ``scenario_name_zh`` on Chinese pages when it has one."""
    return pick(run.scenario_name, getattr(run, "scenario_name_zh", ""), lang)


def with_sweep_names(queryset):
    """Sweeps annotated with their base snapshot's ``name`` and ``name_zh`` (for ``sweep_name``)."""
    return queryset.annotate(base_name=KT("base_snapshot__name"), base_name_zh=KT("base_snapshot__name_zh"))


def sweep_name(sweep, lang: str | None = None) -> str:
    """A sweep's shown name: "<Chinese scenario name> · 参数扫描" on Chinese pages while it has the name its scenario
    gave it ("<name> sweep") and the base snapshot a ``name_zh`` (``with_sweep_names`` annotations); else its name."""
    base, base_zh = getattr(sweep, "base_name", None), getattr(sweep, "base_name_zh", None)
    if base and isinstance(base_zh, str) and base_zh and is_chinese(lang) and sweep.name == f"{base}{SWEEP_SUFFIX}":
        return f"{base_zh} · {_('Sweeps')}"
    return sweep.name


def with_scenario_names(queryset):
    """Scenarios annotated with their document's ``name`` and ``name_zh`` (for ``scenario_row_name``)."""
    return queryset.annotate(document_name=KT("data__name"), document_name_zh=KT("data__name_zh"))


def scenario_row_name(scenario, lang: str | None = None) -> str:
    """A Scenario row's shown name: from ``with_scenario_names`` annotations when present, else from its document
    when loaded (a deferred document is not fetched)."""
    if hasattr(scenario, "document_name"):
        document = {"name": scenario.document_name, "name_zh": scenario.document_name_zh}
    elif "data" not in scenario.get_deferred_fields():
        document = scenario.data
    else:
        document = None
    return scenario_name(scenario.name, document, lang)
