"""Access to the application's store, namespaces and configuration from request handlers."""

from __future__ import annotations

from flask import current_app

from ..config import Config
from ..namespaces import Namespaces
from ..store import ReleaseStore


def store() -> ReleaseStore:
    return current_app.extensions["hankegraafi.store"]


def namespaces() -> Namespaces:
    return current_app.extensions["hankegraafi.ns"]


def config() -> Config:
    return current_app.config["HANKEGRAAFI"]
