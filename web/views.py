"""Pages: login, scenarios (pick, edit), runs (list, live run page). Thin: services and selectors do the work."""
import json
import math
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agents import ScenarioValidationError, units
from web import builder_schema, display_names, geo, labels, scenario_services, selectors, services, twin
from web.api import builder_views as builder_api
from web.api import exports
from web.forms import RunStartForm, ScenarioForm
from web.jsonlimits import MAX_DB_INT
from web.models import Run, Scenario
from web.quotas import QuotaExceeded

STARTER_FIXTURE = "_tiny.json"
RUN_LIST_LIMIT = 200
ACTOR_TYPE_LABELS = {  # plural-aware with the count: "1 data center", "3 data centers"
    "data_center": ngettext_lazy("%(n)s data center", "%(n)s data centers", "n"),
    "heat_utility": ngettext_lazy("%(n)s heat utility", "%(n)s heat utilities", "n"),
    "grid_operator": ngettext_lazy("%(n)s grid operator", "%(n)s grid operators", "n"),
    "renewable_plant": ngettext_lazy("%(n)s renewable plant", "%(n)s renewable plants", "n"),
    "power_plant": ngettext_lazy("%(n)s power plant", "%(n)s power plants", "n"),
    "storage": ngettext_lazy("%(n)s storage unit", "%(n)s storage units", "n"),
    "aggregator": ngettext_lazy("%(n)s aggregator", "%(n)s aggregators", "n"),
}


def scenario_summary(data: dict) -> dict:
    """Region name, agent count, horizon and default seed of a scenario document (for the list)."""
    return _summary_shown(scenario_facts(data))


def _summary_shown(facts: dict) -> dict:
    """The summary with its agent counts as translated, plural-aware labels (in the request's language)."""
    shown = {**facts, "agent_types": [_actor_count(kind, n) for kind, n in facts["agent_types"]]}
    if facts.get("region_zh") and (get_language() or "").lower().startswith("zh"):
        shown["region"] = facts["region_zh"]  # the regions' Chinese names (region.name_zh) on Chinese pages
    return shown


def _region_name(region: dict, fallback: str = "") -> str:
    """A region's name in the request's language: its ``name_zh`` on Chinese pages when it has one."""
    if region.get("name_zh") and (get_language() or "").lower().startswith("zh"):
        return str(region["name_zh"])
    return str(region.get("name", fallback))


def scenario_facts(data: dict) -> dict:
    """``scenario_summary`` before translation (agent types as ``(type, count)``): cached per scenario version."""
    region = data.get("region") if isinstance(data.get("region"), dict) else {}
    horizon = data.get("horizon") if isinstance(data.get("horizon"), dict) else {}
    # Stored documents are normalised (web/scenario_services.py); rows saved raw before that still render.
    steps = _number(horizon.get("steps"), 0)
    dt_h = _number(horizon.get("dt_h"), 1.0)
    actors = geo.scenario_actors(data)  # of every region of a multi-region document
    if isinstance(data.get("regions"), list):
        bodies = [(b.get("region") or {}, b.get("id", "")) for b in geo.scenario_regions(data)]
        region = {"name": ", ".join(str(r.get("name", i)) for r, i in bodies),
                  "name_zh": "、".join(str(r.get("name_zh") or r.get("name", i)) for r, i in bodies)
                  if any(r.get("name_zh") for r, _i in bodies) else ""}
    by_type: dict[str, int] = {}
    for actor in actors:
        kind = actor.get("type", "") if isinstance(actor, dict) else ""
        by_type[kind] = by_type.get(kind, 0) + 1
    return {
        # the document's names (display_names: its Chinese ones apply while the row shows the document's own)
        **{key: data.get(key) or "" for key in ("name", "name_zh", "description", "description_zh")},
        "region": region.get("name", ""),
        "region_zh": region.get("name_zh", ""),
        "agents": len(actors),
        "agent_types": sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])),
        "steps": int(steps),
        "dt_h": dt_h,
        "horizon_h": steps * dt_h,
        "start": horizon.get("start", ""),
        "seed": data.get("seed", 1),
    }


