"""Signing pages: parse input, call one service, render (authority is checked in services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocba.apps.accounts.menu import Link
from hocba.apps.accounts.models import Grant, Role
from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.records.models import RecordVersion
from hocba.apps.signing import keys as keys_service
from hocba.apps.signing import overview, services
from hocba.apps.signing.errors import SigningRefused
from hocba.apps.signing.models import SigningBatch

STOP_POLLING = 286  # htmx: stop the "every 2s" trigger and swap this last answer


def home_links(grant: Grant) -> list[Link]:
    if grant.role == Role.HOMEROOM_TEACHER and grant.school_class_id:
        url = reverse("signing:class", args=[grant.school_class_id])
        return [Link("Ký học bạ của lớp", url)]
    if grant.role == Role.PRINCIPAL and grant.org_unit_id:
        school = School.objects.filter(org_unit_id=grant.org_unit_id).first()
        if school is not None:
            return [Link("Ký và đóng dấu học bạ", reverse("signing:school", args=[school.pk]))]
    return []


def _class(class_id: int) -> SchoolClass:
    return get_object_or_404(
        SchoolClass.objects.select_related("school__org_unit", "school_year"), pk=class_id
    )


def _school(school_id: int) -> School:
    return get_object_or_404(School.objects.select_related("org_unit"), pk=school_id)


@login_required
@require_GET
def class_page(request: HttpRequest, class_id: int) -> HttpResponse:
    context = services.class_overview(request.user, _class(class_id))
    return render(request, "signing/class.html", context)


@login_required
@require_GET
def school_page(request: HttpRequest, school_id: int) -> HttpResponse:
    year = request.GET.get("nam", "")[:9]
    context = overview.school_overview(request.user, _school(school_id), year)
    return render(request, "signing/school.html", context)


_PIN_FIELDS = ("gvcn", "principal", "seal")


def _pins(request: HttpRequest) -> dict[str, str]:
    """PINs typed on the form for this batch: passed on in memory, never stored or logged."""
    return {
        r: request.POST.get(f"pin_{r}", "")[:64]
        for r in _PIN_FIELDS
        if request.POST.get(f"pin_{r}")
    }


def _started(request: HttpRequest, start, target, back: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    try:
        start(request.user, target, _pins(request))
    except SigningRefused as exc:
        messages.error(request, exc.message_vi)
    else:
        messages.success(request, "Đã bắt đầu ký. Tiến độ được cập nhật bên dưới.")
    return redirect(back)


@login_required
@require_POST
def sign_class(request: HttpRequest, class_id: int) -> HttpResponse:
    cls = _class(class_id)
    back = reverse("signing:class", args=[cls.pk])
    return _started(request, services.start_gvcn_signing, cls, back)


@login_required
@require_POST
def seal_class(request: HttpRequest, class_id: int) -> HttpResponse:
    cls = _class(class_id)
    back = reverse("signing:class", args=[cls.pk])
    return _started(request, services.start_principal_signing, cls, back)


@login_required
@require_POST
def seal_school(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(school_id)
    back = reverse("signing:school", args=[school.pk])
    return _started(request, services.start_principal_signing, school, back)


@login_required
@require_GET
def progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(
        SigningBatch.objects.select_related("school__org_unit", "school_class__school__org_unit"),
        pk=batch_id,
    )
    context = services.batch_progress(request.user, batch)
    if batch.running:
        return render(request, "signing/_progress.html", context)
    # htmx stops polling on 286; the page then reloads its own counts and list (no script)
    response = render(request, "signing/_progress.html", context, status=STOP_POLLING)
    response["HX-Trigger-After-Settle"] = "batchDone"
    return response


@login_required
@require_GET
def download(request: HttpRequest, version_id: int, fmt: str) -> HttpResponse:
    version = get_object_or_404(
        RecordVersion.objects.select_related(
            "enrolment__student", "enrolment__school_class__school__org_unit"
        ),
        pk=version_id,
    )
    name, content_type, data = services.issued_file(request.user, version, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- signer keys of a school (leaders and the system admin) -----------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def keys(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(school_id)
    context = keys_service.keys_page(request.user, school)  # checks the permission first
    if request.method == "POST":
        key_id = request.POST.get("key_id", "")
        instance = (
            keys_service.key_of(request.user, school, int(key_id)) if key_id.isdigit() else None
        )
        form = keys_service.SignerKeyForm(request.POST, school=school, instance=instance)
        if form.is_valid():
            keys_service.save_key(request.user, school, form)
            messages.success(request, "Đã lưu khoá ký.")
            return redirect("signing:keys", school.pk)
        context = keys_service.keys_page(request.user, school, form=form)
        context["editing"] = instance
    elif request.GET.get("sua", "").isdigit():
        instance = keys_service.key_of(request.user, school, int(request.GET["sua"]))
        form = keys_service.SignerKeyForm(school=school, instance=instance)
        context = keys_service.keys_page(request.user, school, form=form)
        context["editing"] = instance
    return render(request, "signing/keys.html", context)


@login_required
@require_POST
def delete_key(request: HttpRequest, school_id: int, key_id: int) -> HttpResponse:
    school = _school(school_id)
    keys_service.delete_key(request.user, school, keys_service.key_of(request.user, school, key_id))
    messages.success(request, "Đã xoá khoá ký.")
    return redirect("signing:keys", school.pk)
