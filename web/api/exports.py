"""KPI exports of one or more runs: rows with units from ``agents.units``, as CSV and as XLSX (openpyxl)."""
import csv
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.styles import Font

from agents import units
from web import display_names, labels

from ..models import Run

# label: the KPI in words in the request's language (web/labels.py); kpi stays the machine name.
COLUMNS = ("scope", "id", "type", "kpi", "label", "unit", "value")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kpi_rows(kpis: dict) -> Iterator[dict]:
    """One row per KPI: region first (of a multi-region run: the whole system, then each region with its id),
    then each agent and contract in the run's order, then further blocks (migration, demand_response); units and
    labels from the tables (agents.units, web.labels)."""
    def rows(scope: str, ident: str, block: dict, prefix: str = "") -> Iterator[dict]:
        kind = str(block.get("type", "")) if scope != "region" and not prefix else ""
        for key, value in block.items():
            if key == "type" and not prefix:
                continue
            if isinstance(value, dict):  # nested KPIs, e.g. per import line: imports.<line>.energy_mwh
                yield from rows(scope, ident, value, f"{prefix}{key}.")
                continue
            if isinstance(value, list):
                continue
            try:
                unit = units.unit_of(key).unit
            except KeyError:
                unit = ""
            yield {"scope": scope, "id": ident, "type": kind, "kpi": prefix + key,
                   "label": labels.label_of(prefix + key), "unit": unit, "value": value}

    yield from rows("region", "", kpis.get("region") or {})
    for ident, block in (kpis.get("regions") or {}).items():  # a multi-region run: each region's own KPIs
        if isinstance(block, dict):
            yield from rows("region", ident, block)
    for scope, group in (("agent", "agents"), ("contract", "contracts")):
        for ident, block in (kpis.get(group) or {}).items():
            if isinstance(block, dict):
                yield from rows(scope, ident, block)
    for group, block in kpis.items():  # further blocks (demand_response, migration …): their names in dotted keys
        if group not in ("region", "agents", "contracts", "regions") and isinstance(block, dict):
            yield from rows(group, "", block, f"{group}.")


def _cell(value):
    if value is None:
        return ""
    return value


def kpi_csv(runs: Iterable[Run]) -> str:
    """CSV of the KPIs of ``runs``: one value column per run (header: scenario name and seed)."""
    runs = list(runs)
    table = kpi_table(runs)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS[:-1], *table["headers"]])
    for row in table["rows"]:
        writer.writerow([row[c] for c in COLUMNS[:-1]] + [_cell(v) for v in row["values"]])
    return buffer.getvalue()


def kpi_xlsx(runs: Iterable[Run]) -> bytes:
    """XLSX workbook: sheet ``KPIs`` (as the CSV, numbers as numbers) and sheet ``Runs`` (what was run)."""
    runs = list(runs)
    table = kpi_table(runs)
    book = Workbook()
    sheet = book.active
    sheet.title = "KPIs"
    sheet.append([*COLUMNS[:-1], *table["headers"]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table["rows"]:
        sheet.append([row[c] for c in COLUMNS[:-1]] + [_cell(v) for v in row["values"]])
    sheet.freeze_panes = "G2"
    for column, width in zip("ABCDEF", (9, 18, 15, 40, 48, 12), strict=True):
        sheet.column_dimensions[column].width = width
    info = book.create_sheet("Runs")
    info.append(["run_id", "scenario", "seed", "status", "steps", "created_at_utc", "git_sha"])
    for cell in info[1]:
        cell.font = Font(bold=True)
    for run in runs:
        created = run.created_at.replace(tzinfo=None) if run.created_at else None
        info.append([str(run.id), run.scenario_name, run.seed, run.status, run.step, created, run.git_sha])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_label(run: Run) -> str:
    """``name #seed (id…)`` with the scenario name in the request's language (web/display_names.py)."""
    return f"{display_names.run_name(run)} #{run.seed} ({str(run.id)[:8]})"


def kpi_table(runs: list[Run]) -> dict:
    """KPI rows of several runs side by side: ``{"headers": [label…], "rows": [{…, "values": [v…]}]}``.

    Rows keep the first run's order; keys only some runs have are appended in the order they appear.
    """
    keyed: dict[tuple, dict] = {}
    for i, run in enumerate(runs):
        for row in kpi_rows(run.kpis or {}):
            key = (row["scope"], row["id"], row["kpi"])
            entry = keyed.setdefault(key, {**{c: row[c] for c in COLUMNS[:-1]}, "values": [None] * len(runs)})
            entry["values"][i] = row["value"]
    return {"headers": [run_label(r) for r in runs], "rows": list(keyed.values())}
