"""Validation only. Every choice field is scoped to the actor's organization through selectors."""

from decimal import Decimal

from django import forms

from apps.accounts.models import Membership, Team

from . import selectors
from .models import Cycle, Direction, Framework, GoalStatus, Health, Horizon, MetricType, Visibility

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
YES_NO = [("0", "Not yet"), ("1", "Done")]
BOOLEAN_METRICS = (MetricType.BOOLEAN, MetricType.MILESTONE)


class _OrgScopedForm(forms.Form):
    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor


class CycleChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Cycle._default_manager.none(), to_field_name="public_id", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.starts_on:%d %b} – {obj.ends_on:%d %b %Y})"


class TeamChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Team._default_manager.none(), to_field_name="public_id", **kwargs)


def _number(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=16, decimal_places=4, widget=forms.NumberInput(attrs={"step": "any"}), **kwargs
    )


# --- goals ---------------------------------------------------------------------------


class GoalForm(_OrgScopedForm):
    title = forms.CharField(
        max_length=200,
        help_text="Say what will be different, e.g. “Present a project update to the team every month”.",
    )
    description = forms.CharField(
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why it matters (“…so that …”) and any context. Markdown: **bold**, lists, links.",
    )
    framework = forms.ChoiceField(
        choices=Framework.choices,
        initial=Framework.OKR,
        help_text="OKR: an objective measured by 2–5 key results. SMART: one measurable target. "
        "Milestone plan: start from the end state and plan backwards.",
    )
    horizon = forms.ChoiceField(choices=Horizon.choices, initial=Horizon.SHORT)
    cycle = CycleChoiceField(
        required=False,
        empty_label="Open-ended (career goal)",
        help_text="The period this goal is set for; open-ended goals stay until you close them.",
    )
    owner_team = TeamChoiceField(
        required=False,
        label="Owner",
        empty_label="Me (a personal goal)",
        help_text="A team goal belongs to the whole team; only its manager or an admin can set one.",
    )
    due_date = forms.DateField(required=False, widget=DATE_WIDGET, help_text="Leave empty to use the end of the cycle.")
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.ORGANIZATION)
    tags = forms.CharField(
        required=False, max_length=200, help_text="Comma-separated, e.g. sales, enterprise. Up to 10."
    )
    end_state = forms.CharField(
        required=False,
        max_length=2000,
        label="End state",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a milestone plan: what is true when it is done. The plan works backwards from it.",
    )
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Why the change?",
        help_text="The goal is active: the reason is kept in its history with the change.",
    )

    def __init__(self, *args, goal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal = goal
        self.fields["cycle"].queryset = selectors.cycle_choices(actor=self.actor)
        if goal is not None:
            del self.fields["owner_team"]  # ownership does not change after creation
            if goal.status != GoalStatus.ACTIVE:
                del self.fields["reason"]
        else:
            del self.fields["reason"]
            teams = selectors.goal_owner_team_choices(actor=self.actor)
            if teams.exists():
                self.fields["owner_team"].queryset = teams
            else:
                del self.fields["owner_team"]  # only managers and admins set team goals

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 3:
            raise forms.ValidationError("Give the goal a title of at least 3 characters.")
        return title

    def clean(self):
        data = super().clean()
        if data.get("framework") == Framework.PLAN and not (data.get("end_state") or "").strip():
            self.add_error("end_state", "A milestone plan starts from its end state: say what is true when it is done.")
        cycle, due = data.get("cycle"), data.get("due_date")
        if cycle is not None and due is not None and due < cycle.starts_on:
            self.add_error("due_date", f"The due date is before {cycle.name} starts ({cycle.starts_on:%d %b %Y}).")
        elif cycle is not None and due is None and "due_date" in data:
            data["due_date"] = cycle.ends_on
        return data


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label="Outcome",
        choices=[
            (GoalStatus.ACHIEVED, "Achieved"),
            (GoalStatus.MISSED, "Missed: a learning record, not a failure mark"),
            (GoalStatus.DROPPED, "Dropped: no longer relevant"),
        ],
        widget=forms.RadioSelect,
    )
    score = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=3,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
        help_text="0.0 = nothing of it, 1.0 = fully achieved. Prefilled from the progress.",
    )
    reflection_worked = forms.CharField(
        required=False, max_length=4000, label="What worked?", widget=forms.Textarea(attrs={"rows": 3})
    )
    reflection_differently = forms.CharField(
        required=False,
        max_length=4000,
        label="What would you do differently?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status in (GoalStatus.ACHIEVED, GoalStatus.MISSED) and not (
            (data.get("reflection_worked") or "").strip() or (data.get("reflection_differently") or "").strip()
        ):
            self.add_error(
                "reflection_worked", "Write a short reflection: what worked, or what you would do differently."
            )
        return data


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why reopen it?",
        help_text="Kept in the goal's history.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. The launch moved to next month"}),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the goal is reopened.")
        return reason


