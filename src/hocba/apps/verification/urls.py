from __future__ import annotations

from django.urls import path

from hocba.apps.verification import views

app_name = "verification"
urlpatterns = [
    path("", views.index, name="index"),
    path("trang-thai/", views.status, name="status"),
]
