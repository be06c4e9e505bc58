"""Evaluation workflow pages, mounted at ``/lop/`` (class = lớp)."""

from __future__ import annotations

from django.urls import path

from hocba.apps.records import correction_views, views

app_name = "records"
urlpatterns = [
    path("", views.class_list, name="classes"),
    path("<int:class_id>/", views.class_home, name="class"),
    path("<int:class_id>/mon/<str:subject>/", views.subject_grid, name="subject_grid"),
    path(
        "<int:class_id>/mon/<str:subject>/<int:enrolment_id>/",
        views.subject_cell,
        name="subject_cell",
    ),
    path("<int:class_id>/pham-chat-nang-luc/", views.rating_grid, name="rating_grid"),
    path(
        "<int:class_id>/pham-chat-nang-luc/<int:enrolment_id>/<str:kind>/<str:code>/",
        views.rating_cell,
        name="rating_cell",
    ),
    path("<int:class_id>/tong-hop/", views.summary_grid, name="summary_grid"),
    path("<int:class_id>/tong-hop/<int:enrolment_id>/", views.summary_cell, name="summary_cell"),
    path("<int:class_id>/xem-xet/", views.class_review, name="review"),
    path("<int:class_id>/chot/", views.finalise, name="finalise"),
    path("<int:class_id>/mo-khoa/", views.unlock, name="unlock"),
    path(
        "<int:class_id>/mo-khoa/<int:enrolment_id>/",
        views.unlock_student,
        name="unlock_student",
    ),
    path(
        "<int:class_id>/chot/<int:enrolment_id>/", views.finalise_student, name="finalise_student"
    ),
    path(
        "<int:class_id>/dieu-chinh/<int:enrolment_id>/",
        correction_views.request_correction,
        name="correction_request",
    ),
    path(
        "dieu-chinh/truong/<int:school_id>/",
        correction_views.school_corrections,
        name="corrections",
    ),
    path(
        "dieu-chinh/<int:request_id>/", correction_views.decide_correction, name="correction_decide"
    ),
]
