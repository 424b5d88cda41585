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
    config = app.config.get("HANKEGRAAFI")
    hsts = f"max-age={config.hsts_max_age}" if config is not None and config.hsts_max_age > 0 else None

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # HSTS only when configured: it makes browsers refuse plain HTTP to this host for max-age
        # seconds, so it belongs only on a site served over HTTPS (normally behind the reverse proxy)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response

    @app.errorhandler(StoreUnavailable)
    def unavailable(error):
        return _error(503, "Service Unavailable", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response, code = _error(error.code or 500, error.name, error.description or "")
        # keep what the exception's own answer says beyond its body: Allow (405), WWW-Authenticate, Retry-After …
        headers = [(k, v) for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")]
        if error.response is not None:
            headers += [(k, v) for k, v in error.response.headers
                        if k.lower() not in ("content-type", "content-length")]
        return response, code, headers

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
