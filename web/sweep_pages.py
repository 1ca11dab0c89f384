"""Sweep pages: the list of your sweeps and one sweep's progress and results table (data from /api/sweeps/)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import display_names, sweep_selectors
from .labels import label_of
from .models import Sweep

SWEEP_LIST_LIMIT = 100


@login_required
def sweep_list(request: HttpRequest) -> HttpResponse:
    sweeps = list(display_names.with_sweep_names(sweep_selectors.sweeps_for_user(request.user))[:SWEEP_LIST_LIMIT])
    return render(request, "web/sweep_list.html", {"sweeps": sweeps, "nav": "sweeps"})


@login_required
def sweep_detail(request: HttpRequest, sweep_id) -> HttpResponse:
    sweep = sweep_selectors.sweep_get_for_user(request.user, sweep_id, defer=("base_snapshot",))
    names = display_names.with_sweep_names(Sweep.objects.filter(pk=sweep.pk)).values("base_name", "base_name_zh").get()
    sweep.base_name, sweep.base_name_zh = names["base_name"], names["base_name_zh"]
    public = sweep_selectors.sweep_public(sweep)
    results = sweep_selectors.sweep_results(sweep)
    names = results["kpis"]
    rows = [{"point": r["point"], "url": r["url"], "status": r["status"], "varied": r["varied"],
             "params": [r["params"].get(p) for p in results["params"]],
             "cells": [(r["mean"].get(k), r["std"].get(k), r["n"].get(k)) for k in names]} for r in results["rows"]]
    kpis = [(k, label_of(k), results["units"][k]["unit"]) for k in names]  # the KPI in words (web/labels.py)
    labels = {"queued": _("queued"), "running": _("running"), "succeeded": _("succeeded"), "failed": _("failed"),
              "cancelled": _("cancelled")}
    config = {"sweep": public, "links": public["links"], "status_labels": labels}
    return render(request, "web/sweep_detail.html", {"sweep": sweep, "public": public, "results": results,
                                                      "rows": rows, "kpis": kpis, "config": config, "nav": "sweeps"})
