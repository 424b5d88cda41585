"""Real external SPARQL stores for the tests of the "sparql" store backend: Oxigraph server (the
`oxigraph` package from PyPI) and OpenLink Virtuoso 7 (Debian's virtuoso-opensource-7-bin, installed
by scripts/install-system-deps.sh). Each listens on loopback only, in a temporary folder of its own.
A store that cannot be started fails the tests: CI installs both. benchmarks/remote.py starts its
Virtuoso here too, with buffers and HTTP threads scaled to its data and load.
"""

from __future__ import annotations

import configparser
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

VIRTUOSO_USER, VIRTUOSO_PASSWORD = "hankegraafi", "test-secret"
DEFAULT_GRAPH = "urn:hankegraafi:default"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ExternalStore:
    name: str
    process: subprocess.Popen
    settings: dict[str, str] = field(default_factory=dict)   # Config keys for store_backend = "sparql"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (e.g. 400 for a query endpoint asked nothing)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s: {log.read_text(errors='replace')[-2000:]}")


def start_oxigraph(folder: Path) -> ExternalStore:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    log = folder / "oxigraph.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([binary, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
                                   stdout=subprocess.DEVNULL, stderr=output)
    base = f"http://127.0.0.1:{port}"
    _wait_for(base + "/query?query=ASK%7B%7D", process, log)
    return ExternalStore("oxigraph", process, {
        "sparql_query_url": base + "/query", "sparql_update_url": base + "/update", "sparql_gsp_url": base + "/store",
    })


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ThreadsPerQuery = 2
DirsAllowed = ., {dir}
TransactionAfterImageLimit = {after_image_limit}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = {http_threads}
ServerThreads = {http_threads}

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


def _isql(sql_port: int, statements: str) -> None:
    isql = shutil.which("isql-vt") or shutil.which("isql")
    result = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statements}"],
                            capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0 or "Error" in result.stdout + result.stderr:
        raise RuntimeError(f"isql: {result.stdout}\n{result.stderr}")


def start_virtuoso(folder: Path, buffers: int = 10000, dirty_buffers: int = 6000, http_threads: int = 5,
                   after_image_limit: int = 1_000_000) -> ExternalStore:
    """Virtuoso with `buffers` pages of 8 KiB in memory (10000: 80 MB; about 170000 for 2 GB of data).
    `after_image_limit`: bytes of transaction log one transaction may write (TransactionAfterImageLimit;
    Virtuoso's default is 50 MB): 1 MB makes the tests' rebuild swap too large for one transaction,
    as a large graph's is, so that they test the graph-by-graph swap (build/publish.py)."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise RuntimeError("virtuoso-t is not installed: run scripts/install-system-deps.sh "
                           "(Debian package virtuoso-opensource-7-bin)")
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port, buffers=buffers,
                                       dirty_buffers=dirty_buffers, http_threads=http_threads,
                                       after_image_limit=after_image_limit))
    log = folder / "stdout.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([binary, "-f", "-c", str(ini)], cwd=folder, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    _wait_for(base + "/sparql?query=ASK%7B%7D", process, log, timeout=120)
    # a user of our own that may write (SPARQL_UPDATE), with digest authentication on /sparql-auth
    _isql(sql_port, f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}'); "
                    f"GRANT SPARQL_UPDATE TO \"{VIRTUOSO_USER}\"; "
                    f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{VIRTUOSO_USER}', 15);")
    return ExternalStore("virtuoso", process, _virtuoso_settings(base))


def running_virtuoso_settings(folder: Path) -> dict[str, str]:
    """The settings of a Virtuoso started by start_virtuoso in `folder` and still running."""
    ini = configparser.ConfigParser()
    ini.read(folder / "virtuoso.ini")
    return _virtuoso_settings(f"http://{ini['HTTPServer']['ServerPort']}")


def _virtuoso_settings(base: str) -> dict[str, str]:
    return {
        "sparql_query_url": base + "/sparql-auth", "sparql_gsp_url": base + "/sparql-graph-crud-auth",
        "sparql_user": VIRTUOSO_USER, "sparql_password": VIRTUOSO_PASSWORD, "sparql_auth": "digest",
        "sparql_default_graph": DEFAULT_GRAPH,
    }


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
