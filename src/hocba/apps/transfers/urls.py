from __future__ import annotations

from django.urls import path

from hocba.apps.transfers import views

app_name = "transfers"
urlpatterns = [
    path("truong/<int:school_id>/", views.school, name="school"),
    path("truong/<int:school_id>/hoc-sinh/<int:student_id>/goi/", views.export, name="export"),
    path("truong/<int:school_id>/nhan-goi/", views.receive, name="receive"),
    path("truong/<int:school_id>/nhan-goi/chap-nhan/", views.accept, name="accept"),
    path("hoc-sinh/<int:student_id>/", views.history, name="history"),
    path("hoc-ba-chuyen-den/<int:pk>.<str:fmt>", views.received, name="received"),
]
