from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from hocba.apps.accounts import menu, ratelimit, services
from hocba.apps.accounts.policy import grants_of


class LoginView(auth_views.LoginView):
    """Django's login, refusing further tries after repeated failures (per name and address,
    counted in the shared cache: ``accounts.ratelimit``)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        address = ratelimit.client_address(request)
        if not services.login_attempt(username, address):
            context = self.get_context_data(
                form=self.get_form(),
                throttled="Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
            )
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            services.clear_login_failures(username, address)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:home")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    grants = grants_of(request.user)
    for grant in grants:
        grant.links = menu.links_for(grant)  # type: ignore[attr-defined]
    return render(request, "accounts/home.html", {"grants": grants})
