"""Evaluation workflow pages, mounted at ``/lop/`` (class = lớp)."""

from __future__ import annotations

from django.urls import path

from hocba.apps.records import correction_views, plan_views, views, yearend_views

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
    path(
        "<int:class_id>/ke-hoach-ca-nhan/<int:enrolment_id>/",
        plan_views.individual_plan,
        name="individual_plan",
    ),
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
    path("<int:class_id>/khen-thuong/", yearend_views.commendations, name="commendations"),
    path(
        "<int:class_id>/khen-thuong/de-nghi/<int:enrolment_id>/",
        yearend_views.propose_commendation,
        name="propose_commendation",
    ),
    path(
        "<int:class_id>/khen-thuong/<int:commendation_id>/quyet-dinh/",
        yearend_views.decide_commendation,
        name="decide_commendation",
    ),
    path(
        "<int:class_id>/khen-thuong/<int:commendation_id>/rut/",
        yearend_views.withdraw_commendation,
        name="withdraw_commendation",
    ),
    path("<int:class_id>/danh-gia-bo-sung/", yearend_views.supplementary, name="supplementary"),
    path(
        "<int:class_id>/danh-gia-bo-sung/<int:enrolment_id>/",
        yearend_views.supplementary_student,
        name="supplementary_student",
    ),
    path(
        "<int:class_id>/danh-gia-bo-sung/<int:enrolment_id>/quyet-dinh/",
        yearend_views.decide_promotion,
        name="decide_promotion",
    ),
]
