"""The career profile: a 5–10 year vision, strengths and gaps, and a top three of career goals."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.http import apply_validation_error
from apps.core.types import AuthedRequest

from .. import selectors, services
from ..coaching_forms import CareerProfileForm

PAGE = "goals/career/career.html"
PRINT = "goals/career/review.html"


def _initial(profile) -> dict:
    if profile is None:
        return {}
    initial = {"vision": profile.vision, "strengths": profile.strengths, "weaknesses": profile.weaknesses}
    for top in profile.top_goals.all():
        initial[f"title_{top.rank}"] = top.title
        initial[f"goal_{top.rank}"] = top.goal.public_id if top.goal else None
    return initial


@require_http_methods(["GET", "POST"])
def my_career(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    profile = selectors.career_profile(member=actor)
    if request.method == "GET" and request.GET.get("view") == "review":
        context = {"member": actor, "profile": profile, "own": True}
        return render(request, f"{PRINT}#review" if request.htmx else PRINT, context)
    form = CareerProfileForm(request.POST or None, actor=actor, initial=_initial(profile))
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            services.career_profile_update(
                actor=actor,
                vision=form.cleaned_data["vision"],
                strengths=form.cleaned_data["strengths"],
                weaknesses=form.cleaned_data["weaknesses"],
                top_goals=form.top_goals(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, "Career profile saved.")
                return redirect("goals:career")
            saved = True
            profile = selectors.career_profile(member=actor)
            form = CareerProfileForm(actor=actor, initial=_initial(profile))
    context = {"form": form, "profile": profile, "member": actor, "saved": saved}
    return render(request, f"{PAGE}#career-body" if request.htmx else PAGE, context)


@require_GET
def person_career(request: AuthedRequest, public_id) -> HttpResponse:
    """Someone's career profile: for that person, their line manager and admins; a 404 for everyone else."""
    member = selectors.career_member_get(actor=request.membership, public_id=public_id)
    profile = selectors.career_profile(member=member)
    own = member.pk == request.membership.pk
    context = {"member": member, "profile": profile, "own": own}
    return render(request, f"{PRINT}#review" if request.htmx else PRINT, context)
