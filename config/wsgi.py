"""The web app for a WSGI server; files it creates are private, as the
command's are (relance.cli.PRIVATE_UMASK)."""

import os

from django.core.wsgi import get_wsgi_application

from relance.cli import PRIVATE_UMASK

os.umask(PRIVATE_UMASK)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
