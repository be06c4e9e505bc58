from __future__ import annotations

from django.urls import path

from hocba.apps.schooladmin import views

app_name = "schooladmin"
urlpatterns = [
    path("<int:school_id>/", views.school, name="school"),
    path("<int:school_id>/nam-hoc/mo/", views.open_year, name="open_year"),
    path("<int:school_id>/lop/tao/", views.create_class, name="create_class"),
    path(
        "<int:school_id>/lop/<int:class_id>/giao-vien-bo-mon/",
        views.subject_teacher,
        name="subject_teacher",
    ),
    path("<int:school_id>/lop/<int:class_id>/ghi-danh/", views.enrol, name="enrol"),
    path("<int:school_id>/hoc-sinh/roi-truong/", views.leave, name="leave"),
    path("<int:school_id>/phu-huynh/tao/", views.parent_account, name="parent_account"),
]
