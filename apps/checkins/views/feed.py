"""Team feed (celebrations, kudos, comments) and the person's notices."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.types import AuthedRequest

from .. import selectors, services
from ..forms import CommentForm
from ._common import comment_response

FEED = "checkins/feed.html"


def _feed_url(celebration) -> str:
    return reverse("checkins:feed") + f"#cel-{celebration.public_id}"


@require_GET
def feed(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    context = {
        "celebrations": list(selectors.team_feed(actor=actor)),
        "unread": selectors.unread_notice_count(actor=actor),
        "comment_form": CommentForm(),
    }
    return render(request, FEED, context)


@require_POST
def kudos(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    celebration = selectors.celebration_get(actor=actor, public_id=public_id)
    services.kudos_give(actor=actor, celebration=celebration)
    if not request.htmx:
        return redirect(_feed_url(celebration))
    celebration = selectors.celebration_detail(actor=actor, public_id=public_id)
    return render(request, f"{FEED}#kudos", {"celebration": celebration})


@require_POST
def celebration_comment(request: AuthedRequest, public_id) -> HttpResponse:
    celebration = selectors.celebration_get(actor=request.membership, public_id=public_id)
    return comment_response(
        request,
        subject=celebration,
        subject_field="celebration",
        url_name="checkins:celebration_comment",
        fallback_url=_feed_url(celebration),
    )


@require_GET
def notices(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    context = {
        "notices": list(selectors.notices_for(actor=actor)),
        "unread": selectors.unread_notice_count(actor=actor),
    }
    return render(request, "checkins/notices.html", context)


@require_POST
def notices_read(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    count = services.notices_mark_read(actor=actor)
    if not request.htmx:
        messages.success(
            request, f"Marked {count} notice{'s' if count != 1 else ''} read." if count else "Nothing unread."
        )
        return redirect("checkins:notices")
    context = {"notices": list(selectors.notices_for(actor=actor)), "unread": 0}
    return render(request, "checkins/notices.html#notice-list", context)
