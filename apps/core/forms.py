from django.forms.renderers import TemplatesSetting


class GoalsiteFormRenderer(TemplatesSetting):
    """Forms render with our own markup: label, input, help, errors tied by aria."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
