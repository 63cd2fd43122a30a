from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from apps.accounts.models import Membership, Organization, User


class AuthedRequest(HttpRequest):
    """A request from a signed-in member; MembershipMiddleware fills these in."""

    user: User
    membership: Membership
    organization: Organization
    htmx: HtmxDetails
