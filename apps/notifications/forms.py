"""Reminder preferences (personal) and reminder policy (organization default, team override). Validation only."""

from django import forms
from django.core.validators import URLValidator

from .models import ReminderPolicy, Weekday

DEFAULT_CHOICE = [("", "Use the default")]


class ReminderPreferenceForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Send me check-in reminders")
    weekday = forms.TypedChoiceField(
        choices=DEFAULT_CHOICE + list(Weekday.choices),
        coerce=int,
        empty_value=None,
        required=False,
        label="Day",
        help_text="Your own check-in day, in your time zone.",
    )
    local_time = forms.TimeField(
        required=False, label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    paused_until = forms.DateField(
        required=False,
        label="Pause until",
        help_text="No reminders up to and including this day (e.g. while on holiday).",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_paused_until(self):
        value = self.cleaned_data.get("paused_until")
        if value is not None and self.today is not None and value < self.today:
            raise forms.ValidationError("Pick today or a later day.")
        return value


class ReminderPolicyForm(forms.ModelForm):
    class Meta:
        model = ReminderPolicy
        fields = [
            "weekday",
            "local_time",
            "reminders_enabled",
            "manager_notices_enabled",
            "digest_weekday",
            "digest_time",
            "digests_enabled",
            "due_soon_days",
        ]
        labels = {
            "weekday": "Check-in day",
            "local_time": "Reminder time",
            "digest_weekday": "Digest day",
            "digest_time": "Digest time",
            "due_soon_days": "Days of warning before a due date",
        }
        widgets = {
            "local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class TeamPolicyForm(forms.Form):
    weekday = forms.TypedChoiceField(
        choices=[("", "Use the organization's day"), *list(Weekday.choices)],
        coerce=int,
        empty_value=None,
        required=False,
        label="Team check-in day",
    )
    local_time = forms.TimeField(
        required=False, label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    webhook_url = forms.CharField(
        required=False,
        max_length=500,
        label="Incoming webhook URL",
        help_text="Slack or Teams: the team's weekly check-in summary and celebrations are posted here, signed "
        "with HMAC-SHA256 in X-Goalsite-Signature.",
        validators=[URLValidator(schemes=["https", "http"])],
    )

    def clean(self):
        data = super().clean()
        if data.get("weekday") is not None and data.get("local_time") is None:
            self.add_error("local_time", "Pick a time for the team's check-in day.")
        return data
