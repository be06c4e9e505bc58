from __future__ import annotations

from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Signing batches on the web: GVCN signs a class, the principal signs and seals, issue."""

    name = "hocba.apps.signing"
    label = "signing"
    verbose_name = "Ký số và ban hành học bạ"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hocba.apps.accounts import menu
        from hocba.apps.signing.views import home_links

        menu.register(home_links)
