"""Front-end libraries from npm (node_modules), served by the site itself from an allow-list.

Only the files named here are reachable: the URL name is a key, never a path, so no request can
walk the file system.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_file

from . import context

blueprint = Blueprint("vendor", __name__)

# URL name -> path under node_modules
VENDOR_FILES = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "yasgui/yasgui.min.js.map": "@zazuko/yasgui/build/yasgui.min.js.map",
    "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
}
VENDOR_TYPES = {".js": "text/javascript", ".css": "text/css", ".map": "application/json"}


@blueprint.get("/static/vendor/<path:name>")
def vendor(name: str):
    relative = VENDOR_FILES.get(name)
    if relative is None:
        abort(404)
    config = context.config()
    for root in (config.resolve(Path("node_modules")), Path(__file__).resolve().parents[3] / "node_modules"):
        path = root / relative
        if path.is_file():
            return send_file(path, mimetype=VENDOR_TYPES.get(path.suffix, "application/octet-stream"),
                             max_age=86400, conditional=True)
    abort(404, description=f"{name} is not installed; run `make node-deps` (npm install).")
