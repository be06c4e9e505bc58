"""Spreadsheet templates and uploads, mounted at ``/nhap-lieu/`` (import = nhập liệu)."""

from __future__ import annotations

from django.urls import path

from hocba.apps.imports import views

app_name = "imports"
urlpatterns = [
    path("<int:class_id>/", views.class_page, name="class"),
    path("<int:class_id>/mau-danh-sach.xlsx", views.roster_template, name="roster_template"),
    path("<int:class_id>/mau-danh-gia.xlsx", views.evaluation_template, name="evaluation_template"),
    path("<int:class_id>/tai-len/", views.upload, name="upload"),
    path("truong/<int:school_id>/", views.school_page, name="school"),
]
