from __future__ import annotations

from django.urls import path

from hocba.apps.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="events"),
    path("tai-ve.<str:fmt>", views.event_export, name="export"),
]
