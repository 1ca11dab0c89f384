"""The Contract Lab page (issue 13): pick a scenario and two agents, draft a contract from a template in a form
generated from its JSON Schema, run it against the counterfactual and compare the parties side by side. Thin:
``web.lab`` builds the form's schema and checks drafts; ``web/static/web/lab_page.js`` draws the page."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from web import builder_schema, display_names, lab, labels, selectors
from web.views import compare_strings, scenario_facts

_ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def lab_strings() -> dict:
    """Texts of the Lab's script, translated on the server."""
    return {
        "choose_scenario": _("Choose a scenario"),
        "choose_agent": _("Choose an agent"),
        "no_agent": _("This scenario has no %(types)s."),
        "my_scenarios": _("My scenarios"),
        "demo_scenarios": _("Demo scenarios"),
        "checking": _("Checking…"),
        "valid": _("The contract is valid in this scenario."),
        "invalid": _("The contract has errors: see the marked fields."),
        "replaces": _("Replaces the scenario's contract %(ids)s."),
        "other_errors": _("Errors elsewhere in the scenario"),
        "request_failed": _("The request failed"),
        "queued": _("Queued…"),
        "running": _("Running with the contract: step %(step)s of %(total)s"),
        "counterfactual": _("Running the counterfactual: the same scenario and seed without the contract…"),
        "succeeded": _("Done: results against the counterfactual."),
        "failed": _("The run failed: %(error)s"),
        "cancelled": _("The run was cancelled."),
        "no_results": _("This run's KPIs carry no results for the contract."),
        "open_run": _("Open the run"),
        "party": _("Party"),
        "role": _("Role"),
        "figure": _("Figure"),
        "npv": _("NPV"),
        "irr": _("IRR"),
        "irr_none": _("no IRR: the cash flow does not change sign exactly once"),
        "irr_reasons": {reason: labels.value_label(reason) for reason in labels.IRR_REASONS},
        "irr_sign_changes": _("the cash flow changes sign %(n)s times, so the IRR is not unique"),
        "payback_simple": _("Simple payback"),
        "payback_discounted": _("Discounted payback"),
        "never": _("not within the horizon"),
        "annual_change": _("Change per year"),
        "capex": _("Investment"),
        "co2_location": _("CO₂ change, location-based"),
        "co2_market": _("CO₂ change, market-based"),
        "discount_rate": _("Discount rate"),
        "years": _("years"),
        "year": _("Year"),
        "cash_flow": _("Cash flow per party against the counterfactual"),
        "cumulative": _("cumulative"),
        "ledger": _("Ledger"),
        "item": _("Line item"),
        "category": _("Category"),
        "amount": _("Amount"),
        "total": _("Total"),
        "show_items": _("Show the line items of %(what)s"),
        "ledger_note": _("Signed totals over the simulated horizon: + received, − paid. Transfers between the parties "
                         "sum to zero; investment and running costs are annuities paid outside."),
        "event_line": _("Event, steps %(start)s–%(end)s: committed %(committed)s MWh, delivered %(response)s MWh"),
        "external": _("outside the parties (assets)"),
        "not_evaluated": _("This run's KPIs carry the ledger but not the figures against the counterfactual."),
        "categories": labels.line_item_labels(),  # the one table of labels (web/labels.py)
        "roles": {role: labels.value_label(role) for role in ("seller", "buyer", "sleeving")},
        "sensitivity": _("Sensitivity"),
        "tornado": _("NPV of %(party)s when one term moves"),
        "heatmap": _("NPV of %(party)s by price and volume"),
        "low": _("low"),
        "high": _("high"),
        "base": _("base"),
        "run_sweep": _("Run the sensitivity sweep"),
        "sweep_progress": _("Sweep: %(done)s of %(total)s points"),
        "sweep_done": _("Sweep done."),
        "no_heatmap": _("This contract has no price and volume term to vary together."),
        "sweep_unavailable": _("Sweeps are not available on this server."),
        "price": _("Price"),
        "volume": _("Volume"),
        "csv": _("Comparison (CSV)"),
        "download_png": compare_strings()["download_png"],
        "with_contract": _("with the contract"),
        "without_contract": _("without (counterfactual)"),
        "difference": _("difference"),
        "actor_types": {**{k["kind"]: k["title"] for k in builder_schema.entry_kinds(
            builder_schema.builder_schema(get_language() or "en")).get("actors", [])}, "aggregator": _("Aggregator")},
    }


def _sweeps_url() -> str | None:
    try:
        return reverse("api-sweep-list")
    except NoReverseMatch:  # a server without the sweeps API: the page says so
        return None


@login_required
def contract_lab(request: HttpRequest) -> HttpResponse:
    """The Contract Lab: everything the script needs goes in one json_script config (no inline script: CSP)."""
    lang = get_language() or "en"
    listed = selectors.scenario_list_with_facts(request.user, scenario_facts)  # document names cached per version
    scenarios = [{"id": s.id, "name": display_names.scenario_name(s.name, facts), "demo": s.is_demo,
                  "owned": s.owner_id == request.user.id}
                 for s, facts in sorted(listed, key=lambda row: (not row[0].is_demo, row[0].name, row[0].id))]
    config = {
        "lang": lang,
        "scenarios": scenarios,
        "templates": lab.contract_templates(lang),
        "types": lab.contract_types(lang),
        "units": lab.result_units(),
        "api": {
            "scenario_template": reverse("api-scenario-detail", kwargs={"scenario_id": 0}),
            "check": reverse("api-lab-check"),
            "run": reverse("api-lab-run"),
            "run_template": reverse("api-run-detail", kwargs={"run_id": _ZERO_UUID}),
            "kpis_template": reverse("api-run-kpis", kwargs={"run_id": _ZERO_UUID}),
            "page_template": reverse("run-detail", kwargs={"run_id": _ZERO_UUID}),
            "sweeps": _sweeps_url(),
        },
        "i18n": lab_strings(),
    }
    return render(request, "web/contract_lab.html", {"config": config, "nav": "lab"})
