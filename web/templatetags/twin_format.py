"""Formatting filters for the pages: durations, horizons, run progress."""
from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def hours_span(hours) -> str:
    """A span given in hours as the largest readable unit: ``15 min``, ``6 h``, ``7 d``, ``1 yr``."""
    try:
        h = float(hours)
    except (TypeError, ValueError):
        return "—"
    if h <= 0:
        return "—"
    if h < 1:
        return _("%(n)s min") % {"n": _num(h * 60)}
    if h < 48:
        return _("%(n)s h") % {"n": _num(h)}
    if h >= 8760 and h % 8760 < 24:
        return _("%(n)s yr") % {"n": _num(h / 8760)}
    return _("%(n)s d") % {"n": _num(h / 24)}


@register.filter
def seconds_span(seconds) -> str:
    """A duration in seconds as ``42 s``, ``3 min 05 s`` or ``2 h 07 min``; ``—`` when unknown."""
    if seconds is None:
        return "—"
    s = int(round(float(seconds)))
    if s < 60:
        return _("%(s)s s") % {"s": s}
    if s < 3600:
        return _("%(m)s min %(s)02d s") % {"m": s // 60, "s": s % 60}
    return _("%(h)s h %(m)02d min") % {"h": s // 3600, "m": (s % 3600) // 60}


@register.filter
def percent(fraction) -> str:
    """A fraction 0…1 as a whole-number percentage string without the sign."""
    try:
        return str(int(max(0.0, min(1.0, float(fraction))) * 100))
    except (TypeError, ValueError):
        return "0"


def _num(x: float) -> str:
    return str(int(x)) if abs(x - round(x)) < 1e-9 else f"{x:.1f}"
