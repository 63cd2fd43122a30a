from django.conf import settings


def goalsite(request):
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "SITE_URL": settings.SITE_URL,
    }
