from django import template

register = template.Library()


@register.simple_tag
def field_widget(field):
    """Render a bound field's widget with aria-describedby/aria-invalid set."""
    attrs = {}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
