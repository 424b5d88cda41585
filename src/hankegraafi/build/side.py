"""Validation and statistics in a process of their own, beside the index step.

The three last steps of a build only read the finished store. The index step is the longest and
mostly Python; in threads of the same process, validation and statistics made it wait for the GIL
and for the cores. In a second process (which opens the store read-only) at a lower priority they
take the cores the index step leaves idle, and the kernel, not the GIL, shares them out.

    side = SideProcess(store_path, config, files, progress, on_failure)   # starts the process
    side.validation()    # the ValidationReport (or raises what the process raised)
    side.statistics()    # the release's statistics
    side.close()
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..config import Config
from ..namespaces import Namespaces
from .sources import BuildError, InputFile
from .statistics import describe
from .validate import ValidationReport, validate_store

NICENESS = 10  # the index step, the longest, comes first
POLL_SECONDS = 1.0  # how often the parent checks that the process still lives


def _main(store_path: str, config: Config, files: list[InputFile], messages) -> None:
    """The second process: validation, and the statistics in a thread beside it."""
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    progress = lambda message: messages.put(("progress", message))  # noqa: E731

    def reporting(kind: str, compute: Callable[[], object]) -> None:
        try:
            messages.put((kind, compute()))
        except BaseException as error:  # noqa: BLE001 - everything goes to the parent, which raises it
            messages.put(("error", _picklable(error), traceback.format_exc()))

    def statistics() -> dict:
        progress("statistics")
        found = describe(store, Namespaces(config.base_iri))
        progress("statistics: done")
        return found

    try:
        store = ox.Store.read_only(store_path)
    except BaseException as error:  # noqa: BLE001
        messages.put(("error", _picklable(error), traceback.format_exc()))
        return
    beside = threading.Thread(target=reporting, args=("statistics", statistics), daemon=True)
    beside.start()
    reporting("validation", lambda: validate_store(store, config, files, progress))
    beside.join()


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.dumps(error)
        return error
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(error).__name__}: {error}")


class SideProcess:
    """Runs `_main` in a spawned process; forwards its progress lines; hands over its results."""

    def __init__(self, store_path: Path, config: Config, files: list[InputFile],
                 progress: Callable[[str], None], on_failure: Callable[[], None] = lambda: None):
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads and RocksDB
        self._messages = context.Queue()
        self._process = context.Process(target=_main, args=(str(store_path), config, files, self._messages),
                                        name="hankegraafi-validate", daemon=True)
        self._progress = progress
        self._on_failure = on_failure
        self._results: dict[str, object] = {}
        self._arrived = threading.Condition()
        self._process.start()
        self._reader = threading.Thread(target=self._read, name="side-process-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                kind, *payload = self._messages.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self._process.is_alive():
                    continue
                try:  # what it wrote just before it ended
                    kind, *payload = self._messages.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    kind, payload = "error", [BuildError(f"the validation process ended with exit code "
                                                         f"{self._process.exitcode}"), ""]
            if kind == "progress":
                self._progress(payload[0])
                continue
            failed = kind == "error" or (kind == "validation" and not payload[0].conforms)
            with self._arrived:
                self._results[kind] = payload
                self._arrived.notify_all()
            if failed:
                self._on_failure()
            if failed or {"validation", "statistics"} <= self._results.keys():
                return

    def _wait(self, kind: str):
        with self._arrived:
            self._arrived.wait_for(lambda: kind in self._results or "error" in self._results)
            if kind in self._results:
                return self._results[kind][0]
            error, details = self._results["error"]
        raise error from (RuntimeError(details) if details else None)

    def validation(self) -> ValidationReport:
        return self._wait("validation")

    def statistics(self) -> dict:
        return self._wait("statistics")

    def close(self) -> None:
        """Stop the process if it still runs (the build failed elsewhere) and release it."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._reader.join(timeout=POLL_SECONDS * 2)
        self._messages.close()
