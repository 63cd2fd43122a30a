"""Helpers for the library, career and coaching pages.

No inline styles (the CSP forbids them): bars are SVG shapes sized with SVG
attributes and coloured by CSS classes.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.goals import catalog
from apps.goals.services import parse_will_items

register = template.Library()


@register.filter
def marked_blanks(title: str) -> SafeString:
    """A template title with each [blank] highlighted (brackets kept for screen readers and copy)."""
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<mark class="blank"><span class="blank__bracket">[</span>{}<span class="blank__bracket">]</span></mark>',
                    text,
                )
                if name
                else text,
            )
            for text, name, _filled in catalog.segments(title)
        ),
    )


@register.simple_tag
def filled_title(pieces) -> SafeString:
    """A preview title: filled blanks and the ones still open, each highlighted differently."""
    parts = []
    for text, name, filled in pieces:
        if name is None:
            parts.append(format_html("{}", text))
        elif filled:
            parts.append(format_html('<mark class="blank blank--filled" title="[{}]">{}</mark>', name, text))
        else:
            parts.append(
                format_html(
                    '<mark class="blank blank--open"><span class="blank__bracket">[</span>{}'
                    '<span class="blank__bracket">]</span></mark>',
                    text,
                )
            )
    return SafeString("".join(parts))


@register.filter
def will_items(will: str) -> list[tuple[str, object]]:
    """The Will text as (action, due date or None) pairs, exactly as they would become milestones."""
    return parse_will_items(will or "", default_due=None)


@register.simple_tag
def meter(value, label: str = "Progress") -> SafeString:
    """A small progress bar with the number beside it (value 0–1)."""
    try:
        pct = round(max(0.0, min(1.0, float(value))) * 100)
    except (TypeError, ValueError):
        pct = 0
    return format_html(
        '<span class="progress meter"><svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        'aria-label="{}: {} %"><rect class="bar-track" width="100" height="10"></rect>'
        '<rect class="bar-fill" width="{}" height="10"></rect></svg>'
        '<span class="progress__num">{} %</span></span>',
        label,
        pct,
        pct,
        pct,
    )


@register.simple_tag(takes_context=True)
def coaching_forms(context, goal) -> dict:
    """The Coaching section's small forms (invite a coach, ask for feedback) for the signed-in person.

    A view that re-renders the section with a bound form (errors) passes it in the
    context as ``feedback_form`` / ``coach_form``; otherwise fresh ones are built.
    """
    from apps.goals import selectors
    from apps.goals.coaching_forms import CoachInviteForm, FeedbackRequestForm

    request = context.get("request")
    actor = getattr(request, "membership", None)
    if actor is None:
        return {}
    return {
        "feedback": context.get("feedback_form") or FeedbackRequestForm(actor=actor, goal=goal, auto_id="fb-%s"),
        "coach": context.get("coach_form") or CoachInviteForm(actor=actor, goal=goal, auto_id="coach-%s"),
        "asked": selectors.feedback_for_goal(actor=actor, goal=goal),
    }
