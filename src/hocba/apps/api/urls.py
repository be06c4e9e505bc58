from __future__ import annotations

from django.urls import path

from hocba.apps.api import views

app_name = "apitokens"
urlpatterns = [
    path("truong/<int:school_id>/", views.tokens, name="tokens"),
    path("truong/<int:school_id>/tao/", views.create, name="create"),
    path("truong/<int:school_id>/<int:token_id>/thu-hoi/", views.revoke, name="revoke"),
]