def _number(value, default: float) -> float:
    """A finite number from a document value (numbers and numeric strings), else ``default``."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) and number >= 0 else default


def _actor_count(kind: str, n: int) -> str:
    """``3 data centers`` (translated, plural-aware); unknown types as ``3 kind``."""
    if kind not in ACTOR_TYPE_LABELS:
        return f"{n} {kind}"
    return ACTOR_TYPE_LABELS[kind] % {"n": n}


def run_page_strings() -> dict:
    """Texts the run page's script shows, translated on the server (rendered with json_script)."""
    return {
        "status": {
            "queued": _("queued"), "running": _("running"), "paused": _("paused"),
            "waiting": _("waiting for decisions"),
            "succeeded": _("succeeded"), "failed": _("failed"), "cancelled": _("cancelled"),
        },
        "load": _("Region load"),
        "renewable": _("Renewable generation"),
        "import": _("Import"),
        "heat_demand": _("Heat demand"),
        "price": _("Electricity price"),
        "price_wholesale": _("Wholesale price (paid to generators)"),
        "price_retail": _("Retail price (paid by consumers)"),
        "heat_recovered": _("Recovered heat"),
        "carbon": _("Carbon intensity"),
        "steps_per_s": _("steps/s"),
        "eta": _("ETA"),
        "done": _("done"),
        "connecting": _("Connecting…"),
        "live": _("Live"),
        "reconnecting": _("Connection lost, reconnecting…"),
        # %(reason)s is one of close_reasons; web/static/web/run.js fills in the placeholders.
        "retrying": _("%(reason)s Retrying in %(seconds)s s (attempt %(attempt)s)."),
        "close_reasons": {
            "server_error": _("The server could not send the run."),
            "too_large": _("A message was too large for the connection."),
            "restarting": _("The server is restarting."),
            "dropped": _("The connection dropped."),
            "other": _("The connection closed (code %(code)s)."),
        },
        "resyncing": _("Missed an update, reloading the run…"),
        "closed": _("Stream closed"),
        "not_allowed": _("Not signed in or not your run: reload the page"),
        "request_failed": _("The request failed"),
        "kpi": _("Indicator"),
        "value": _("Value"),
        "no_data": _("No data yet"),
        "seconds": _("s"),
        "minutes": _("min"),
        "hours": _("h"),
        "as_fast": _("As fast as possible"),
        "decisions": {
            "waiting_at": _("The run waits at a decision point before step %(step)s."),
            "nothing": _("No actor of this scenario takes decisions at run time; submit to continue."),
            "submit": _("Submit decisions and continue"),
            "owner_only": _("Only the run's owner can decide."),
            "so_far": _("Decisions so far:"),
            "load_failed": _("Could not load the decision point."),
            "failed": _("The decisions were not accepted"),
            # what is decided, per kind of decision target (agents.decisions.TARGETS)
            "kinds": {
                "storage": _("Storage schedule strategy"),
                "data_center": _("Data-center operator: workload, cold storage, backup generators"),
                "heat_utility": _("Heat utility's day plan (heat offer)"),
                "dr_aggregator": _("Demand-response bid of an aggregator"),
            },
            "parameters": {
                "kind": _("Strategy kind"),
                "carbon_signal": _("Carbon signal followed (average or marginal)"),
                "carbon_price_cny_per_t": _("Carbon price added to the energy price"),
                "min_signal_spread_pu": _("Least forecast spread to shift work"),
                "price_threshold_cny_per_mwh": _("Price threshold: defer work out of dearer hours"),
                "carbon_threshold_kgco2_per_kwh": _("Carbon-aware threshold: defer work out of dirtier hours"),
                "dr_committed_mw": _("IT reduction committed per event step"),
                "carry_over": _("Carry deferred work into the next day"),
                "flex": _("Workload split and shifting limits (JSON)"),
                "dc_heat_max_price_cny_per_mwh": _("Heat offer: most paid per MWh of data-center heat"),
                "electricity_co2_price_cny_per_t": _("Internal carbon price on electricity"),
                "total_commitment_mw": _("Total committed reduction"),
                "commitment_mw": _("Committed reduction per member (JSON list)"),
                "offer_price_cny_per_mwh": _("Members' offered prices (JSON list)"),
                "allocation": _("How a call is split (pro_rata or merit_order)"),
                # a data center's cold store (its rule) and backup generators (their strategy)
                "cold_storage.charge_quantile": _("Cold store: charge at or below this price quantile"),
                "cold_storage.discharge_quantile": _("Cold store: discharge at or above this price quantile"),
                "cold_storage.min_spread_pu": _("Cold store: least price spread to act"),
                "backup.strategy.kind": _("Backup generators: contingency only, or also DR (contingency_and_dr)"),
                "backup.strategy.dr_margin_cny_per_mwh": _("Backup generators: DR offer margin over fuel cost"),
                "backup.strategy.dr_notice_s": _("Backup generators: DR notice before an event"),
            },
        },
        # One table of labels (web/labels.py): KPI keys, region quantities, ledger line items.
        "kpi_labels": labels.kpi_labels(),
        "quantity_labels": labels.region_quantity_labels(),
        "line_items": labels.line_item_labels(),
        "actor_types": labels.actor_type_labels(),
        "region_kpis": _("Region"),
        "dc_kpis": _("Data centers (ISO/IEC 30134)"),
        "dc_columns": {
            "name": _("Data center"),
            "pue": "PUE", "ref": "REF", "erf": "ERF", "ere": "ERE (The Green Grid)",
            "cue": _("CUE (kgCO₂/kWh)"), "wue": _("WUE (L/kWh)"),
            "it_energy_mwh": _("IT energy (MWh)"), "heat_recovered_mwh": _("Heat recovered (MWh)"),
            "cost_cny": _("Cost (CNY)"), "revenue_cny": _("Revenue (CNY)"),
        },
    }


