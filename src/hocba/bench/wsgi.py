"""The WSGI application the web benchmark serves with gunicorn: hocba's own
(``hocba.server.wsgi``) with its collected static files served by WhiteNoise in the same
process, as a deployment without a separate static file server would run it."""

from __future__ import annotations

from django.conf import settings
from whitenoise import WhiteNoise

from hocba.server.wsgi import application as django_application

application = WhiteNoise(
    django_application, root=str(settings.STATIC_ROOT), prefix=settings.STATIC_URL
)
