"""Template filters of shown names in the page's language (web/display_names.py): ``{{ run|run_name }}``."""
from django import template

from web import display_names

register = template.Library()


@register.filter
def run_name(run) -> str:
    """A run's scenario name: its snapshot's ``name_zh`` on Chinese pages (``display_names.run_name``)."""
    return display_names.run_name(run)


@register.filter
def scenario_name(scenario) -> str:
    """A scenario's name: its document's ``name_zh`` on Chinese pages (``display_names.scenario_row_name``)."""
    return display_names.scenario_row_name(scenario)


@register.filter
def sweep_name(sweep) -> str:
    """A sweep's name: "<Chinese scenario name> · 参数扫描" on Chinese pages (``display_names.sweep_name``)."""
    return display_names.sweep_name(sweep)


@register.filter
def actor_name(actor) -> str:
    """An actor's (or link's) name: its ``name_zh`` on Chinese pages (``display_names.actor_name``)."""
    return display_names.actor_name(actor)
