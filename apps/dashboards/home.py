"""Where "/" sends a signed-in person (``settings.GOALSITE_HOME_RESOLVER`` names this)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from . import selectors


def resolve(request: HttpRequest) -> str | None:
    """Admins and team managers land on the team dashboard; everyone else on My goals."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return None
    if selectors.manages_any_team(actor=membership):
        return reverse("dashboards:team")
    return reverse("goals:mine")
