"""The template library (built-in catalog + the organization's own templates) and cycles."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import check_org_admin, is_org_admin
from apps.core.http import apply_validation_error, redirect_or_htmx
from apps.core.types import AuthedRequest

from .. import catalog, selectors, services, template_services
from ..library_forms import CycleForm, LibraryFilterForm, OrgTemplateForm, TemplateUseForm
from ..models import Visibility

LIBRARY = "goals/library/library.html"
USE = "goals/library/use.html"
CYCLES = "goals/library/cycles.html"


def _is_partial(request: AuthedRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- browsing ------------------------------------------------------------------------


@require_GET
def template_library(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    everything = [
        *(catalog.from_org_template(row) for row in selectors.org_templates(actor=actor)),
        *catalog.TEMPLATES,
    ]
    form = LibraryFilterForm(request.GET or None, roles=catalog.roles(everything))
    filters = form.filters()
    found = catalog.search(everything, **filters)
    groups = [
        (key, label, [t for t in found if t.category == key])
        for key, label in catalog.CATEGORIES.items()
        if key != catalog.ORG
    ]
    groups.insert(0, (catalog.ORG, catalog.CATEGORIES[catalog.ORG], [t for t in found if t.is_org]))
    context = {
        "form": form,
        "groups": [group for group in groups if group[2]],
        "count": len(found),
        "total": len(everything),
        "filtered": any(filters.values()),
        "is_admin": is_org_admin(actor),
    }
    return render(request, f"{LIBRARY}#results" if _is_partial(request) else LIBRARY, context)


# --- using a template ----------------------------------------------------------------


def _preview(actor, template: catalog.Template, form: TemplateUseForm) -> dict:
    """The filled title and the SMART check of the draft the form would create."""
    today = timezone.localdate()
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
        cycle, chosen = data.get("cycle"), data.get("due_date")
    else:
        cycle, chosen = form.initial.get("cycle"), None
    answers = template_services.Answers(values=form.values() if form.is_bound else {}, template=template)
    due = template_services.due_date_for(answers=answers, chosen=chosen, cycle=cycle, today=today)
    report = template_services.smart_preview(
        answers=answers,
        due=due,
        cycle=cycle,
        active_goals=selectors.active_goal_count(actor=actor),
        max_active_goals=selectors.goal_settings(actor=actor).max_active_goals,
        today=today,
    )
    return {
        "answers": answers,
        "filled": answers.filled,
        "kr_rows": [(kr, catalog.resolve_target(kr, answers.numbers)) for kr in answers.filled.key_results],
        "pieces": catalog.segments(template.title, answers.display),
        "due": due,
        "cycle": cycle,
        "report": report,
    }


def _use(request: AuthedRequest, template: catalog.Template, action_url: str) -> HttpResponse:
    actor = request.membership
    initial = {
        "cycle": selectors.cycle_current(actor=actor) if template.horizon == "short" else None,
        "visibility": Visibility.ORGANIZATION,
    }
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if (_is_partial(request) or "preview" in request.GET) else None
    form = TemplateUseForm(data, actor=actor, template=template, initial=initial)
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            goal = template_services.goal_from_template(
                actor=actor,
                template=template,
                answers=template_services.Answers(values=form.values(), template=template),
                cycle=form.cleaned_data["cycle"],
                due_date=form.cleaned_data["due_date"],
                visibility=form.cleaned_data["visibility"],
                today=timezone.localdate(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                "Draft goal created from the template. Activate it once all five SMART letters pass.",
            )
            return redirect_or_htmx(request, reverse("goals:detail", args=[goal.public_id]))
    context = {"template": template, "form": form, "action_url": action_url, **_preview(actor, template, form)}
    if _is_partial(request) and request.method == "GET":
        return render(request, f"{USE}#preview", context)
    return render(request, USE, context)


@require_http_methods(["GET", "POST"])
def template_use(request: AuthedRequest, key: str) -> HttpResponse:
    template = catalog.get(key)
    if template is None:
        raise Http404("No such template.")
    return _use(request, template, reverse("goals:template_use", args=[key]))


@require_http_methods(["GET", "POST"])
def org_template_use(request: AuthedRequest, public_id) -> HttpResponse:
    row = selectors.org_template_get(actor=request.membership, public_id=public_id)
    return _use(request, catalog.from_org_template(row), reverse("goals:org_template_use", args=[row.public_id]))


TEMPLATE_FORM = "goals/library/template_form.html"


def _template_form(request: AuthedRequest, form: OrgTemplateForm, save, row=None) -> HttpResponse:
    """Add or edit an organization template: ``save(**cleaned)`` returns the success message."""
    if request.method == "POST" and form.is_valid():
        try:
            notice = save(**form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, notice)
            return redirect_or_htmx(request, reverse("goals:templates"))
    name = f"{TEMPLATE_FORM}#template-form" if _is_partial(request) else TEMPLATE_FORM
    return render(request, name, {"form": form, "row": row})


@require_http_methods(["GET", "POST"])
def org_template_create(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    check_org_admin(actor)

    def save(**values) -> str:
        template = services.org_template_create(actor=actor, **values)
        return f"Template added to the library: “{template.title}”."

    return _template_form(request, OrgTemplateForm(request.POST or None), save)


@require_http_methods(["GET", "POST"])
def org_template_edit(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    row = selectors.org_template_get(actor=actor, public_id=public_id)  # another organization's: 404
    check_org_admin(actor)

    def save(**values) -> str:
        services.org_template_update(actor=actor, template=row, **values)
        return f"Template saved: “{row.title}”."

    initial = {name: getattr(row, name) for name in services.TEMPLATE_FIELDS}
    return _template_form(request, OrgTemplateForm(request.POST or None, initial=initial), save, row=row)


@require_POST
def org_template_delete(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    row = selectors.org_template_get(actor=actor, public_id=public_id)  # another organization's: 404
    check_org_admin(actor)
    title = row.title
    services.org_template_delete(actor=actor, template=row)
    messages.success(request, f"Template removed from the library: “{title}”. Goals made from it are unchanged.")
    return redirect_or_htmx(request, reverse("goals:templates"))


# --- cycles --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cycles(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    is_admin = is_org_admin(actor)
    form = CycleForm(request.POST or None, actor=actor) if is_admin else None
    notice = ""
    if request.method == "POST":
        check_org_admin(actor)
        today = timezone.localdate()
        if "quarters" in request.POST:
            made = services.cycle_ensure_quarters(organization=actor.organization, today=today)
            notice = "Ready: " + " and ".join(c.name for c in made) + "."
            form = CycleForm(actor=actor)
        elif form is not None and form.is_valid():
            try:
                cycle = services.cycle_create(actor=actor, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                notice = f"Cycle {cycle.name} created."
                form = CycleForm(actor=actor)
        if notice and not _is_partial(request):
            messages.success(request, notice)
            return redirect("goals:cycles")
    context = {
        "cycles": list(selectors.cycle_list(actor=actor)),
        "current": selectors.cycle_current(actor=actor),
        "today": timezone.localdate(),
        "form": form,
        "is_admin": is_admin,
        "notice": notice,
    }
    return render(request, f"{CYCLES}#cycles-panel" if _is_partial(request) else CYCLES, context)
