"""The public verification page (no account): upload a PDF or type the QR code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from hocba.apps.accounts import ratelimit
from hocba.apps.limits import file_limits
from hocba.apps.verification import services
from hocba.apps.verification.forms import CodeForm, UploadForm

TEMPLATE = "verification/index.html"
TOO_MANY = "Bạn đã gửi quá nhiều yêu cầu xác minh. Vui lòng thử lại sau ít phút."


SLACK = 64 * 1024  # multipart headers and the other form fields


def _declared_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    upload, code = UploadForm(), CodeForm(initial={"code": request.GET.get("q", "")})
    limit = file_limits().pdf_bytes
    context: dict[str, object] = {"max_mb": limit // (1024 * 1024)}
    wants_code = request.method == "GET" and request.GET.get("q")
    counted = request.method == "POST" or wants_code
    if counted and not services.allow_request(ratelimit.client_address(request)):
        context.update(upload=upload, code_form=code, throttled=TOO_MANY)
        return render(request, TEMPLATE, context, status=429)
    if request.method == "POST" and _declared_size(request) > limit + SLACK:
        # Refuse before Django reads the body into a temporary file.
        context.update(upload=upload, code_form=code, too_large=True)
        return render(request, TEMPLATE, context, status=413)
    if request.method == "POST" and "pdf" in request.FILES:
        upload = UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                result = services.verify_upload(upload.cleaned_data["pdf"].read())
                context.update(report=result.report, status_line=result.line, upload_result=result)
            except services.UploadTooLarge as err:
                upload.add_error("pdf", err.message_vi)
    elif request.method == "POST" or wants_code:
        code = CodeForm(request.POST if request.method == "POST" else {"code": request.GET["q"]})
        if code.is_valid():
            context["lookup"] = services.lookup_code(code.cleaned_data["code"])
    context.update(upload=upload, code_form=code)
    return render(request, TEMPLATE, context)


@require_GET
def status(request: HttpRequest) -> HttpResponse:
    """The status of one version as JSON (``hocba verify --status-url``), found by the code
    under its QR code: the same answer as the page's lookup, rate-limited the same way."""
    from hocba.apps.verification.status import status_answer

    if not services.allow_request(ratelimit.client_address(request)):
        return JsonResponse({"error": {"code": "rate_limited", "message": TOO_MANY}}, status=429)
    answer = status_answer(request.GET.get("q", ""))
    return JsonResponse(answer, status=400 if answer["status"] == "malformed" else 200)
