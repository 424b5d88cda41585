"""Response headers every page gets, and error pages that never show a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from ..store import StoreUnavailable

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(StoreUnavailable)
    def unavailable(error):
        return _error(503, "Service Unavailable", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _error(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unhandled error on %s", request.path)
        return _error(500, "Internal Server Error", "The server hit an unexpected error; it has been logged.")


def _error(code: int, title: str, message: str):
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        response = jsonify({"error": title, "message": message, "status": code})
    else:
        from flask import render_template

        response = render_template("error.html", code=code, title=title, message=message)
    return response, code