class LoginView(auth_views.LoginView):
    """Django's login with our template; throttled per account+address and per address (web/throttle.py)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True


@login_required
def scenario_list(request: HttpRequest, status: int = 200) -> HttpResponse:
    """Pick a scenario: demo scenarios first, each with a start-run form."""
    listed = selectors.scenario_list_with_facts(request.user, scenario_facts)
    rows = []
    for s, facts in sorted(listed, key=lambda row: (not row[0].is_demo, row[0].name, row[0].id)):
        summary = _summary_shown(facts)
        form = RunStartForm(initial={"scenario_id": s.id, "seed": summary["seed"]}, auto_id=f"id_s{s.id}_%s")
        rows.append({"scenario": s, "summary": summary, "form": form,
                     "title": display_names.scenario_name(s.name, facts),
                     "description": display_names.scenario_description(s.description, facts)})
    return render(request, "web/scenario_list.html", {"rows": rows, "nav": "scenarios"}, status=status)


def _scenario_for_user(user, scenario_id: int) -> Scenario:
    """A scenario the user may read: their own or a demo one (404 otherwise)."""
    if not 1 <= scenario_id <= MAX_DB_INT:  # larger ids overflow the database integer (not a 500)
        raise Http404("no such scenario")
    scenario = selectors.scenario_list_for_user(user).filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404("no such scenario")
    return scenario


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """Start a run from the scenario list (plain form POST with CSRF) and open its page."""
    form = RunStartForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("scenario-list")
    scenario = _scenario_for_user(request.user, form.cleaned_data["scenario_id"])
    try:
        run = services.run_create(
            request.user,
            scenario.data,
            form.cleaned_data["seed"],
            scenario.name,
            scenario=scenario,
            speed=form.cleaned_data["speed_steps_per_s"],
        )
    except ScenarioValidationError as exc:
        messages.error(request, _("The scenario is not valid: %(errors)s") % {"errors": exc})
        return redirect("scenario-edit", scenario_id=scenario.id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scenario-list")
    except QuotaExceeded as exc:  # 429 with the quota named, on the page the user started from
        messages.error(request, exc.message)
        return scenario_list(request, status=429)
    return redirect("run-detail", run_id=run.id)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_edit(request: HttpRequest, scenario_id: int | None = None) -> HttpResponse:
    """Edit a scenario's JSON document; Validate checks it, Save stores it. Demo scenarios save as a copy."""
    scenario = _scenario_for_user(request.user, scenario_id) if scenario_id is not None else None
    owned = scenario is not None and scenario.owner_id == request.user.id
    field_errors: list[dict] = []
    valid = False
    if request.method == "POST":
        form = ScenarioForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data["document"]
            try:
                scenario_services.scenario_validate(data)
            except ScenarioValidationError as exc:
                field_errors = list(exc.errors)
            else:
                valid = True
                if request.POST.get("action") == "save":
                    saved = _scenario_save(request, scenario if owned else None, form.cleaned_data, data)
                    if saved is not None:
                        messages.success(request, _("Scenario “%(name)s” saved.") % {"name": saved.name})
                        return redirect("scenario-edit", scenario_id=saved.id)
    else:
        initial = {"name": "", "description": "", "document": _starter_document()}
        if scenario is not None:
            name = scenario.name if owned else _("%(name)s (copy)") % {"name": scenario.name}
            initial = {
                "name": name,
                "description": scenario.description,
                "document": json.dumps(scenario.data, indent=2, ensure_ascii=False),
            }
        form = ScenarioForm(initial=initial)
    context = {
        "form": form,
        "scenario": scenario,
        "owned": owned,
        "field_errors": field_errors,
        "valid": valid,
        "nav": "scenarios",
        "builder": builder_config(request, scenario, owned),
        "demos": display_names.with_scenario_names(Scenario.objects.filter(is_demo=True).order_by("name").only(
            "id", "name")),
    }
    return render(request, "web/scenario_edit.html", context)


