"""Page forms: start a run, edit a scenario document."""
import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .jsonlimits import MAX_DB_INT, MAX_JSON_DEPTH, JsonTooDeep, loads_bounded
from .scenario_services import DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS

SPEED_CHOICES = [
    ("0", _("As fast as possible")),
    ("1", _("1 step/s")),
    ("5", _("5 steps/s")),
    ("10", _("10 steps/s")),
    ("25", _("25 steps/s")),
    ("100", _("100 steps/s")),
]
SEED_MAX = 2**32 - 1


class RunStartForm(forms.Form):
    """Start a run of one scenario with a seed and a playback speed (0 = as fast as possible)."""

    scenario_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_DB_INT)
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=SEED_MAX)
    speed_steps_per_s = forms.TypedChoiceField(
        label=_("Playback speed"), choices=SPEED_CHOICES, coerce=float, initial="0"
    )


class ScenarioForm(forms.Form):
    """A scenario as name, description and its JSON document (validated by the model core on save)."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_CHARS)
    description = forms.CharField(label=_("Description"), required=False, max_length=DESCRIPTION_MAX_CHARS,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.CharField(
        label=_("Scenario document (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
    )

    def clean_document(self) -> dict:
        raw = self.cleaned_data["document"]
        try:
            data = loads_bounded(raw)
        except JsonTooDeep:
            raise forms.ValidationError(
                _("The document nests deeper than %(depth)s levels."), params={"depth": MAX_JSON_DEPTH}
            ) from None
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: %(msg)s (line %(line)s, column %(col)s)"),
                params={"msg": exc.msg, "line": exc.lineno, "col": exc.colno},
            ) from None
        except ValueError as exc:  # e.g. a NUL character (web.jsonlimits)
            raise forms.ValidationError(_("Not valid JSON: %(msg)s"), params={"msg": str(exc)}) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The document must be a JSON object."))
        return data
