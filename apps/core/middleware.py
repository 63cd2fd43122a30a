from django.http import HttpRequest
from django.shortcuts import render


def membership_not_required(view):
    """Mark a view a signed-in person without an organization may still open."""

    view.membership_required = False
    return view


class MembershipMiddleware:
    """Put the signed-in person's membership and organization on the request.

    Views read ``request.membership`` / ``request.organization`` and never look
    the organization up from anything the client sent. A signed-in account with
    no active membership (e.g. a deactivated person) reaches no organization page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        from apps.accounts.selectors import membership_for_user

        request.membership = None
        request.organization = None
        if request.user.is_authenticated:
            membership = membership_for_user(user=request.user)
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or request.membership is not None:
            return None
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "membership_required", True):
            return None
        if view_func.__module__.startswith("django.contrib.admin"):
            return None
        return render(request, "core/no_membership.html", status=403)
