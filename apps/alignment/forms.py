"""Validation only. Every choice is a queryset handed in by a selector, scoped to the actor."""

from decimal import Decimal
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe

from .selectors import STATUS_CHOICES

WEIGHT_HELP = "How much this goal counts in the parent's progress, relative to its other parts (1 = like a key result)."


class WeightField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", Decimal("9999.99"))
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("initial", Decimal("1"))
        kwargs.setdefault("help_text", WEIGHT_HELP)
        super().__init__(**kwargs)
        self.widget.attrs.update({"step": "0.25", "inputmode": "decimal"})


class LinkForm(forms.Form):
    """Make the goal contribute to ``parent`` (a public id among the goals the actor may link to)."""

    parent = forms.ModelChoiceField(
        queryset=None,
        to_field_name="public_id",
        label="Contributes to",
        error_messages={
            "invalid_choice": "Choose an open goal you can see.",
            "required": "Choose the goal this one contributes to.",
        },
    )
    weight = WeightField(label="Weight")
    reason = forms.CharField(required=False, max_length=300, label="Why (optional)")

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents


class WeightForm(forms.Form):
    weight = WeightField(label="Weight")
    reason = forms.CharField(required=False, max_length=300, label="Why (optional)")


class UnlinkForm(forms.Form):
    reason = forms.CharField(required=False, max_length=300, label="Why (optional)")


class KRContributeForm(forms.Form):
    """Make a key result count toward another (empty: toward nothing)."""

    parent_kr = forms.ModelChoiceField(
        queryset=None,
        to_field_name="public_id",
        required=False,
        label="Counts toward",
        error_messages={"invalid_choice": "Choose a key result of an open goal you can see."},
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent_kr"].queryset = targets


class FilterSelect(forms.Select):
    """A select with the markup of Django's ``select.html``, written in Python: no template include per option."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(str(widget["name"]))}"{flatatt(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(str(group_name))}">')
            parts.extend(
                f'\n  <option value="{escape(str(o["value"]))}"{flatatt(o["attrs"])}>{escape(str(o["label"]))}</option>'
                for o in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every name, value and label is escaped


class TreeFilterForm(forms.Form):
    """Filters of the alignment tree (GET). Unknown or foreign ids are simply invalid: nothing leaks."""

    cycle = forms.ChoiceField(required=False, label="Cycle", widget=FilterSelect)
    team = forms.ModelChoiceField(queryset=None, to_field_name="public_id", required=False, label="Team")
    owner = forms.ModelChoiceField(
        queryset=None, to_field_name="public_id", required=False, label="Owner", widget=FilterSelect
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *STATUS_CHOICES], required=False, label="Status", widget=FilterSelect
    )
    q = forms.CharField(required=False, max_length=100, label="Search goals", strip=True)

    def __init__(self, *args, cycles, teams, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [("", "Current cycle"), ("all", "All cycles")] + [
            (str(c.public_id), c.name) for c in cycles
        ]
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = people
        self.fields["team"].empty_label = "Whole organization"
        self.fields["owner"].empty_label = "Anyone"
        self.fields["owner"].label_from_instance = lambda m: m.user.full_name
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Title or tag", "autocomplete": "off"})

    def show_owners(self, people: list | None, selected=None) -> None:
        """List only ``people`` ((public id, name) pairs) in the owner picker (validation still accepts anyone of the organization).

        ``None``: too many to list (a large organization with no team chosen): the picker keeps
        just the selected owner and says to pick a team first.
        """
        shown = list(people or [])
        if selected is not None and str(selected.public_id) not in {value for value, _ in shown}:
            shown.insert(0, (str(selected.public_id), selected.user.full_name))
        field = self.fields["owner"]
        field.widget.choices = [("", field.empty_label), *shown]
        if people is None:
            field.help_text = "Choose a team first to pick an owner from its people."


class GapsFilterForm(forms.Form):
    cycle = forms.ChoiceField(required=False, label="Cycle", widget=FilterSelect)
    team = forms.ModelChoiceField(queryset=None, to_field_name="public_id", required=False, label="Team")

    def __init__(self, *args, cycles, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [("", "Current cycle")] + [(str(c.public_id), c.name) for c in cycles]
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = "Whole organization"


class ReportFilterForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, to_field_name="public_id", required=False, label="Team")
    format = forms.ChoiceField(choices=[("", "Web page"), ("csv", "CSV")], required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = "Whole organization"
