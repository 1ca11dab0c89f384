"""``python manage.py sweep SCENARIO --param path=v1,v2 --seeds 1,2,3 [--contract FILE]`` (docs/sweeps.md).

Creates the sweep like ``POST /api/sweeps/``, follows it with a progress bar until every row is finished and
prints the table (mean ± std across seeds). Embedded mode: the points run on this process's in-process workers;
distributed mode: on the Celery workers (this command only watches the database).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def parse_param(text: str) -> dict:
    """``path=v1,v2,...`` (each value JSON, else text) or ``path=[JSON list]``."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise CommandError(f"--param {text!r}: expected path=value1,value2,...")
    values = values.strip()
    if values.startswith("["):
        try:
            parsed = json.loads(values)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--param {text!r}: not a JSON list: {exc}") from None
        if not isinstance(parsed, list):
            raise CommandError(f"--param {text!r}: not a JSON list")
        return {"path": path.strip(), "values": parsed}
    return {"path": path.strip(), "values": [_value(v.strip()) for v in values.split(",")]}


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_seeds(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise CommandError(f"--seeds {text!r}: expected integers separated by commas, e.g. 1,2,3") from None


def _read_json(path: str, what: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot read {what} {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{what} {path} is not valid JSON: {exc}") from None


class Command(BaseCommand):
    help = "Run a parameter sweep (grid and/or seeds) of a scenario on the workers and print the results table."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="Scenario JSON file")
        parser.add_argument("--param", action="append", default=[], metavar="PATH=V1,V2,...",
                            help="A parameter and its values (repeat for a grid), e.g. markets.carbon_price_cny_per_t=0,60")
        parser.add_argument("--seeds", help="Seeds, e.g. 1,2,3 (default: the scenario's seed)")
        parser.add_argument("--contract", help="Contract JSON file added to the scenario (see fixtures/contracts/)")
        parser.add_argument("--mode", choices=["grid", "one_at_a_time"], default="grid")
        parser.add_argument("--kpi", action="append", default=[], help="KPI path, e.g. region.system_cost_cny")
        parser.add_argument("--name", help="Name of the sweep")
        parser.add_argument("--user", default="sweep", help="Owner of the sweep (created if missing)")
        parser.add_argument("--csv", help="Also write the results table (one line per point) to this CSV file")
        parser.add_argument("--json", action="store_true", help="Print the results as JSON instead of a table")
        parser.add_argument("--no-wait", action="store_true", help="Distributed mode: create it and return")
        parser.add_argument("--timeout", type=float, default=0, help="Give up waiting after this many seconds")

    def handle(self, *args, **options):
        from django.contrib.auth import get_user_model

        from web import sweep_selectors, sweep_services
        from web.quotas import QuotaExceeded
        from web.sweep_grid import GridError

        data = _read_json(options["scenario"], "scenario")
        contract = _read_json(options["contract"], "contract") if options["contract"] else None
        params = [parse_param(p) for p in options["param"]]
        user, _ = get_user_model().objects.get_or_create(username=options["user"])
        embedded = settings.TWIN_MODE != "distributed"
        try:
            sweep = sweep_services.sweep_create(
                user, data, params=params, seeds=parse_seeds(options["seeds"]), contract=contract,
                mode=options["mode"], kpis=options["kpi"] or None, name=options["name"])
        except GridError as exc:
            raise CommandError("invalid sweep:\n" + "\n".join(f"  {e['loc']}: {e['msg']}" for e in exc.errors)) \
                from None
        except QuotaExceeded as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"sweep {sweep.pk}: {sweep.points} points × {len(sweep.seeds)} seeds = "
                          f"{sweep.total_runs} runs ({'embedded workers' if embedded else 'Celery workers'})")
        if options["no_wait"] and not embedded:
            self.stdout.write(str(sweep.pk))
            return
        sweep = self._follow(sweep, options["timeout"])
        results = sweep_selectors.sweep_results(sweep)
        if options["csv"]:
            Path(options["csv"]).write_bytes(sweep_selectors.table_csv(sweep_selectors.results_table(sweep)))
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=1))
        else:
            self.stdout.write(format_table(results))
            self.stdout.write(f"sweep {sweep.pk} {sweep.status}")
        if sweep.status != "succeeded":
            sys.exit(1)

    def _follow(self, sweep, timeout_s: float):
        from tqdm import tqdm

        from web.models import Sweep
        from web.sweep_services import sweep_progress

        deadline = time.monotonic() + timeout_s if timeout_s else None
        with tqdm(total=sweep.total_runs, unit="run", desc="sweep", file=sys.stderr, dynamic_ncols=True) as bar:
            while True:
                progress = sweep_progress(sweep.pk)
                bar.update(progress["finished"] - bar.n)
                bar.set_postfix(running=progress["running"], failed=progress["failed"], refresh=False)
                status = Sweep.objects.filter(pk=sweep.pk).values_list("status", flat=True).first()
                if status in Sweep.FINISHED:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise CommandError(f"sweep {sweep.pk} not finished after {timeout_s} s (it goes on)")
                time.sleep(0.2)
        sweep.refresh_from_db()
        return sweep


def format_table(results: dict) -> str:
    """Plain-text table: one line per point, parameters then mean ± std of each KPI."""
    head = ["point", *results["params"], *(f"{k} [{results['units'][k]['unit']}]" if results["units"][k]["unit"]
                                           else k for k in results["kpis"])]
    lines = [head]
    for row in results["rows"]:
        cells = [str(row["point"]), *(json.dumps(row["params"].get(p)) for p in results["params"])]
        for k in results["kpis"]:
            mean, std = row["mean"].get(k), row["std"].get(k)
            cells.append("—" if mean is None else f"{mean:.6g}" + ("" if std is None else f" ± {std:.3g}"))
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines)
