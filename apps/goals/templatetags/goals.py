"""Goal page helpers: progress bars, status badges, numbers and Markdown.

No inline ``style`` attributes anywhere (the CSP forbids them): bars are SVG
shapes sized with SVG attributes and coloured with CSS classes.
"""

from decimal import Decimal

import markdown as markdown_lib
import nh3
from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from apps.goals.models import Framework, GoalStatus, Health, Horizon, Visibility
from apps.goals.selectors import LABELS, SYMBOLS

register = template.Library()

MARKDOWN_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
MARKDOWN_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


def _pct(value) -> int:
    try:
        return round(max(0.0, min(1.0, float(value))) * 100)
    except (TypeError, ValueError):
        return 0


def progress_label(value, expected=None) -> str:
    """The words a screen reader hears (and a hover shows) for a progress bar."""
    text = f"{_pct(value)} % done"
    if expected is None or expected == "":
        return text
    return f"{text}, {_pct(expected)} % expected by today"


@register.simple_tag
def progress_bar(value, expected=None, status="", label="", extra_class="") -> SafeString:
    """A bar with the number beside it and a thin tick at today's expected pace.

    ``value`` and ``expected`` are 0–1; ``status`` is a health code that colours the
    fill (the status itself is always also shown in words elsewhere).
    """
    pct = _pct(value)
    aria = progress_label(value, expected)
    if label:
        aria = f"{label}: {aria}"
    aria = escape(aria)
    tick = ""
    if expected is not None and expected != "":
        # Keep the tick inside the track at 0 % and 100 %.
        x = min(99.5, max(0.5, _pct(expected)))
        tick = f'<line class="bar-pace" x1="{x}%" x2="{x}%" y1="0" y2="14"></line>'
    fill = ""
    if pct > 0:
        fill = (
            f'<rect class="bar-fill bar-fill--{escape(status)}" x="0" y="2" width="{pct}%" height="10" rx="5"></rect>'
        )
    return mark_safe(  # noqa: S308 - the label, status and class are escaped; the rest are numbers
        f'<span class="progress {escape(extra_class)}" role="img" aria-label="{aria}" title="{aria}">'
        '<svg class="progress__bar" width="100%" height="14" aria-hidden="true" focusable="false">'
        f'<rect class="bar-track" x="0" y="2" width="100%" height="10" rx="5"></rect>{fill}{tick}</svg>'
        f'<span class="progress__num" aria-hidden="true">{pct} %</span></span>'
    )


@register.simple_tag
def status_badge(health=None, code="", why="") -> SafeString:
    """Symbol + word for a status (never colour alone), the reason on hover and for screen readers.

    Pass a ``GoalHealth`` (from ``selectors.goal_health``) or ``code=`` and ``why=``.
    """
    if health is not None:
        code, why = health.code, health.why
    symbol, label = SYMBOLS.get(code, "○"), LABELS.get(code, code.replace("_", " ").capitalize())
    code, label = escape(code), escape(label)
    if why:
        why = escape(why)
        return mark_safe(  # noqa: S308 - escaped above
            f'<span class="status status--{code}" title="{why}"><span aria-hidden="true">{symbol}</span> {label}'
            f'<span class="visually-hidden">: {why}</span></span>'
        )
    return mark_safe(  # noqa: S308 - escaped above
        f'<span class="status status--{code}"><span aria-hidden="true">{symbol}</span> {label}</span>'
    )


@register.filter
def num(value) -> str:
    """A stored decimal as a person writes it: 34, 12.5, 1,200 (no trailing zeros)."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    text = f"{sign}{int(whole):,}"
    return f"{text}.{fraction}" if fraction else text


@register.filter
def plain_num(value) -> str:
    """A decimal for a form field: no thousands separators, no trailing zeros."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    return f"{number.normalize():f}" if number != number.to_integral_value() else str(int(number))


@register.filter
def pct(value) -> int:
    """0–1 → whole percent."""
    return _pct(value)


@register.filter
def ago(moment) -> str:
    """“3 hours ago”, or “just now” under a minute."""
    if not moment:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment).split(',')[0]} ago"


EVENT_VALUE_LABELS = {
    "status": dict(GoalStatus.choices),
    "confidence": dict(Health.choices),
    "visibility": dict(Visibility.choices),
    "framework": dict(Framework.choices),
    "horizon": dict(Horizon.choices),
}


@register.filter
def event_value(value: str, field: str) -> str:
    """A history value in words: “active” → “Active”, “at_risk” → “At risk”."""
    return EVENT_VALUE_LABELS.get(field, {}).get(value, value)


HORIZON_SHORT = {"short": "short-term", "mid": "mid-term", "long": "long-term"}


@register.filter
def short_horizon(value: str) -> str:
    return HORIZON_SHORT.get(value, value)


@register.filter
def field_label(value: str) -> str:
    return str(value).replace("_", " ")


@register.filter
def markdown(text) -> SafeString:
    """Markdown → sanitised HTML. Raw HTML is removed, links open safely."""
    if not text:
        return mark_safe("")
    html = markdown_lib.markdown(str(text), extensions=["sane_lists", "tables", "fenced_code"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=MARKDOWN_TAGS,
        attributes=MARKDOWN_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
