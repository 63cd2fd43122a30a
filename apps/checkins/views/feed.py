"""Team feed (celebrations, kudos, comments) and the person's notices."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.http import apply_validation_error
from apps.core.types import AuthedRequest

from .. import selectors, services
from ..forms import CommentForm
from ._common import safe_next

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
    actor = request.membership
    celebration = selectors.celebration_get(actor=actor, public_id=public_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(actor=actor, body=form.cleaned_data["body"], celebration=celebration)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, "Comment added.")
                return redirect(safe_next(request, _feed_url(celebration)))
            form = CommentForm()
    context = {
        "comments": selectors.comments_for(celebration=celebration),
        "comment_form": form,
        "comment_url": reverse("checkins:celebration_comment", args=[celebration.public_id]),
        "thread_id": f"comments-{celebration.public_id.hex}",
        "next": safe_next(request, _feed_url(celebration)),
        "subject": celebration,
    }
    if request.htmx:
        return render(request, "checkins/_comments.html", context)
    return render(request, "checkins/comment_form.html", context)


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
