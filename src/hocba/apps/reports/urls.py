from __future__ import annotations

from django.urls import path

from hocba.apps.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("truong/<int:pk>/", views.school, name="school"),
]
