"""Validation only. Every choice field is scoped to the actor's organization."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from . import selectors
from .models import Membership, Role, Team, TeamKind, TeamRole, User, time_zone_names


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Both are case-sensitive for the password.",
    }


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=[(name, name.replace("_", " ")) for name in time_zone_names()], **kwargs)


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    time_zone = TimeZoneField(label="Time zone", help_text="Reminders arrive at your local time.")
    email_notifications = forms.BooleanField(required=False, label="Email me check-in reminders and weekly digests")

    def clean_full_name(self):
        value = self.cleaned_data["full_name"].strip()
        if not value:
            raise forms.ValidationError("Enter your name.")
        return value


class _OrgScopedForm(forms.Form):
    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor


class MemberChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Membership._default_manager.none(), to_field_name="public_id", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.user.full_name} · {obj.user.email}"


class TeamChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Team._default_manager.none(), to_field_name="public_id", **kwargs)


class InvitationForm(_OrgScopedForm):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(max_length=150, required=False, label="Name")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER, label="Role")
    team = TeamChoiceField(required=False, label="Team", empty_label="No team yet")
    line_manager = MemberChoiceField(required=False, label="Line manager", empty_label="No line manager")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.team_choices(actor=self.actor)
        self.fields["line_manager"].queryset = selectors.member_choices(actor=self.actor)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if selectors.email_has_account(email=email):
            raise forms.ValidationError("Someone with this email address already has an account.")
        return email


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        max_length=150, label="Your name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password.",
    )
    password2 = forms.CharField(
        label="Repeat the password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=self.email, full_name=data.get("full_name", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class MemberForm(_OrgScopedForm):
    role = forms.ChoiceField(choices=Role.choices, label="Role")
    title = forms.CharField(max_length=120, required=False, label="Job title")
    line_manager = MemberChoiceField(required=False, label="Line manager", empty_label="No line manager")
    is_active = forms.BooleanField(required=False, label="Active (can sign in and appears in teams)")

    def __init__(self, *args, member: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line_manager"].queryset = selectors.member_choices(actor=self.actor).exclude(pk=member.pk)


class TeamForm(_OrgScopedForm):
    name = forms.CharField(max_length=120, label="Name")
    kind = forms.ChoiceField(choices=TeamKind.choices, initial=TeamKind.TEAM, label="Level")
    parent = TeamChoiceField(required=False, label="Part of", empty_label="Top level")
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = selectors.team_choices(actor=self.actor, exclude=team)
        self.team = team

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if selectors.team_name_taken(actor=self.actor, name=name, exclude=self.team):
            raise forms.ValidationError("Another team already has this name.")
        return name


class TeamMemberForm(_OrgScopedForm):
    member = MemberChoiceField(label="Person")
    role = forms.ChoiceField(choices=TeamRole.choices, initial=TeamRole.MEMBER, label="Role in team")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.member_choices(actor=self.actor)