class CarryOverForm(_OrgScopedForm):
    cycle = CycleChoiceField(label="Carry over to", empty_label=None)

    def __init__(self, *args, goal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = selectors.cycle_choices(actor=self.actor, exclude=goal.cycle)
        self.fields[
            "cycle"
        ].help_text = "A copy with its key results, open steps and alignment; this goal stays as it is and links to it."


class ConfidenceForm(forms.Form):
    confidence = forms.ChoiceField(
        required=False,
        label="How confident are you?",
        choices=[("", "Let the pace decide"), *Health.choices],
        help_text="Your call overrides the pace-based status; the page still shows what the pace alone says.",
    )
    note = forms.CharField(required=False, max_length=300, label="Why?", help_text="Shown next to the status.")


# --- key results ---------------------------------------------------------------------


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="A measurable result, e.g. “Qualified leads per month”.")
    metric_type = forms.ChoiceField(label="Measured as", choices=MetricType.choices, initial=MetricType.NUMBER)
    unit = forms.CharField(
        required=False, max_length=20, help_text="leads, tickets, days… For currency: EUR, USD, $ or €."
    )
    start_value = _number(required=False, initial=0, label="Start")
    target_value = _number(required=False, label="Target")
    current_value = _number(required=False, label="Current", help_text="Leave empty to start at the start value.")
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INCREASE, required=False)
    weight = forms.DecimalField(
        required=False,
        initial=1,
        min_value=Decimal("0"),
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
        help_text="How much it counts in the goal's progress (0 = not at all).",
    )
    reason = forms.CharField(
        required=False, max_length=500, label="Why the change?", help_text="Kept in the goal's history."
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["current_value"]
        else:
            del self.fields["reason"]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Name the key result.")
        return title

    def clean(self):
        data = super().clean()
        if data.get("metric_type") in BOOLEAN_METRICS:
            data["start_value"], data["target_value"] = Decimal(0), Decimal(1)
            data["direction"], data["unit"] = Direction.INCREASE, ""
            if data.get("current_value") not in (None, Decimal(0), Decimal(1)):
                self.add_error("current_value", "A yes/no key result is 0 (not yet) or 1 (done).")
        elif data.get("target_value") is None and "target_value" not in self.errors:
            self.add_error("target_value", "Enter the target value.")
        data["direction"] = data.get("direction") or Direction.INCREASE
        if data.get("start_value") is None:
            data["start_value"] = Decimal(0)
        if data.get("weight") is None:
            data["weight"] = Decimal(1)
        return data


class KRValueForm(forms.Form):
    value = _number(label="Current value")
    expected_current = forms.DecimalField(required=False, max_digits=16, decimal_places=4, widget=forms.HiddenInput)

    def __init__(self, *args, kr, **kwargs):
        kwargs.setdefault("auto_id", f"kr-{kr.public_id}-%s")
        super().__init__(*args, **kwargs)
        self.kr = kr
        if kr.metric_type in BOOLEAN_METRICS:
            self.fields["value"] = forms.TypedChoiceField(
                label="Done?", choices=YES_NO, coerce=Decimal, empty_value=None
            )
        if kr.unit:
            self.fields["value"].label = f"Current value ({kr.unit})"


# --- milestones ----------------------------------------------------------------------


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200, label="Step")
    due_date = forms.DateField(required=False, widget=DATE_WIDGET, label="Due")
    before_first = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, goal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal = goal

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Name the step.")
        return title

    def clean_due_date(self):
        due = self.cleaned_data.get("due_date")
        if due and self.goal is not None and self.goal.due_date and due > self.goal.due_date:
            raise forms.ValidationError(f"A step cannot be due after the goal itself ({self.goal.due_date:%d %b %Y}).")
        return due


class RescheduleForm(forms.Form):
    due_date = forms.DateField(widget=DATE_WIDGET, label="New date")
    reason = forms.CharField(
        max_length=500, label="Why does it move?", help_text="Required: it stays in the goal's history."
    )

    def __init__(self, *args, milestone=None, **kwargs):
        if milestone is not None:
            kwargs.setdefault("auto_id", f"ms-{milestone.public_id}-%s")
        super().__init__(*args, **kwargs)
        self.milestone = milestone

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the step moves: it stays in the goal's history.")
        return reason
