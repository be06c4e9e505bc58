from __future__ import annotations

from django.urls import path

from hocba.apps.signing import views

app_name = "signing"
urlpatterns = [
    path("lop/<int:class_id>/", views.class_page, name="class"),
    path("lop/<int:class_id>/gvcn-ky/", views.sign_class, name="sign_class"),
    path("lop/<int:class_id>/ky-dong-dau/", views.seal_class, name="seal_class"),
    path("truong/<int:school_id>/", views.school_page, name="school"),
    path("truong/<int:school_id>/ky-dong-dau/", views.seal_school, name="seal_school"),
    path("truong/<int:school_id>/khoa-ky/", views.keys, name="keys"),
    path("truong/<int:school_id>/khoa-ky/<int:key_id>/xoa/", views.delete_key, name="delete_key"),
    path("luot-ky/<int:batch_id>/", views.progress, name="progress"),
    path("hoc-ba/<int:version_id>/tai/<str:fmt>/", views.download, name="download"),
]
