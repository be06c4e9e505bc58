from __future__ import annotations

from django.urls import path

from hocba.apps.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("hoc-ba/<int:pk>.<str:fmt>", views.download, name="download"),
]
