"""Forms of the template library and cycles. Validation only; choices scoped to the actor's organization."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from apps.accounts.models import Membership

from . import catalog, selectors
from .models import Cycle, CycleKind, Framework, Visibility

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class CycleChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Cycle._default_manager.none(), to_field_name="public_id", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.starts_on:%d %b} – {obj.ends_on:%d %b %Y})"


# --- library filters -----------------------------------------------------------------


class LibraryFilterForm(forms.Form):
    """The library's filters: a GET form, so a filtered list has a link of its own."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search templates",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "e.g. conversion, certification, mentor", "autocomplete": "off"}
        ),
    )
    role = forms.ChoiceField(required=False, label="Role")
    industry = forms.ChoiceField(required=False, label="Function")
    stage = forms.ChoiceField(required=False, label="Career stage")

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "All roles"), *((r, r) for r in roles)]
        self.fields["industry"].choices = [("", "All"), *catalog.INDUSTRIES.items()]
        self.fields["stage"].choices = [("", "All"), *catalog.CAREER_STAGES.items()]

    def filters(self) -> dict[str, str]:
        """The valid filters (an unknown value is ignored rather than shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "text": data.get("q", "").strip(),
            "role": data.get("role", ""),
            "industry": data.get("industry", ""),
            "stage": data.get("stage", ""),
        }


# --- using a template ----------------------------------------------------------------


def _blank_field(name: str) -> forms.Field:
    kind = catalog.blank_kind(name)
    label = name[:1].upper() + name[1:]
    if kind == catalog.PERCENTAGE:
        return forms.DecimalField(
            label=label,
            min_value=Decimal("0.1"),
            max_value=Decimal(1000),
            max_digits=6,
            decimal_places=2,
            help_text="A number; the % sign is added for you.",
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "class": "input--pct"}),
        )
    if kind == catalog.NUMBER:
        return forms.DecimalField(
            label=label,
            min_value=Decimal(1),
            max_value=Decimal(10**9),
            max_digits=12,
            decimal_places=2,
            help_text="A whole number is usual.",
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        )
    if kind == catalog.DATE:
        return forms.DateField(label=label, widget=DATE_WIDGET)
    if kind == catalog.TIMEFRAME:
        return forms.CharField(
            label=label,
            max_length=40,
            help_text="For example “6 months”, “2 quarters” or “8 weeks”.",
            widget=forms.TextInput(attrs={"placeholder": "6 months"}),
        )
    return forms.CharField(label=label, max_length=80, help_text=f"What goes in “[{name}]”.")


class TemplateUseForm(forms.Form):
    """One field per blank of the template, then where the goal goes."""

    cycle = CycleChoiceField(
        required=False,
        label="Cycle",
        empty_label="Open-ended (no cycle)",
        help_text="A quarterly goal sits in a cycle; a longer career goal can be open-ended.",
    )
    due_date = forms.DateField(
        required=False,
        label="Due date",
        widget=DATE_WIDGET,
        help_text="Leave empty to use the date in the title, the timeframe from today, or the cycle's end.",
    )
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.ORGANIZATION, label="Who can see it")

    def __init__(self, *args, actor: Membership, template: catalog.Template, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.template = template
        self.blank_names: dict[str, str] = {}
        blank_fields = {}
        for index, name in enumerate(template.blanks):
            field_name = f"blank_{index}"
            self.blank_names[field_name] = name
            blank_fields[field_name] = _blank_field(name)
        # Blanks first, in title order, then the goal's placement.
        self.fields = {**blank_fields, **self.fields}
        self.fields["cycle"].queryset = selectors.cycle_list(actor=actor)

    @property
    def blank_fields(self):
        """(bound field, blank kind, blank name) for each blank, in title order."""
        return [(self[field], catalog.blank_kind(name), name) for field, name in self.blank_names.items()]

    @property
    def placement_fields(self):
        return [self["cycle"], self["due_date"], self["visibility"]]

    def values(self) -> dict[str, object]:
        """Blank name → typed answer, for every blank that is valid so far (used by the live preview too)."""
        data = getattr(self, "cleaned_data", {})
        return {name: data[field] for field, name in self.blank_names.items() if data.get(field) not in (None, "")}

    def clean_due_date(self):
        due = self.cleaned_data.get("due_date")
        if due and due < timezone.localdate():
            raise forms.ValidationError("The due date has passed; pick a date from today on.")
        return due


class OrgTemplateForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        label="Goal title with blanks",
        help_text="Put what each person fills in between brackets: [percentage], [number], [date], [timeframe], "
        "or any name like [tool].",
        widget=forms.TextInput(attrs={"placeholder": "Cut onboarding time by [percentage] by [date]"}),
    )
    role = forms.CharField(max_length=80, required=False, label="Role", help_text="Leave empty for any role.")
    industry = forms.ChoiceField(required=False, label="Function", choices=[("", "Any"), *catalog.INDUSTRIES.items()])
    career_stage = forms.ChoiceField(
        required=False, label="Career stage", choices=[("", "Any"), *catalog.CAREER_STAGES.items()]
    )
    framework = forms.ChoiceField(choices=Framework.choices, initial=Framework.SMART, label="Framework")
    why = forms.CharField(
        max_length=2000,
        label="Why it matters",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences; it becomes the goal's “why”, which the SMART check reads.",
    )
    involves = forms.CharField(
        max_length=2000,
        label="What it involves",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The main steps someone takes to reach it.",
    )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if "[" in title and not catalog.blanks(title):
            raise forms.ValidationError("A blank is written like [number]: an opening and a closing bracket.")
        if title.count("[") != title.count("]"):
            raise forms.ValidationError("Every “[” needs a matching “]”.")
        return title


# --- cycles --------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


class CycleForm(forms.Form):
    kind = forms.ChoiceField(choices=CycleKind.choices, initial=CycleKind.QUARTER, label="Kind")
    starts_on = forms.DateField(label="Starts on", widget=DATE_WIDGET)
    ends_on = forms.DateField(
        required=False,
        label="Ends on",
        widget=DATE_WIDGET,
        help_text="Leave empty for a quarter, half or year: it is computed from the start.",
    )
    name = forms.CharField(
        max_length=60, required=False, label="Name", help_text="Leave empty for a name like “Q3 2027” or “H2 2027”."
    )

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self):
        data = super().clean()
        starts, ends, kind = data.get("starts_on"), data.get("ends_on"), data.get("kind")
        if not starts or not kind:
            return data
        if not ends:
            months = {CycleKind.QUARTER: 3, CycleKind.HALF: 6, CycleKind.YEAR: 12}.get(kind)
            if months is None:
                self.add_error("ends_on", "A custom cycle needs an end date.")
                return data
            ends = _add_months(starts.replace(day=1), months) - timedelta(days=1)
            data["ends_on"] = ends
        if not data.get("name", "").strip():
            if kind == CycleKind.QUARTER:
                data["name"] = f"Q{(starts.month - 1) // 3 + 1} {starts.year}"
            elif kind == CycleKind.HALF:
                data["name"] = f"H{1 if starts.month <= 6 else 2} {starts.year}"
            elif kind == CycleKind.YEAR:
                data["name"] = str(starts.year)
            else:
                data["name"] = f"{starts:%d %b %Y} – {ends:%d %b %Y}"
        if selectors.cycle_name_taken(actor=self.actor, name=data["name"]):
            self.add_error("name", f"A cycle named “{data['name']}” already exists; choose another name.")
        return data
