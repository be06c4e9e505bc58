from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from hocba.apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
]
