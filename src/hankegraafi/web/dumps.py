"""Downloadable dumps of the whole dataset: Turtle (the merged default graph), TriG and N-Quads (every
named graph, so the provenance travels with the data) and JSON-LD (every named graph, compacted with
the published context, which is embedded so the file stands alone).

A dump is written once per release into `<store_path>/dumps/<release-id>/` and served from there
(with ETag and Range support). The first request streams it while it is being written, so even a big
dump starts arriving at once; dumps of releases that are gone are removed.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_file, stream_with_context

from ..services import jsonld
from ..services.export import export
from ..services.formats import RdfFormat, rdf_format
from . import context

blueprint = Blueprint("dumps", __name__)

DUMP_FORMATS = ("turtle", "trig", "nquads", "jsonld")
NAME = "hankegraafi"
CHUNK = 64 * 1024


def dump_folder(release_id: str) -> Path:
    config = context.config()
    root = config.resolve(config.store_path) / "dumps"
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".probe-{uuid.uuid4().hex}"
        probe.touch()
        probe.unlink()
    except OSError:
        root = Path(tempfile.gettempdir()) / "hankegraafi-dumps"
        root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old.is_dir() and old.name != release_id and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    folder = root / release_id
    folder.mkdir(exist_ok=True)
    return folder


def write_dump(release_store, ns, fmt: RdfFormat, output) -> None:
    if fmt.name == "jsonld":
        document = jsonld.context_for(release_store, ns)
        jsonld.write_dataset(release_store.store, output, jsonld.Compactor(document), document["@context"])
    else:
        export(release_store.store, output, fmt, ns)


class _Tee:
    """A file-like sink that writes to the cache file and hands chunks to the waiting response."""

    def __init__(self, handle, chunks: queue.Queue):
        self.handle = handle
        self.chunks = chunks
        self.buffer = bytearray()
        self.listening = True

    def write(self, data) -> int:
        self.handle.write(data)
        if self.listening:
            self.buffer += data
            if len(self.buffer) >= CHUNK:
                self.flush_chunk()
        return len(data)

    def flush_chunk(self):
        if self.buffer and self.listening:
            try:
                self.chunks.put(bytes(self.buffer), timeout=60)
            except queue.Full:  # the client stopped reading: finish the file without it
                self.listening = False
        self.buffer = bytearray()

    def flush(self):
        pass


def _headers(response, fmt: RdfFormat):
    response.headers["Content-Disposition"] = f'attachment; filename="{NAME}.{fmt.extension}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Type"] = fmt.content_type
    return response


@blueprint.get("/dumps/hankegraafi.<ext>")
def dump(ext: str):
    try:
        fmt = rdf_format(ext)
    except ValueError:
        abort(404)
    if fmt.name not in DUMP_FORMATS or ext != fmt.extension:
        abort(404)
    store = context.store()
    ns = context.namespaces()
    release_id = store.release.identifier
    folder = dump_folder(release_id)
    path = folder / f"{NAME}.{fmt.extension}"
    if path.exists():
        response = send_file(path, mimetype=fmt.media_type, conditional=True, etag=f"{release_id}-{fmt.name}",
                             download_name=f"{NAME}.{fmt.extension}", as_attachment=True, max_age=3600)
        return _headers(response, fmt)

    chunks: queue.Queue = queue.Queue(maxsize=64)
    done = object()
    app = current_app._get_current_object()

    def produce():
        temporary = folder / f".{NAME}.{fmt.extension}.{uuid.uuid4().hex}"
        tee = None
        try:
            with app.app_context(), open(temporary, "wb") as handle:
                tee = _Tee(handle, chunks)
                write_dump(store, ns, fmt, tee)
                tee.flush_chunk()
            os.replace(temporary, path)
        except Exception:  # a failed dump leaves no file behind; the response ends short
            app.logger.exception("dump %s failed", fmt.name)
            temporary.unlink(missing_ok=True)
        finally:
            if tee is None or tee.listening:
                try:
                    chunks.put(done, timeout=60)
                except queue.Full:
                    pass

    threading.Thread(target=produce, name=f"dump-{fmt.name}", daemon=True).start()

    def stream():
        while True:
            chunk = chunks.get()
            if chunk is done:
                return
            yield chunk

    response = Response(stream_with_context(stream()), mimetype=fmt.media_type)
    response.headers["ETag"] = f'"{release_id}-{fmt.name}"'
    return _headers(response, fmt)