def _starter_document() -> str:
    """A small valid scenario to start a new one from (the tiny test fixture), or ``{}`` when absent."""
    path = Path(settings.BASE_DIR) / "fixtures" / "scenarios" / STARTER_FIXTURE
    try:
        return json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, ensure_ascii=False)
    except (OSError, ValueError):
        return "{}"


def _scenario_save(request: HttpRequest, scenario: Scenario | None, cleaned: dict, data: dict) -> Scenario | None:
    """Create or update the user's scenario; a name clash becomes a form message, not a 500."""
    name = cleaned["name"].strip()
    description = cleaned.get("description", "")
    clash = Scenario.objects.filter(owner=request.user, name=name)
    if scenario is not None:
        clash = clash.exclude(pk=scenario.pk)
    if clash.exists():
        messages.error(request, _("You already have a scenario named “%(name)s”.") % {"name": name})
        return None
    if scenario is None:
        return scenario_services.scenario_create(request.user, name=name, data=data, description=description)
    return scenario_services.scenario_update(scenario, name=name, description=description, data=data)


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    """The user's runs, newest first (the latest RUN_LIST_LIMIT); active rows update live via the REST API."""
    all_runs = selectors.runs_for_user(request.user)
    runs = list(all_runs[:RUN_LIST_LIMIT])
    total = len(runs) if len(runs) < RUN_LIST_LIMIT else all_runs.count()
    strings = run_page_strings()
    config = {
        "api": reverse("api-run-list"),
        "limit": RUN_LIST_LIMIT,
        "i18n": {key: strings[key] for key in ("status", "seconds", "minutes", "hours")},
    }
    context = {"runs": runs, "total": total, "limit": RUN_LIST_LIMIT, "config": config, "nav": "runs"}
    return render(request, "web/run_list.html", context)


