"""WSGI entry point: `flask --app app run` or `gunicorn app:app`. The application lives in the package."""

from hankegraafi.web import create_app

app = create_app()
