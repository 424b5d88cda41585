"""Configuration: defaults, overridden by a TOML file, overridden by environment variables.

The file is `hankegraafi.toml` in the working directory, or the path in
`HANKEGRAAFI_CONFIG`. Every key can also be set as `HANKEGRAAFI_<KEY>` in the
environment (upper case), which wins over the file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_IRI = "https://w3id.org/hankegraafi/"


@dataclass(frozen=True)
class Config:
    # where the inputs are
    project_dir: Path = Path(".")
    ontology_dir: Path = Path("ontology")
    data_dir: Path = Path("data")
    queries_dir: Path = Path("queries")
    # where the built releases live; `<store_path>/current` is the served one
    store_path: Path = Path("var/store")
    base_iri: str = DEFAULT_BASE_IRI
    host: str = "127.0.0.1"
    port: int = 5000
    # personal data (phone numbers, e-mails) stays out unless turned on
    publish_contacts: bool = False
    # SPARQL service limits
    query_timeout: float = 30.0
    max_result_rows: int = 10_000
    max_request_bytes: int = 1_000_000
    # the most query worker processes per web process (each opens the store read-only; a runaway
    # query is killed and its worker replaced). 3 are kept running; when all are busy for 0.25 s
    # (runaway queries hold theirs until the limit) another is started, up to this many, and stopped
    # after a minute idle: four runaway queries still leave room for everyone else. Memory at worst:
    # web processes x query_workers x query_memory_limit
    query_workers: int = 8
    # how much lower the query workers' CPU priority is than the web process's (nice increment): when
    # SPARQL queries keep every core busy, pages, search and the endpoint's own protocol work still get
    # the CPU first (0: same priority)
    query_nice: int = 5
    # a query worker that keeps more memory than this after a job (MiB of RSS) is replaced, so what a
    # heavy query took goes back to the system instead of staying with the worker (0: never)
    query_worker_recycle_mb: int = 768
    # answers of repeated SPARQL queries kept per web process (MiB on disk, 0: off): valid while the same
    # release and update generation are served, so the example queries and permalinks people run again
    # and again skip the query workers (sparql/cache.py)
    query_cache_mb: int = 256
    # heap per query worker in MiB (RLIMIT_DATA; 0: no cap): a query that needs more is stopped with
    # a 503 instead of driving the machine out of memory (a huge OFFSET after ORDER BY over a cartesian
    # product reached 22 GB in 48 s on the 10 000-project graph)
    query_memory_limit: int = 2048
    # SERVICE and LOAD targets the endpoint may fetch: exact IRIs, or prefixes ending in "/";
    # empty (the default) means the endpoint never fetches anything from elsewhere
    federation_allowlist: tuple[str, ...] = field(default_factory=tuple)
    # updates: off unless a token is configured
    update_token: str = ""
    # per-client rate limit of /sparql and /rdf-graph-store (web/ratelimit.py): a token bucket of
    # `sparql_rate_burst` requests refilled at `sparql_rate_limit` a second; 0 turns it off
    sparql_rate_limit: float = 20.0
    sparql_rate_burst: int = 200
    # SPARQL requests one client may have running at once (0: no cap); below query_workers, it keeps
    # a worker free for others when one client sends many slow queries
    sparql_client_concurrency: int = 0
    # reverse proxies in front of the app that append the client's address to X-Forwarded-For;
    # 0 (the default): the header is ignored and the socket's peer address is the client
    trusted_proxies: int = 0
    # Strict-Transport-Security max-age in seconds; 0 (the default) sends no HSTS header (set it only
    # when the site is served over HTTPS, normally by the reverse proxy)
    hsts_max_age: int = 0
    # how many old releases to keep beside the current one
    keep_releases: int = 2
    extra_inputs: tuple[Path, ...] = field(default_factory=tuple)
    # SHACL validation: "auto" (shapes compiled to SPARQL and run in the store, pyshacl if the shapes
    # use a feature the compiler does not translate), "sparql" or "pyshacl" (slow beyond ~1 M triples)
    validator: str = "auto"
    # where the served graph lives: "embedded" (the pyoxigraph store in the release folder) or "sparql"
    # (an external SPARQL 1.1 store over HTTP, src/hankegraafi/remote.py; see docs/operations.md)
    store_backend: str = "embedded"
    sparql_query_url: str = ""
    sparql_update_url: str = ""     # empty: the query URL
    sparql_gsp_url: str = ""        # Graph Store Protocol, for publishing; empty: INSERT DATA in chunks
    sparql_user: str = ""
    sparql_password: str = ""
    sparql_auth: str = "basic"      # or "digest"
    # the graph that holds the merge of the public graphs; empty: the store's own default graph (only
    # for stores whose default graph is not the union of all graphs, e.g. Oxigraph server)
    sparql_default_graph: str = ""

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.project_dir / path).resolve()

    @property
    def remote(self) -> bool:
        return self.store_backend == "sparql"

    @property
    def updates_enabled(self) -> bool:
        return bool(self.update_token)


_BOOL_TRUE = {"1", "true", "yes", "on"}


def _coerce(name: str, value, target_type):
    if target_type is bool:
        return value if isinstance(value, bool) else str(value).strip().lower() in _BOOL_TRUE
    if target_type is int:
        return int(value)
    if target_type is float:
        return float(value)
    if target_type is Path:
        return Path(value)
    if name == "federation_allowlist":
        items = value.replace(",", " ").split() if isinstance(value, str) else value
        return tuple(str(item) for item in items if item)
    if name == "extra_inputs":
        items = value.split(os.pathsep) if isinstance(value, str) else value
        return tuple(Path(p) for p in items if p)
    return str(value)


def _field_types() -> dict[str, type]:
    hints = {"Path": Path, "str": str, "int": int, "float": float, "bool": bool}
    return {f.name: hints.get(str(f.type), str) for f in dataclasses.fields(Config)}


def load_config(config_file: str | os.PathLike | None = None, environ=None, **overrides) -> Config:
    """Build the configuration from defaults, a TOML file, the environment and keyword overrides."""
    environ = os.environ if environ is None else environ
    types = _field_types()
    values: dict = {}

    path = config_file or environ.get("HANKEGRAAFI_CONFIG")
    if path is None and Path("hankegraafi.toml").exists():
        path = "hankegraafi.toml"
    if path:
        with open(path, "rb") as fh:
            for key, value in tomllib.load(fh).items():
                if key not in types:
                    raise ValueError(f"{path}: unknown configuration key {key!r}")
                values[key] = _coerce(key, value, types[key])

    for key, target in types.items():
        env_value = environ.get(f"HANKEGRAAFI_{key.upper()}")
        if env_value is not None:
            values[key] = _coerce(key, env_value, target)

    for key, value in overrides.items():
        if value is not None:
            values[key] = _coerce(key, value, types[key])

    base = values.get("base_iri", DEFAULT_BASE_IRI)
    if not base.endswith(("/", "#")):
        raise ValueError(f"base_iri must end with '/' or '#': {base!r}")
    return Config(**values)