def _run_twin_context(request: HttpRequest, run_id, *, big: bool) -> dict:
    """Context of the live twin of a run (run page and big screen): config for run.js and the summary."""
    run = selectors.run_get_for_user(request.user, run_id, defer=selectors.RUN_RESULT_FIELDS)
    names = {"control": "control", "rerun": "rerun", "snapshot": "snapshot", "kpis": "kpis",
             "csv": "series-csv", "parquet": "series-parquet", "outline": "outline", "kpis_csv": "kpis-csv",
             "kpis_xlsx": "kpis-xlsx", "decisions": "decisions"}
    api = {key: reverse(f"api-run-{name}", kwargs={"run_id": run.id}) for key, name in names.items()}
    api["agent_state"] = reverse("api-run-agent-state", kwargs={"run_id": run.id})
    api["outlines"] = reverse("api-outline-list")
    api["agent_series"] = reverse("api-run-agent-series", kwargs={"run_id": run.id, "agent_id": "__agent__"})
    snapshot = run.scenario_snapshot or {}
    capacities, params = twin.agents_info(snapshot)
    outline = geo.outline_for_run(request.user, snapshot)
    config = {
        "run_id": str(run.id),
        "ws_path": f"/ws/runs/{run.id}/",
        "api": api,
        "run_url_template": reverse("run-detail", kwargs={"run_id": "00000000-0000-0000-0000-000000000000"}),
        "status": run.status,
        "step": run.step,
        "total_steps": run.total_steps,
        "speed_steps_per_s": run.speed_steps_per_s,
        "duration_s": run.duration_s,
        "big": big,
        "can_decide": run.owner_id == request.user.pk,
        # The query names the picked outline, so a newly uploaded one is not served from the browser's cache.
        "geo": {"url": f"{api['outline']}?v={outline['kind']}-{outline['name']}",
                "name": f"twin-{outline['kind']}-{outline['name']}"},
        "region_centre": dict(zip(("lat", "lon"), geo.scenario_centre(snapshot), strict=True)),
        "capacities": capacities,
        # Units of the KPI cards' running totals (not region quantities, so not in describe().units) and of every
        # labelled KPI key (the KPI tables of a finished run can load before the stream's describe arrives).
        "card_units": units.units_for(["energy_to_date_mwh", "renewable_to_date_share", "heat_from_dc_to_date_share",
                                       *labels.KPIS]),
        "agent_params": params,
        # A multi-region run's migration table: its columns in order, with their units.
        "migration_units": units.units_for(twin.MIGRATION_KPI_COLUMNS),
        "i18n": {**run_page_strings(), **twin.twin_strings(),
                 "param_labels": twin.parameter_labels(snapshot, get_language() or "en")},
    }
    return {
        "run": run,
        "summary": scenario_summary(snapshot),
        "config": config,
        "api": api,
        "outline": outline,
        "nav": "runs",
        "speed_choices": RunStartForm.base_fields["speed_steps_per_s"].choices,
        "timeline_speeds": [(1, "1×"), (6, "6×"), (24, "24×"), (168, "168×")],
        "regions": [{"id": block.get("id", ""), "name": _region_name(block.get("region") or {}, block.get("id", ""))}
                    for block in snapshot.get("regions") or [] if isinstance(block, dict)],
    }


@login_required
def run_detail(request: HttpRequest, run_id) -> HttpResponse:
    """The live twin of a run: map, panels, timeline, controls, agents, KPIs and downloads."""
    return render(request, "web/run_detail.html", _run_twin_context(request, run_id, big=False))


@login_required
def run_screen(request: HttpRequest, run_id) -> HttpResponse:
    """The twin of a run on a big screen (dark, laid out for 1920×1080, no controls)."""
    return render(request, "web/run_screen.html", _run_twin_context(request, run_id, big=True))


# Scenario builder ------------------------------------------------------------------------------


def builder_strings() -> dict:
    """Texts of the builder's script, translated on the server (json-editor's own: web/static/web/jsoneditor_zh.js)."""
    return {
        "valid": _("The document is valid."),
        "invalid": _("Errors in the document: see the marked fields."),
        "checking": _("Checking…"),
        "not_json": _("Not valid JSON"),
        "request_failed": _("The request failed"),
        "place_hint": _("Pick an actor, then click the map to place it."),
        "placed": _("Placed %(name)s at %(lat)s, %(lon)s."),
        "no_location": _("Actors with a location appear here."),
        "restore": _("Restore"),
        "restored": _("Version %(n)s restored as a new version."),
        "diff": _("Changes"),
        "no_changes": _("No changes."),
        "version": _("Version"),
        "current": _("current"),
        "cloned": _("Cloned as “%(name)s”."),
        "imported": _("Imported as “%(name)s”."),
        "added": _("added"), "removed": _("removed"), "changed": _("changed"),
        "lat": _("Latitude"), "lon": _("Longitude"),
        "region": _("Region centre"),
        "add": _("Add"),  # json-editor's own texts: its language pack (web/static/web/jsoneditor_zh.js)
    }


