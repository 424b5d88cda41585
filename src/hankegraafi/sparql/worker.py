"""What runs inside a query worker process.

A worker opens the served dataset read-only (reopening when the dataset path changes), runs one job
at a time and answers over its pipe. Results are serialised by pyoxigraph straight into a spool:
small answers travel back in the pipe, large ones in a temporary file the web process streams and
deletes. The parent kills a worker that overruns the time limit; nothing here needs to cooperate.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import traceback

import pyoxigraph as ox

from ..remote import RemoteSettings, RemoteStore, RemoteTriples
from . import formats as F

INLINE_LIMIT = 256 * 1024


class Spool:
    """A write-only sink that stays in memory up to INLINE_LIMIT bytes, then spills to `path`."""

    def __init__(self, path: str):
        self.path = path
        self.buffer: io.BytesIO | None = io.BytesIO()
        self.file = None
        self.size = 0

    def write(self, data) -> int:
        size = len(data)
        self.size += size
        if self.file is None and self.size > INLINE_LIMIT:
            self.file = open(self.path, "wb")
            self.file.write(self.buffer.getvalue())
            self.buffer = None
        (self.file or self.buffer).write(data)
        return size

    def flush(self) -> None:
        pass

    def finish(self) -> dict:
        if self.file is not None:
            self.file.close()
            return {"path": self.path, "size": self.size}
        return {"data": self.buffer.getvalue(), "size": self.size}


# --- terms as SPARQL JSON and as plain dicts for HTML tables ---------------------------------------

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    return {"type": "literal", "value": str(term)}


def write_capped_json(solutions: ox.QuerySolutions, out, max_rows: int) -> tuple[int, bool]:
    """SPARQL JSON, one solution at a time, stopping after `max_rows` (with a note if cut)."""
    names = [v.value for v in solutions.variables]
    out.write(b'{"head":{"vars":' + json.dumps(names).encode() + b'},"results":{"bindings":[')
    count, truncated = 0, False
    for solution in solutions:
        if count >= max_rows:
            truncated = True
            break
        row = {name: term_json(solution[name]) for name in names if solution[name] is not None}
        out.write((b"," if count else b"") + json.dumps(row, ensure_ascii=False).encode())
        count += 1
    out.write(b"]}")
    if truncated:
        note = {"truncated": True, "rowLimit": max_rows,
                "message": f"Only the first {max_rows} rows are included in JSON. Ask for CSV, TSV or XML "
                           "(Accept header or format=csv) for all rows, or add LIMIT/OFFSET to page."}
        out.write(b',"hankegraafi":' + json.dumps(note).encode())
    out.write(b"}")
    return count, truncated


def _cap_json(spool: Spool, max_rows: int, path: str) -> tuple[Spool, bool]:
    """Cut pyoxigraph's SPARQL JSON down to `max_rows` rows, if it has more.

    Every row takes at least 3 bytes (`{},`), so output smaller than 3 x max_rows cannot be over
    the cap and stays as the store wrote it (the common case); larger output is read back by
    pyoxigraph's parser and, only if it really has too many rows, rewritten with the cap.
    """
    if spool.size < 3 * max_rows:
        return spool, False
    if spool.file is not None:
        spool.file.flush()
        source = open(spool.path, "rb")
    else:
        source = io.BytesIO(spool.buffer.getvalue())
    with source:
        rows = 0
        for _ in ox.parse_query_results(source, ox.QueryResultsFormat.JSON):
            rows += 1
            if rows > max_rows:
                break
        if rows <= max_rows:
            return spool, False
        source.seek(0)
        if spool.file is not None:
            spool.file.close()
        capped = Spool(path + ".capped")
        write_capped_json(ox.parse_query_results(source, ox.QueryResultsFormat.JSON), capped, max_rows)
    if spool.file is not None:
        os.unlink(spool.path)
    return capped, True


def term_cell(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else None
        return {"type": "literal", "value": term.value, "lang": term.language,
                "datatype": None if datatype in (XSD_STRING, RDF_LANG_STRING) else datatype}
    return {"type": "triple", "value": str(term)}


# --- jobs ------------------------------------------------------------------------------------------

class JobError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _remote_store(settings: dict) -> RemoteStore:
    """The external SPARQL store (store_backend = "sparql"): the worker forwards the query over HTTP,
    so the time limit, formats and row cap work as with the embedded store."""
    return RemoteStore(RemoteSettings(**settings))


def _graph_term(iri: str):
    return ox.NamedNode(iri)


def _query_options(job: dict) -> dict:
    options: dict = {"prefixes": job.get("prefixes") or None}
    if job.get("base_iri"):
        options["base_iri"] = job["base_iri"]
    default_graphs = job.get("default_graphs") or []
    named_graphs = job.get("named_graphs") or []
    if default_graphs or named_graphs:
        # SPARQL Protocol: naming only named graphs leaves an empty default graph, and vice versa
        options["default_graph"] = [_graph_term(g) for g in default_graphs]
        options["named_graphs"] = [_graph_term(g) for g in named_graphs]
    return options


class Worker:
    def __init__(self):
        self.path: str | None = None
        self.store: ox.Store | None = None

    def open(self, path: str, remote: dict | None = None) -> ox.Store:
        key = path if remote is None else repr(sorted(remote.items()))
        if key != self.path or self.store is None:
            self.store = None
            self.store = ox.Store.read_only(path) if remote is None else _remote_store(remote)
            self.path = key
        return self.store

    def run(self, job: dict) -> dict:
        op = job["op"]
        if op == "ping":
            return {"pong": os.getpid()}
        if op == "query":
            return self.query(job)
        if op == "update":
            return self.update(job)
        raise JobError(500, f"unknown job {op!r}")

    def query(self, job: dict) -> dict:
        store = self.open(job["path"], job.get("remote"))
        try:
            results = store.query(job["text"], **_query_options(job))
        except SyntaxError as error:
            raise JobError(400, f"Malformed query: {error}") from None
        except OSError as error:
            raise JobError(400, f"The query could not be evaluated: {error}") from None
        if isinstance(results, (ox.QueryTriples, RemoteTriples)):
            kind = F.GRAPH
        else:
            kind = F.SOLUTIONS
        if job.get("mode") == "table":
            return self.table(results, job)
        try:
            fmt = F.choose(kind, job.get("accept"), job.get("format"), allow_html=False)
        except F.NotAcceptable as error:
            raise JobError(406, str(error)) from None
        spool = Spool(job["spool"])
        info = {"kind": kind, "format": fmt.name, "truncated": False, "rows": None}
        try:
            if isinstance(results, ox.QueryBoolean):
                info["boolean"] = bool(results)
                results.serialize(spool, fmt.oxigraph)
            elif isinstance(results, ox.QuerySolutions):
                results.serialize(spool, fmt.oxigraph)
                if fmt.name == "json" and job.get("max_rows"):
                    spool, info["truncated"] = _cap_json(spool, job["max_rows"], job["spool"])
            else:
                results.serialize(spool, fmt.oxigraph)
        except OSError as error:   # evaluation errors surface while iterating
            for leftover in (job["spool"], job["spool"] + ".capped"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
            raise JobError(400, f"The query failed while it ran: {error}") from None
        info.update(spool.finish())
        return info

    def table(self, results, job: dict) -> dict:
        limit = job.get("max_rows") or 1000
        if isinstance(results, ox.QueryBoolean):
            return {"kind": "boolean", "value": bool(results)}
        try:
            if isinstance(results, ox.QuerySolutions):
                names = [v.value for v in results.variables]
                rows, truncated = [], False
                for solution in results:
                    if len(rows) >= limit:
                        truncated = True
                        break
                    rows.append([term_cell(solution[name]) for name in names])
                return {"kind": "solutions", "vars": names, "rows": rows, "truncated": truncated}
            rows, truncated = [], False
            for triple in results:
                if len(rows) >= limit:
                    truncated = True
                    break
                rows.append([term_cell(triple.subject), term_cell(triple.predicate), term_cell(triple.object)])
            return {"kind": "graph", "vars": ["subject", "predicate", "object"], "rows": rows,
                    "truncated": truncated}
        except OSError as error:
            raise JobError(400, f"The query failed while it ran: {error}") from None

    def update(self, job: dict) -> dict:
        """Apply an update to a fresh copy of the dataset; check the protected graphs did not change."""
        before = ox.Store.read_only(job["previous"])
        protected = [ox.NamedNode(g) for g in job.get("protected", [])]
        fingerprints = {g.value: _fingerprint(before, g) for g in protected}
        store = ox.Store(job["path"])
        try:
            options = {"prefixes": job.get("prefixes") or None}
            if job.get("base_iri"):
                options["base_iri"] = job["base_iri"]
            try:
                store.update(job["text"], **options)
            except SyntaxError as error:
                raise JobError(400, f"Malformed update: {error}") from None
            except OSError as error:
                raise JobError(400, f"The update failed: {error}") from None
            changed = [g.value for g in protected if _fingerprint(store, g) != fingerprints[g.value]]
            if changed:
                raise JobError(403, "The update would change curated graph(s) it does not name: "
                               + ", ".join(f"<{g}>" for g in changed)
                               + ". Curated graphs change only when the update names them explicitly "
                                 "(e.g. GRAPH <…> or WITH <…>); write your own data to a graph of your own.")
            store.flush()
            return {"ok": True, "quads": len(store)}
        finally:
            store = None
            before = None


def _fingerprint(store: ox.Store, graph) -> str:
    digest = hashlib.sha256()
    for line in sorted(str(q) for q in store.quads_for_pattern(None, None, None, graph)):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _exit_with_parent() -> None:
    """A worker busy with a long query must not outlive a killed web process."""
    import threading
    import time

    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


MEMORY_MESSAGE = ("Query memory limit exceeded: the query needed more than {limit} MiB and was stopped.\n"
                  "What to do: add a LIMIT (and page with OFFSET; a huge OFFSET after ORDER BY sorts every "
                  "solution first), make the patterns more selective, avoid unconnected patterns (cartesian "
                  "products); or download the whole dataset as a dump and query it locally.")


def limit_memory(megabytes: int) -> None:
    """Cap this process's heap (RLIMIT_DATA: brk and private anonymous mappings, not the mapped store
    files): a query that would need more fails here instead of driving the machine out of memory."""
    if megabytes <= 0:
        return
    import resource

    limit = megabytes * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError):  # not supported here: run without the cap
        pass


def main(conn, memory_limit: int = 0) -> None:
    """The worker's loop: one job in, one answer out, until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _exit_with_parent()
    limit_memory(memory_limit)
    worker = Worker()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = ("ok", worker.run(job))
        except JobError as error:
            answer = ("error", error.status, error.message)
        except MemoryError:
            answer = ("error", 503, MEMORY_MESSAGE.format(limit=memory_limit))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which logs it
            answer = ("error", 500, f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return


if __name__ == "__main__":
    import sys
    from multiprocessing.connection import Connection

    main(Connection(int(sys.argv[1])), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
