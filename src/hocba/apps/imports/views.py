"""Pages of the spreadsheet import, per class (``/nhap-lieu/<class>/``): download the roster and
evaluation templates, upload a filled workbook, see every problem or what was imported.

Who may do what follows ``accounts.policy``: the roster needs ``class:roster:import`` (GVCN,
principal, vice-principal); subject sheets ``class:evaluation:edit`` for that subject (GVCN, or
the subject's teacher); the qualities/competences sheet ``class:rating:edit`` (GVCN). Without
any of them the class answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from hocba.apps.accounts import policy
from hocba.apps.accounts.errors import NotAllowed
from hocba.apps.accounts.permissions import Permission as P
from hocba.apps.directory.models import School, SchoolClass
from hocba.apps.imports import workbook
from hocba.apps.limits import file_limits
from hocba.apps.records import review
from hocba.ingest.read import ParsedWorkbook, read_workbook
from hocba.ingest.rows import ImportRejected, IngestProblem, UnreadableWorkbook
from hocba.sandbox import ParseAborted, run_limited

UNPROCESSABLE = 422


@dataclass(frozen=True)
class Rights:
    roster: bool
    subjects: tuple[str, ...]  # the subject codes the user may import
    all_subjects: bool
    ratings: bool

    @property
    def any(self) -> bool:
        return self.roster or bool(self.subjects) or self.ratings


def _rights(user: object, cls: SchoolClass) -> Rights:
    catalog = review.catalog_of(cls)
    codes = [s.code for s in catalog.subjects] if catalog else []
    subjects = tuple(c for c in codes if policy.can(user, P.CLASS_EVALUATION_EDIT, cls, subject=c))
    return Rights(
        roster=policy.can(user, P.CLASS_ROSTER_IMPORT, cls),
        subjects=subjects,
        all_subjects=bool(codes) and len(subjects) == len(codes),
        ratings=policy.can(user, P.CLASS_RATING_EDIT, cls),
    )


def _class(request: HttpRequest, class_id: int) -> tuple[SchoolClass, Rights]:
    cls = get_object_or_404(
        SchoolClass.objects.select_related("school__org_unit", "school_year"), pk=class_id
    )
    rights = _rights(request.user, cls)
    if not rights.any:
        raise NotAllowed("Không tìm thấy hoặc bạn không có quyền.", detail="no import right")
    return cls, rights


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=workbook.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page(
    request: HttpRequest, cls: SchoolClass, rights: Rights, status: int = 200, **context: object
) -> HttpResponse:
    catalog = review.catalog_of(cls)
    names = {s.code: s.name for s in catalog.subjects} if catalog else {}
    return render(
        request,
        "imports/class.html",
        {
            "cls": cls,
            "rights": rights,
            "subject_names": [names[c] for c in rights.subjects],
            "locked": review.is_locked(cls),
            "max_mb": file_limits().upload_bytes // (1024 * 1024),
            **context,
        },
        status=status,
    )


@login_required
def class_page(request: HttpRequest, class_id: int) -> HttpResponse:
    cls, rights = _class(request, class_id)
    return _page(request, cls, rights)


@login_required
def roster_template(request: HttpRequest, class_id: int) -> HttpResponse:
    cls, rights = _class(request, class_id)
    if not rights.roster:
        raise NotAllowed("Không tìm thấy hoặc bạn không có quyền.", detail="no roster right")
    data = workbook.roster_workbook(cls.school, cls.school_year, [cls])
    return _xlsx(data, f"danh-sach-lop-{cls.name}-{cls.school_year.code}.xlsx")


@login_required
def evaluation_template(request: HttpRequest, class_id: int) -> HttpResponse:
    cls, rights = _class(request, class_id)
    if not rights.subjects and not rights.ratings:
        raise NotAllowed("Không tìm thấy hoặc bạn không có quyền.", detail="no evaluation right")
    data = workbook.evaluation_workbook(
        cls.school,
        cls.school_year,
        [cls],
        subjects=None if rights.all_subjects else list(rights.subjects),
        ratings=rights.ratings,
    )
    return _xlsx(data, f"danh-gia-lop-{cls.name}-{cls.school_year.code}.xlsx")


def _check(rights: Rights):  # type: ignore[no-untyped-def]
    """Problems for the parts of a workbook the user may not import (whole sheets)."""
    subject_check = workbook.subject_check(rights.subjects, rights.ratings)

    def check(parsed: ParsedWorkbook) -> list[IngestProblem]:
        problems = subject_check(parsed)
        if rights.roster:  # the roster sheet is allowed: drop that problem
            problems = [p for p in problems if p.code != "roster.not_allowed"]
        return problems

    return check


class _SizeLimit(FileUploadHandler):
    """Stops reading an uploaded file past the limit (it is then not in ``request.FILES``)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.request.hocba_upload_too_big = True  # type: ignore[union-attr]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_big(request: HttpRequest, cls: SchoolClass, rights: Rights) -> HttpResponse:
    mb = file_limits().upload_bytes // (1024 * 1024)
    return _page(
        request,
        cls,
        rights,
        UNPROCESSABLE,
        error=f"Tệp quá lớn: tối đa {mb} MB. Hãy tách thành nhiều tệp nhỏ hơn.",
    )


@login_required
@require_POST
@csrf_exempt  # checked below, after the size limit is in place (Django's upload-handler recipe)
def upload(request: HttpRequest, class_id: int) -> HttpResponse:
    cls, rights = _class(request, class_id)
    limit = file_limits().upload_bytes
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
        return _too_big(request, cls, rights)
    request.upload_handlers.insert(0, _SizeLimit(request, limit))
    return _upload(request, cls, rights)


@csrf_protect
def _upload(request: HttpRequest, cls: SchoolClass, rights: Rights) -> HttpResponse:
    upload = request.FILES.get("file")
    if getattr(request, "hocba_upload_too_big", False):
        return _too_big(request, cls, rights)
    if upload is None:
        return _page(request, cls, rights, UNPROCESSABLE, error="Chưa chọn tệp để tải lên.")
    name = upload.name or "tệp"
    data = upload.read()
    limits = file_limits()
    try:  # in a memory- and time-limited child process: a hostile file costs only the child
        parsed = run_limited(
            read_workbook, data, source=name, school_year=cls.school_year.code,
            limits=limits, within=limits,
        )  # fmt: skip
    except (UnreadableWorkbook, ParseAborted) as err:
        return _page(request, cls, rights, UNPROCESSABLE, error=err.message_vi)
    if not (parsed.roster or parsed.subjects or parsed.ratings or parsed.problems):
        return _page(
            request,
            cls,
            rights,
            UNPROCESSABLE,
            error=f"Tệp '{name}' không có trang dữ liệu nào để nhập.",
        )
    try:
        summary = workbook.import_workbook(
            cls.school,
            cls.school_year,
            parsed,
            actor=request.user,
            only_class=cls,
            check=_check(rights),
        )
    except ImportRejected as rejected:
        return _page(request, cls, rights, UNPROCESSABLE, rejected=rejected, source=name)
    return _page(request, cls, rights, summary=summary, source=name)


# --- a school's classes, for its leaders ----------------------------------------------------------


@login_required
def school_page(request: HttpRequest, school_id: int) -> HttpResponse:
    school = get_object_or_404(School.objects.select_related("org_unit"), pk=school_id)
    policy.require(request.user, P.CLASS_ROSTER_IMPORT, school)
    classes = (
        SchoolClass.objects.filter(school=school)
        .select_related("school_year")
        .order_by("-school_year__start_date", "grade", "name")
    )
    return render(request, "imports/school.html", {"school": school, "classes": classes})