def _entry_templates(demos) -> dict:
    """A ready-made entry of each kind (actors, contracts, events) from the demo scenarios and the starter."""
    documents = [json.loads(_starter_document())] + [s.data for s in demos]
    out: dict[str, dict] = {}
    for doc in documents:
        for field in ("actors", "contracts", "events"):
            for entry in doc.get(field) or []:
                if isinstance(entry, dict) and entry.get("type"):
                    out.setdefault(field, {}).setdefault(entry["type"], entry)
    return out


def empty_region_document() -> dict:
    """The starter's region, horizon and markets with its grid operator only (a region to build up)."""
    doc = json.loads(_starter_document())
    doc["name"] = "new region"
    doc["description"] = ""
    doc["actors"] = [a for a in doc.get("actors", []) if a.get("type") == "grid_operator"][:1]
    doc["contracts"], doc["events"] = [], []
    return doc


def builder_config(request: HttpRequest, scenario: Scenario | None, owned: bool) -> dict:
    """Everything the builder's script needs, rendered with json_script (no inline script: CSP)."""
    lang = get_language() or "en"
    schema = builder_schema.builder_schema(lang)
    demos = list(Scenario.objects.filter(is_demo=True).order_by("name"))
    api = {
        "validate": reverse("api-scenario-check"),
        "scenarios": reverse("api-scenario-list"),
        "import": reverse("api-scenario-import"),
        "edit_template": reverse("scenario-edit", kwargs={"scenario_id": 0}),
        "detail_template": reverse("api-scenario-detail", kwargs={"scenario_id": 0}),
    }
    if scenario is not None:
        sid = {"scenario_id": scenario.id}
        api.update({
            "versions": reverse("api-scenario-versions", kwargs=sid),
            "diff": reverse("api-scenario-diff", kwargs=sid),
            "restore_template": reverse("api-scenario-version-restore", kwargs={**sid, "number": 0}),
            "clone": reverse("api-scenario-clone", kwargs=sid),
            "export": reverse("api-scenario-export", kwargs=sid),
        })
    return {
        "lang": lang,
        "schema": schema,
        "kinds": builder_schema.entry_kinds(schema),
        "templates": _entry_templates(demos),
        "empty": empty_region_document(),
        "scenario": {"id": scenario.id if scenario else None, "owned": owned},
        "api": api,
        "i18n": builder_strings(),
    }


# Compare and report ----------------------------------------------------------------------------


def _kpi_strings() -> dict:
    strings = run_page_strings()
    out = {key: strings[key] for key in ("kpi_labels", "quantity_labels", "line_items", "actor_types", "kpi", "value",
                                         "no_data")}
    out["actor_types"] = {**out["actor_types"], **labels.contract_type_labels()}  # KPI rows' type: agent or contract
    return out


@login_required
def run_compare(request: HttpRequest) -> HttpResponse:
    """Compare 2–4 of the user's succeeded runs: KPI table with deltas, overlaid series, exports."""
    finished = list(selectors.runs_for_user(request.user).filter(status=Run.Status.SUCCEEDED)[:RUN_LIST_LIMIT])
    wanted = [i for value in request.GET.getlist("runs") for i in value.split(",") if i]
    chosen = [r for r in (next((f for f in finished if str(f.id) == i), None) for i in wanted) if r][:4]
    config = {
        "runs": [str(r.id) for r in chosen],
        "api": {"compare": reverse("api-compare"), "compare_csv": reverse("api-compare-csv"),
                "compare_xlsx": reverse("api-compare-xlsx"),
                "snapshot_template": reverse("api-run-snapshot", kwargs={"run_id": _ZERO_UUID})},
        "i18n": {**_kpi_strings(), **compare_strings(), "twin": twin.twin_strings()},
        "twins": [_compare_twin(request, r) for r in chosen],
    }
    context = {"finished": finished, "chosen": {str(r.id) for r in chosen}, "config": config, "nav": "runs",
               "enough": len(chosen) >= builder_api.COMPARE_MIN}
    return render(request, "web/run_compare.html", context)


