from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from apps.core.middleware import membership_not_required

from . import views

app_name = "accounts"

urlpatterns = [
    path("signin/", views.SignInView.as_view(), name="login"),
    # Open to an account without an organization too: the "no organization" page offers it.
    path("signout/", membership_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            html_email_template_name="accounts/email/password_reset.html",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("account/", views.profile, name="profile"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/<uuid:public_id>/", views.person_detail, name="person_detail"),
    path("invitations/<uuid:public_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<uuid:public_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("join/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("teams/", views.teams, name="teams"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<uuid:public_id>/", views.team_detail, name="team_detail"),
    path("teams/<uuid:public_id>/edit/", views.team_edit, name="team_edit"),
    path("teams/<uuid:public_id>/members/", views.team_member_add, name="team_member_add"),
    path(
        "teams/<uuid:public_id>/members/<uuid:member_id>/remove/",
        views.team_member_remove,
        name="team_member_remove",
    ),
]
