"""Forms for coaching (GROW), coaches, feedback and the career profile. Validation only.

Every person or goal choice comes from a selector scoped to the actor's organization
(and, for goals, to the actor's own goals), so another tenant's id can never be posted.
"""

from django import forms
from django.utils import timezone

from apps.accounts.models import Membership

from . import selectors
from .models import Goal

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class MemberChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Membership._default_manager.none(), to_field_name="public_id", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.user.full_name}{f' · {obj.title}' if obj.title else ''}"


class GoalChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Goal._default_manager.none(), to_field_name="public_id", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.get_status_display().lower()})"


# --- coaching ------------------------------------------------------------------------


class CoachingSessionForm(forms.Form):
    held_on = forms.DateField(label="Date of the conversation", widget=DATE_WIDGET)
    grow_goal = forms.CharField(
        label="Goal — what do you want?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What should be true at the end of this goal, and what would make this conversation useful today?",
    )
    reality = forms.CharField(
        label="Reality — where are you now?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What has happened so far, what is in the way, and what is the root cause behind it?",
    )
    options = forms.CharField(
        label="Options — what could you do?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="List several ways forward before choosing: split the work, ask for help, change the plan…",
    )
    will = forms.CharField(
        label="Will — what will you do, and by when?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Book a call with the pilot customer by 2027-02-12"}),
        help_text="One action per line. End a line with “by YYYY-MM-DD” to give it a date. "
        "Each line can become a milestone on the goal with one click.",
    )

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError("Record a conversation that has taken place (today or earlier).")
        return held_on


class CoachInviteForm(forms.Form):
    member = MemberChoiceField(label="Colleague", empty_label="Choose a colleague…")

    def __init__(self, *args, actor: Membership, goal: Goal, **kwargs):
        super().__init__(*args, **kwargs)
        taken = [goal.owner_member_id, *(coach.member_id for coach in goal.coaches.all())]
        self.fields["member"].queryset = selectors.member_choices(actor=actor, exclude_ids=[i for i in taken if i])


class FeedbackRequestForm(forms.Form):
    recipient = MemberChoiceField(label="Ask", empty_label="Choose a colleague…")
    question = forms.CharField(
        label="Your question",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What would you do differently in my next demo?"}),
        help_text="A specific question gets a useful answer.",
    )

    def __init__(self, *args, actor: Membership, goal: Goal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = selectors.member_choices(actor=actor, exclude_ids=[actor.pk])


class FeedbackAnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your feedback",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Say what you saw, what worked, and one thing to try next.",
    )


# --- career profile ------------------------------------------------------------------


class CareerProfileForm(forms.Form):
    vision = forms.CharField(
        required=False,
        max_length=4000,
        label="Where do you want to be in 5–10 years?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The role, the kind of work, the people around you. A direction is enough; it can change.",
    )
    strengths = forms.CharField(
        required=False,
        max_length=4000,
        label="Strengths",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What people come to you for; what you do well without effort.",
    )
    weaknesses = forms.CharField(
        required=False,
        max_length=4000,
        label="Skill and knowledge gaps",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What stands between you and the vision: the gaps to close.",
    )

    RANKS = (1, 2, 3)
    PLACEHOLDERS = (
        "Lead a product team of 5 within 3 years",
        "Earn the PMP certification by June 2027",
        "Present at an industry conference next year",
    )

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        goals = selectors.own_goal_choices(actor=actor)
        for rank in self.RANKS:
            self.fields[f"title_{rank}"] = forms.CharField(
                required=False,
                max_length=200,
                label=f"Career goal {rank}",
                widget=forms.TextInput(attrs={"placeholder": self.PLACEHOLDERS[rank - 1]}),
            )
            self.fields[f"goal_{rank}"] = GoalChoiceField(
                required=False,
                label=f"Tracked by (goal {rank})",
                empty_label="Not linked to a goal",
                help_text="Link one of your goals to show its progress next to this career goal.",
            )
            self.fields[f"goal_{rank}"].queryset = goals

    @property
    def profile_fields(self):
        return [self["vision"], self["strengths"], self["weaknesses"]]

    @property
    def ranked_fields(self):
        return [(rank, self[f"title_{rank}"], self[f"goal_{rank}"]) for rank in self.RANKS]

    def clean(self):
        data = super().clean()
        for rank in self.RANKS:
            if data.get(f"goal_{rank}") and not (data.get(f"title_{rank}") or "").strip():
                self.add_error(f"title_{rank}", "Name the career goal this goal tracks.")
        linked = [data.get(f"goal_{rank}") for rank in self.RANKS if data.get(f"goal_{rank}")]
        if len({g.pk for g in linked}) != len(linked):
            raise forms.ValidationError("Link each goal to one career goal only.")
        return data

    def top_goals(self) -> list[tuple[str, Goal | None]]:
        data = self.cleaned_data
        return [
            (data[f"title_{rank}"].strip(), data.get(f"goal_{rank}"))
            for rank in self.RANKS
            if (data.get(f"title_{rank}") or "").strip()
        ]