def _compare_twin(request: HttpRequest, run) -> dict:
    """What the compare page needs to draw one run's map and sankey: owner-checked endpoints, capacities."""
    snapshot = run.scenario_snapshot or {}
    capacities, _params = twin.agents_info(snapshot)
    outline = geo.outline_for_run(request.user, snapshot)
    outline_url = reverse("api-run-outline", kwargs={"run_id": run.id})
    return {
        "run_id": str(run.id),
        "outline_url": f"{outline_url}?v={outline['kind']}-{outline['name']}",
        "map_name": f"twin-{outline['kind']}-{outline['name']}",
        "agent_state": reverse("api-run-agent-state", kwargs={"run_id": run.id}),
        "capacities": capacities,
    }


def compare_strings() -> dict:
    return {
        "delta": _("Δ to the first run"),
        "unit": _("Unit"),
        "series": _("Series"),
        "download_png": _("Download PNG"),
        "region": _("Region"),
        "scope_agent": _("Agent"),
        "scope_contract": _("Contract"),
        # further KPI blocks (web/api/exports.py::kpi_rows): multi-region, demand response
        "scopes": {key: str(label) for key, label in (("regions", labels.GROUPS["regions"]),
                                                       *labels.BLOCKS.items())},
        "quantity": _("Quantity"),
        "step": _("step"),
        "map_png": _("Map as PNG"),
        "sankey_png": _("Energy flows as PNG"),
    }


@login_required
def run_report(request: HttpRequest, run_id) -> HttpResponse:
    """A printable report of a run: scenario summary, actors, charts of the main series, every KPI with units."""
    run = selectors.run_get_for_user(request.user, run_id, defer=("checkpoint", "region_series", "describe",
                                                                  "agent_state"))
    rows = list(exports.kpi_rows(run.kpis or {}))
    # every region's actors of a multi-region run; each row carries its label (web/labels.py) from exports.kpi_rows
    actors = [{**a, "type_label": labels.value_label(a.get("type", ""))}
              for a in twin.scenario_actors(run.scenario_snapshot or {}) if isinstance(a, dict)]
    for row in rows:
        row["shown"], row["unit_shown"] = report_value(row["kpi"], row["value"])
    config = {
        "run_id": str(run.id),
        "api": {"snapshot": reverse("api-run-snapshot", kwargs={"run_id": run.id})},
        "i18n": {**_kpi_strings(), **compare_strings(), "twin": twin.twin_strings(),
                 "report_series": {"carbon_intensity_kgco2_per_kwh": _("Carbon intensity of supply")}},
    }
    context = {
        "run": run,
        "summary": scenario_summary(run.scenario_snapshot or {}),
        "description": display_names.pick((run.scenario_snapshot or {}).get("description") or "",
                                          (run.scenario_snapshot or {}).get("description_zh")),
        "actors": actors,
        "contracts": [{**c, "type_label": labels.contract_type_labels().get(c.get("type"), c.get("type", ""))}
                      for c in (run.scenario_snapshot or {}).get("contracts", []) if isinstance(c, dict)],
        "region_rows": [r for r in rows if r["scope"] == "region"],
        "agent_rows": [r for r in rows if r["scope"] != "region"],
        "config": config,
        "nav": "runs",
    }
    return render(request, "web/run_report.html", context)


_ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def report_value(name: str, value) -> tuple[str, str]:
    """A KPI for reading: shares as percent, numbers rounded by size, with the unit from the units table."""
    try:
        quantity = units.unit_of(name.rsplit(".", 1)[-1])  # nested KPIs: parties.<id>.npv_cny
    except KeyError:
        quantity = units.Quantity("", "")
    if value is None:
        return "—", quantity.unit
    if isinstance(value, bool):
        return (_("yes") if value else _("no")), ""
    if not isinstance(value, (int, float)):
        return labels.value_label(str(value)), ""
    unit = quantity.unit
    if quantity.kind == "share":
        value, unit = value * 100, "%"
    size = abs(value)
    text = f"{value:,.0f}" if size >= 1000 else f"{value:,.2f}" if size >= 1 else f"{value:.3g}"
    return text, unit
