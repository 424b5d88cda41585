"""A pool of query worker processes that can be cut off.

pyoxigraph cannot cancel a running query, so every query runs in a separate process (a fresh
interpreter: the web process's RocksDB threads must not be forked). The web process hands a job to an
idle worker and waits on its pipe for at most the time limit; a worker that overruns is killed
(SIGKILL) and a fresh one is started in the background, while the other workers go on serving.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid


log = logging.getLogger("hankegraafi.sparql")


class TimeLimitExceeded(Exception):
    def __init__(self, limit: float, elapsed: float):
        super().__init__(f"time limit {limit:g} s exceeded after {elapsed:.1f} s")
        self.limit = limit
        self.elapsed = elapsed


class PoolBusy(Exception):
    def __init__(self, waited: float):
        super().__init__(f"all query workers stayed busy for {waited:.1f} s")
        self.waited = waited


class WorkerFailed(Exception):
    def __init__(self, message: str, memory_limit: int = 0):
        super().__init__(message)
        # set when the worker most likely died at its memory limit (allocation failure: abort)
        self.memory_limit = memory_limit


class JobFailed(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class _Process:
    """One worker: `python -m hankegraafi.sparql.worker FD`, talking over a multiprocessing pipe.

    A plain subprocess rather than multiprocessing's `spawn`, which would re-import the parent's
    `__main__` (a gunicorn or a test script) in every worker.
    """

    def __init__(self, memory_limit: int = 0):
        self.conn, child = multiprocessing.Pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hankegraafi.sparql.worker", str(child.fileno()), str(memory_limit)],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, close_fds=True,
        )
        child.close()
        self.started = time.monotonic()
        self.jobs = 0

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            self.conn.close()
        except OSError:
            pass

    def stop(self) -> None:
        try:
            self.conn.close()  # the worker sees EOF and exits
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.process.poll() is None:
            self.kill()


class WorkerPool:
    """`size` worker processes; `run(job, timeout)` returns the worker's answer or raises."""

    def __init__(self, size: int = 3, queue_wait: float = 30.0, memory_limit: int = 0):
        self.size = max(1, size)
        self.queue_wait = queue_wait
        self.memory_limit = memory_limit  # MiB of heap per worker (RLIMIT_DATA); 0: none
        self._idle: queue.Queue[_Process] = queue.Queue()
        self._all: set[_Process] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.spool_dir = tempfile.mkdtemp(prefix="hankegraafi-sparql-")
        self.killed = 0

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.size):
            self._add()

    def _add(self, delay: float = 0.0) -> None:
        if delay:
            time.sleep(delay)
        if self._closed:
            return
        process = _Process(self.memory_limit)
        with self._lock:
            self._all.add(process)
        self._idle.put(process)

    def _replace(self, dead: _Process) -> None:
        with self._lock:
            self._all.discard(dead)
        dead.kill()
        # a worker that dies right after its start (a broken installation) is not restarted in a busy loop
        delay = 1.0 if dead.jobs == 0 and time.monotonic() - dead.started < 5 and not self._killed_on_purpose(dead) else 0.0
        threading.Thread(target=self._add, args=(delay,), daemon=True, name="hankegraafi-sparql-respawn").start()

    def _killed_on_purpose(self, process: _Process) -> bool:
        return getattr(process, "timed_out", False)

    def spool_path(self) -> str:
        return os.path.join(self.spool_dir, uuid.uuid4().hex)

    def run(self, job: dict, timeout: float) -> dict:
        self.start()
        waited_from = time.monotonic()
        try:
            process = self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            raise PoolBusy(time.monotonic() - waited_from) from None
        started = time.monotonic()
        healthy = False
        try:
            process.conn.send(job)
            if not process.conn.poll(timeout):
                elapsed = time.monotonic() - started
                log.warning("query worker %s killed after %.1f s (limit %g s)", process.process.pid, elapsed, timeout)
                process.timed_out = True
                self.killed += 1
                raise TimeLimitExceeded(timeout, elapsed)
            answer = process.conn.recv()
            healthy = True
        except (EOFError, OSError, BrokenPipeError) as error:
            try:
                code = process.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            # Rust aborts (SIGABRT) when an allocation fails at the memory limit
            memory = self.memory_limit if self.memory_limit and code == -signal.SIGABRT else 0
            log.warning("query worker %s died (exit %s)%s", process.process.pid, code,
                        f": memory limit {memory} MiB" if memory else "")
            raise WorkerFailed(f"query worker died: {error}", memory) from None
        finally:
            if healthy:
                process.jobs += 1
                self._idle.put(process)
            else:
                self._replace(process)
                spool = job.get("spool")
                for leftover in (spool, f"{spool}.capped") if spool else ():
                    if os.path.exists(leftover):
                        os.unlink(leftover)
        if answer[0] == "ok":
            return answer[1]
        _, status, message = answer
        if status >= 500:
            log.error("query worker error: %s", message)
            message = "The query worker hit an unexpected error; it has been logged."
        raise JobFailed(status, message)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            processes = list(self._all)
            self._all.clear()
        for process in processes:
            process.stop()
        shutil.rmtree(self.spool_dir, ignore_errors=True)
