from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# The links of the page header, by name: the same for every page, so reversed once per process (and prefix).
NAV_ROUTES = {
    "home": "core:home",
    "dashboard": "dashboards:team",
    "goals": "goals:mine",
    "alignment": "alignment:tree",
    "checkin": "checkins:week",
    "review": "checkins:team",
    "templates": "goals:templates",
    "teams": "accounts:teams",
    "people": "accounts:people",
    "notifications": "notifications:list",
    "career": "goals:career",
    "feedback": "goals:feedback_inbox",
    "profile": "accounts:profile",
    "password": "accounts:password_change",
    "logout": "accounts:logout",
}


@cache
def _nav(prefix: str, urlconf: str | None) -> dict[str, str]:
    links = {}
    for name, route in NAV_ROUTES.items():
        try:
            links[name] = reverse(route, urlconf=urlconf)
        except NoReverseMatch:  # an app that is not installed (the alignment pages are optional)
            continue
    return links


def goalsite(request):
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "SITE_URL": settings.SITE_URL,
        "nav": _nav(get_script_prefix(), get_urlconf()),
    }
