"""Build pipeline: input files -> parsed quads -> materialised, validated, released store."""

from .pipeline import ValidationFailed, build, check, current_release_path
from .sources import BuildError

__all__ = ["BuildError", "ValidationFailed", "build", "check", "current_release_path"]
