"""Validation only. Field names match the service's error keys so each error lands next to its input.

- ``kr-<key result public_id>``: the new value (prefilled with the current one);
  ``kr-<…>-loaded``: the value the page showed (stale detection).
- ``g-<goal public_id>-<name>``: confidence, status, wins, blockers, next_steps, help_from.

"Ask for help from" is a text field with one shared list of suggestions (the people
closest to the author; typing searches the whole organization with htmx), so a page
with 30 goals in a 5,000-person organization does not carry 30 × 5,000 options.
An answer is resolved to one active colleague (email, exact name or id) in ``clean``.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy

from apps.accounts.models import Membership
from apps.goals.models import Goal, Health, KeyResult, MetricType

from .models import CheckIn
from .selectors import colleague_by_reference
from .services import TEXT_LIMIT, CheckinInput, KRValueInput, kr_field_key

BOOLEAN_METRICS = (MetricType.BOOLEAN, MetricType.MILESTONE)
YES_NO = [("0", "Not done yet"), ("1", "Done")]
CONFIDENCE_CHOICES = [(str(n), str(n)) for n in range(1, 11)]
STATUS_SYMBOLS = {"on_track": "●", "at_risk": "▲", "off_track": "■"}
STATUS_CHOICES = [(value, f"{STATUS_SYMBOLS[value]} {label}") for value, label in Health.choices]
TEXT_FIELDS = (
    ("wins", "Wins", "What went well this week?"),
    ("blockers", "Blockers", "What is in the way?"),
    ("next_steps", "Next steps", "What will you do next?"),
)


def plain(value: Decimal | None) -> str:
    """A stored decimal as a form shows it: 34, 12.5 (no exponent, no trailing zeros)."""
    if value is None:
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    return f"{number.normalize():f}"


def form_value(kr: KeyResult) -> str:
    if kr.metric_type in BOOLEAN_METRICS:
        return "1" if kr.current_value >= 1 else "0"
    return plain(kr.current_value)


def parse_number(raw: str) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip().replace(",", "").replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _text_field(label: str, placeholder: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        strip=True,
        error_messages={
            "max_length": "Keep it under %(limit_value)s characters (this has %(show_value)s). "
            "Move the detail to the goal's description or a comment."
        },
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": placeholder}),
    )


@dataclass
class KRRow:
    kr: KeyResult
    value: forms.BoundField
    loaded: forms.BoundField
    was: Decimal | None  # value at the last check-in (None: no check-in changed it yet)
    is_boolean: bool


HELP_LIST_ID = "help-people"


@dataclass
class GoalRow:
    goal: Goal
    krs: list[KRRow]
    confidence: forms.BoundField
    status: forms.BoundField
    texts: list[forms.BoundField]
    help_from: forms.BoundField
    last: CheckIn | None
    errors: list[str] = field(default_factory=list)


class CheckinForm(forms.Form):
    """One check-in form for several goals (the weekly page) or one (the inline form on a goal page)."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        data=None,
        *,
        actor: Membership,
        goals: list[Goal],
        colleagues: list[Membership],
        last_values: dict[int, Decimal] | None = None,
        last_checkins: dict[int, CheckIn] | None = None,
        corrects: CheckIn | None = None,
        initial: dict | None = None,
    ):
        if data is not None:
            # A key result the page did not show (added, or its goal activated, after it loaded) counts as
            # untouched, never as a blank answer to a question nobody saw.
            data = data.copy()
            for goal in goals:
                for kr in goal.key_results.all():
                    if kr_field_key(kr) not in data:
                        data[kr_field_key(kr)] = data[f"{kr_field_key(kr)}-loaded"] = form_value(kr)
        super().__init__(data, initial=initial)
        self.actor = actor
        self.goals = goals
        self.corrects = corrects
        self.last_values = last_values or {}
        self.last_checkins = last_checkins or {}
        self.goal_errors: dict[str, list[str]] = {}
        self.suggestions = [m for m in colleagues if m.pk != actor.pk]
        self._helpers: dict[int, Membership] = {}
        self._krs: dict[str, KeyResult] = {}
        for goal in goals:
            for kr in goal.key_results.all():
                name = kr_field_key(kr)
                self._krs[name] = kr
                current = form_value(kr)
                if kr.metric_type in BOOLEAN_METRICS:
                    self.fields[name] = forms.ChoiceField(label=kr.title, choices=YES_NO, initial=current)
                else:
                    self.fields[name] = forms.CharField(
                        label=kr.title,
                        max_length=40,
                        initial=current,
                        error_messages={"required": f"Enter a number (it was {current})."},
                        widget=forms.TextInput(
                            attrs={"inputmode": "decimal", "autocomplete": "off", "class": "ci-kr__input"}
                        ),
                    )
                self.fields[f"{name}-loaded"] = forms.CharField(
                    required=False, initial=current, widget=forms.HiddenInput
                )
            prefix = f"g-{goal.public_id}-"
            self.fields[prefix + "confidence"] = forms.ChoiceField(
                label="Confidence",
                required=False,
                choices=CONFIDENCE_CHOICES,
                widget=forms.RadioSelect,
                help_text="1 = it will not happen, 10 = certain.",
            )
            self.fields[prefix + "status"] = forms.ChoiceField(
                label="Status", required=False, choices=STATUS_CHOICES, widget=forms.RadioSelect
            )
            for name, label, placeholder in TEXT_FIELDS:
                self.fields[prefix + name] = _text_field(label, placeholder)
            self.fields[prefix + "help_from"] = forms.CharField(
                label="Ask for help from",
                required=False,
                max_length=254,
                help_text="Type a name or email and pick from the list. They get a notice with your blocker.",
                widget=forms.TextInput(
                    attrs={
                        "list": HELP_LIST_ID,
                        "autocomplete": "off",
                        "placeholder": "Nobody",
                        "hx-get": reverse_lazy("checkins:help_search"),
                        "hx-trigger": "input changed delay:250ms",
                        "hx-target": f"#{HELP_LIST_ID}",
                        "hx-swap": "innerHTML",
                        "hx-sync": "this:replace",
                    }
                ),
            )

    # --- validation ------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        for name, kr in self._krs.items():
            raw = cleaned.get(name)
            if raw in (None, ""):
                continue
            value = parse_number(raw)
            if value is None:
                self.add_error(name, "Enter a number, like 34 or 12.5.")
            elif abs(value) >= Decimal("1e12"):
                self.add_error(name, "Enter a number below a trillion.")
            elif kr.metric_type == MetricType.PERCENTAGE and not 0 <= value <= 1000:
                self.add_error(name, "A percentage is between 0 and 1000.")
            elif value.as_tuple().exponent < -4:
                self.add_error(name, "Use at most four decimal places.")
        for goal in self.goals:
            prefix = f"g-{goal.public_id}-"
            answer = (cleaned.get(prefix + "help_from") or "").strip()
            if not answer:
                continue
            helper = colleague_by_reference(actor=self.actor, text=answer)
            if helper is None:
                self.add_error(
                    prefix + "help_from",
                    f"Nobody active in your organization goes by “{answer}”. Pick a name from the list.",
                )
                continue
            self._helpers[goal.pk] = helper
            if not cleaned.get(prefix + "blockers"):
                self.add_error(
                    prefix + "blockers",
                    f"Describe the blocker so {helper.user.get_short_name()} knows what to help with.",
                )
        return cleaned

    def foreign_kr_ids(self) -> list[str]:
        """Key result ids posted that are not on this form (tampering, or a key result removed meanwhile)."""
        if self.data is None:
            return []
        ids = []
        for key in self.data:
            if key.startswith("kr-") and not key.endswith("-loaded") and key not in self.fields:
                ids.append(key[3:])
        return ids

    def _is_touched(self, goal: Goal) -> bool:
        data = self.cleaned_data
        prefix = f"g-{goal.public_id}-"
        if self.corrects is not None:
            return True
        if any(data.get(prefix + name) for name in ("confidence", "status", "wins", "blockers", "next_steps")):
            return True
        for kr in goal.key_results.all():
            name = kr_field_key(kr)
            new, loaded = parse_number(data.get(name, "")), parse_number(data.get(f"{name}-loaded") or "")
            if new is not None and new != (loaded if loaded is not None else kr.current_value):
                return True
        return False

    def entries(self, foreign: list[KeyResult] = ()) -> list[CheckinInput]:
        """What to hand to ``services.checkin_submit``: one entry per touched goal (untouched goals are skipped)."""
        data = self.cleaned_data
        entries = []
        for goal in self.goals:
            if not self._is_touched(goal):
                continue
            prefix = f"g-{goal.public_id}-"
            kr_values = [
                KRValueInput(
                    key_result=kr,
                    value=data[kr_field_key(kr)],
                    loaded_value=data.get(f"{kr_field_key(kr)}-loaded") or "",
                )
                for kr in goal.key_results.all()
            ]
            confidence = data.get(prefix + "confidence")
            entries.append(
                CheckinInput(
                    goal=goal,
                    kr_values=kr_values,
                    confidence=int(confidence) if confidence else None,
                    status=data.get(prefix + "status") or "",
                    wins=data.get(prefix + "wins") or "",
                    blockers=data.get(prefix + "blockers") or "",
                    next_steps=data.get(prefix + "next_steps") or "",
                    help_from=self._helpers.get(goal.pk),
                    corrects=self.corrects,
                )
            )
        # Key results posted from outside this form go to the service as they are: it refuses any
        # the actor may not change (PermissionDenied) and explains an inactive goal.
        by_goal: dict[int, CheckinInput] = {}
        for kr in foreign:
            entry = by_goal.setdefault(kr.goal_id, CheckinInput(goal=kr.goal))
            entry.kr_values.append(
                KRValueInput(
                    key_result=kr,
                    value=str(self.data.get(kr_field_key(kr), "")),
                    loaded_value=str(self.data.get(f"{kr_field_key(kr)}-loaded", "")),
                )
            )
        return entries + list(by_goal.values())

    def add_service_errors(self, error: ValidationError) -> None:
        """Put each of the service's errors next to its field; goal-level ones on the goal's card."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        goal_ids = {str(goal.public_id) for goal in self.goals}
        for key, errors in error.error_dict.items():
            messages = [m for e in errors for m in e.messages]
            if key in self.fields:
                self.add_error(key, messages)
            elif key.startswith("g-") and key[2:38] in goal_ids:
                self.goal_errors.setdefault(key[2:38], []).extend(messages)
            else:
                self.add_error(None, messages)

    # --- rendering -------------------------------------------------------------------

    def rebased(self, goals: list[Goal]) -> "CheckinForm":
        """The same answers on freshly read goals, after the service refused a submission.

        A value the person did not touch follows the stored one; a value they changed keeps
        what they typed, and its "loaded" value becomes the stored one, so that submitting
        again after reading the explanation saves it.
        """
        data = self.data.copy()
        for goal in goals:
            for kr in goal.key_results.all():
                name = kr_field_key(kr)
                current = form_value(kr)
                new, loaded = parse_number(data.get(name, "")), parse_number(data.get(f"{name}-loaded", ""))
                if new is not None and loaded is not None and new == loaded:
                    data[name] = current
                data[f"{name}-loaded"] = current
        return CheckinForm(
            data,
            actor=self.actor,
            goals=goals,
            colleagues=self.suggestions,
            last_values=self.last_values,
            last_checkins=self.last_checkins,
            corrects=self.corrects,
        )

    def goal_rows(self) -> list[GoalRow]:
        rows = []
        for goal in self.goals:
            prefix = f"g-{goal.public_id}-"
            krs = [
                KRRow(
                    kr=kr,
                    value=self[kr_field_key(kr)],
                    loaded=self[f"{kr_field_key(kr)}-loaded"],
                    was=self.last_values.get(kr.pk),
                    is_boolean=kr.metric_type in BOOLEAN_METRICS,
                )
                for kr in goal.key_results.all()
            ]
            rows.append(
                GoalRow(
                    goal=goal,
                    krs=krs,
                    confidence=self[prefix + "confidence"],
                    status=self[prefix + "status"],
                    texts=[self[prefix + name] for name, _, _ in TEXT_FIELDS],
                    help_from=self[prefix + "help_from"],
                    last=self.last_checkins.get(goal.pk),
                    errors=self.goal_errors.get(str(goal.public_id), []),
                )
            )
        return rows

    def error_summary(self) -> list[tuple[Goal, str, int]]:
        """(goal, its first error, how many) for each goal with something to fix: the links atop the form."""
        summary = []
        for goal in self.goals:
            names = [kr_field_key(kr) for kr in goal.key_results.all()]
            names += [f"g-{goal.public_id}-{name}" for name in ("confidence", "status", "help_from")]
            names += [f"g-{goal.public_id}-{name}" for name, _, _ in TEXT_FIELDS]
            messages = list(self.goal_errors.get(str(goal.public_id), []))
            for name in names:
                messages += self.errors.get(name, [])
            if messages:
                summary.append((goal, messages[0], len(messages)))
        return summary

    @property
    def error_count(self) -> int:
        return sum(len(e) for e in self.errors.values()) + sum(len(e) for e in self.goal_errors.values())


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=TEXT_LIMIT,
        error_messages={
            "required": "Write a comment.",
            "max_length": "Keep it under %(limit_value)s characters (this has %(show_value)s).",
        },
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a comment — @name to mention someone"}),
    )


class FlagForm(forms.Form):
    note = forms.CharField(
        label="Note for the 1:1",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "What to talk about (optional)"}),
    )
    on = forms.BooleanField(required=False, initial=True, widget=forms.HiddenInput)


class ToggleForm(forms.Form):
    on = forms.BooleanField(required=False, widget=forms.HiddenInput)
