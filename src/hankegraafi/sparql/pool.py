"""A pool of query worker processes that can be cut off.

pyoxigraph cannot cancel a running query, so every query runs in a separate process (a fresh
interpreter: the web process's RocksDB threads must not be forked). The web process hands a job to an
idle worker and waits on its pipe until the query has used the time limit in processor time (at most
three times the limit in wall-clock time, when the machine is busy); a worker that overruns is killed
(SIGKILL) and a fresh one is started in the background, while the other workers go on serving.
When every worker is busy, the pool grows (up to a cap) instead of making quick queries wait for
slow ones.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
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
    def __init__(self, limit: float, elapsed: float, processor_time: bool = True):
        super().__init__(f"time limit {limit:g} s exceeded after {elapsed:.1f} s")
        self.limit = limit
        self.elapsed = elapsed
        self.processor_time = processor_time  # False: wall-clock time (a query another store evaluates)


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


# a query may use `timeout` seconds of processor time; on a busy machine that takes longer, up to
# this many times the limit in wall-clock time
WALL_FACTOR = 3.0
# a query that has used this much processor time yields the processors to newer, shorter ones
# (its worker drops to the lowest CPU priority until the answer is in)
DEMOTE_AFTER = 1.0
DEMOTED_NICE = 19
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """User + system processor time of a process (Linux /proc), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _answered_within(process: _Process, limit: float, processor_time: bool = True,
                     demote_after: float | None = None) -> bool:
    """Wait for the worker's answer until it has used `limit` seconds of processor time (or, where
    that cannot be read, or for a query another store evaluates, of wall-clock time), and at most
    WALL_FACTOR x `limit` of wall-clock time.

    The limit is there to stop runaway work, not queries that only run slowly because other requests
    share the processors: on an idle machine both clocks agree and a runaway query is stopped at the
    limit; under load a legitimate query gets the processor time it needs within the wall bound.
    With `demote_after`, a query that has used that much processor time is demoted (_Process.demote)."""
    started = time.monotonic()
    hard = started + limit * WALL_FACTOR
    first = _cpu_seconds(process.process.pid) if processor_time else None
    while True:
        used = _cpu_seconds(process.process.pid)
        spent = (used - first) if used is not None and first is not None else time.monotonic() - started
        wait = min(limit - spent, hard - time.monotonic())
        if demote_after is not None and not process.demoted:
            if spent >= demote_after:
                process.demote()
            else:
                wait = min(wait, demote_after - spent)
        if wait <= 0:
            return process.conn.poll(0)
        # one thread evaluates a query, so its processor time grows about as fast as the clock at most
        if process.conn.poll(wait):
            return True


class _Process:
    """One worker: `python -m hankegraafi.sparql.worker FD`, talking over a multiprocessing pipe.

    A plain subprocess rather than multiprocessing's `spawn`, which would re-import the parent's
    `__main__` (a gunicorn or a test script) in every worker.
    """

    def __init__(self, memory_limit: int = 0, nice: int = 0):
        self.conn, child = multiprocessing.Pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hankegraafi.sparql.worker", str(child.fileno()), str(memory_limit)],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, close_fds=True,
        )
        child.close()
        self.stopped_on_purpose = False   # timed out or recycled: replaced at once, not as a crash
        self.demoted = False
        self.priority = min(19, os.getpriority(os.PRIO_PROCESS, 0) + max(0, nice))
        if nice > 0:  # set from here: preexec_fn is unsafe in a threaded parent
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.process.pid, self.priority)
        self.started = time.monotonic()
        self.jobs = 0

    def demote(self) -> None:
        """Lowest CPU priority for the rest of this job."""
        self.demoted = True
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, DEMOTED_NICE)

    def restore(self) -> bool:
        """Back to the worker's own priority after a demoted job; False where the system does not let
        an unprivileged process raise a priority again (the worker is then replaced)."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, self.priority)
        except OSError:
            return False
        self.demoted = False
        return True

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


def _stop_all(processes: list[_Process]) -> None:
    for process in processes:
        process.stop()


class WorkerPool:
    """Up to `size` worker processes; `run(job, timeout)` returns the worker's answer or raises.

    `keep` workers are kept running. When every worker stays busy for `grow_after` seconds (runaway
    queries can hold them until the time limit), the pool starts another one, up to `size`, so a few
    runaway queries do not make everyone else wait, while a burst of quick queries just queues for a
    moment. A worker beyond `keep` that stays idle for `idle_retire` seconds is stopped. Only with
    `size` workers busy does a job wait longer, for at most `queue_wait` seconds.
    """

    def __init__(self, size: int = 8, queue_wait: float = 30.0, memory_limit: int = 0, keep: int = 3,
                 grow_after: float = 0.25, idle_retire: float = 60.0, nice: int = 0, recycle_rss: int = 0):
        self.size = max(1, size)
        self.keep = max(1, min(keep, self.size))
        self.queue_wait = queue_wait
        self.memory_limit = memory_limit  # MiB of heap per worker (RLIMIT_DATA); 0: none
        self.nice = nice  # workers run this much below the web process's CPU priority
        self.recycle_rss = recycle_rss  # MiB a worker may keep after a job before it is replaced (0: never)
        self.grow_after = grow_after
        self.idle_retire = idle_retire
        self._idle: list[_Process] = []   # the most recently used last
        self._all: set[_Process] = set()
        self._starting = 0                # processes being started outside the lock
        self._changed = threading.Condition()
        self._started = False
        self._closed = False
        self.spool_dir = tempfile.mkdtemp(prefix="hankegraafi-sparql-")
        self.killed = 0

    def start(self) -> None:
        with self._changed:
            if self._started:
                return
            self._started = True
            self._starting += self.keep
        for _ in range(self.keep):
            self._add()

    def _add(self, delay: float = 0.0) -> None:
        """Start a worker in a reserved slot and make it idle."""
        if delay:
            time.sleep(delay)
        process = self._spawn()
        if process is not None:
            self._give_back(process)

    def _spawn(self) -> _Process | None:
        """A new worker in a slot the caller reserved (`_starting`); None once the pool is closed."""
        try:
            process = None if self._closed else _Process(self.memory_limit, self.nice)
        except BaseException:
            with self._changed:
                self._starting -= 1
                self._changed.notify()
            raise
        with self._changed:
            self._starting -= 1
            if process is not None and not self._closed:
                self._all.add(process)
                return process
        if process is not None:
            process.stop()
        return None

    def _give_back(self, process: _Process) -> None:
        with self._changed:
            if not self._closed:
                process.idle_since = time.monotonic()
                self._idle.append(process)
                self._changed.notify()
                return
        process.stop()

    def _acquire(self) -> _Process:
        """An idle worker; if none comes back within `grow_after`, a new one while below `size`;
        at `size`, wait for one up to `queue_wait`."""
        waited_from = time.monotonic()
        deadline, grow_at = waited_from + self.queue_wait, waited_from + self.grow_after
        with self._changed:
            while not self._idle:
                now = time.monotonic()
                can_grow = len(self._all) + self._starting < self.size
                if can_grow and now >= grow_at:
                    break
                if now >= deadline or self._closed:
                    raise PoolBusy(now - waited_from)
                self._changed.wait((grow_at if can_grow else deadline) - now)
            if self._idle:
                return self._idle.pop()
            self._starting += 1
        process = self._spawn()
        if process is None:
            raise PoolBusy(time.monotonic() - waited_from)
        log.info("all query workers busy: started worker %s (%d running)", process.process.pid, self.workers())
        return process

    def _retire_idle(self) -> None:
        """Stop workers beyond `keep` that have been idle longer than `idle_retire` (least recent first)."""
        now = time.monotonic()
        retired = []
        with self._changed:
            while (len(self._all) > self.keep and self._idle
                   and now - self._idle[0].idle_since > self.idle_retire):
                process = self._idle.pop(0)
                self._all.discard(process)
                retired.append(process)
        if retired:   # in the background: a worker may take a moment to exit
            threading.Thread(target=_stop_all, args=(retired,), daemon=True, name="hankegraafi-sparql-retire").start()

    def _bloated(self, process: _Process) -> float:
        """The MiB a worker kept after its job if that is more than `recycle_rss` (else 0): it is then
        replaced, so the memory a heavy query took goes back instead of staying with the worker."""
        rss = _rss_mib(process.process.pid) if self.recycle_rss else 0.0
        return rss if rss > self.recycle_rss else 0.0

    def _replace(self, dead: _Process) -> None:
        with self._changed:
            self._all.discard(dead)
            needed = not self._closed and len(self._all) + self._starting < self.keep
            if needed:
                self._starting += 1
            self._changed.notify()   # a waiting job may start a worker in the freed slot
        dead.kill()
        if not needed:
            return
        # a worker that dies right after its start (a broken installation) is not restarted in a busy loop
        delay = 1.0 if dead.jobs == 0 and time.monotonic() - dead.started < 5 and not dead.stopped_on_purpose else 0.0
        threading.Thread(target=self._add, args=(delay,), daemon=True, name="hankegraafi-sparql-respawn").start()

    def workers(self) -> int:
        with self._changed:
            return len(self._all)

    def spool_path(self) -> str:
        return os.path.join(self.spool_dir, uuid.uuid4().hex)

    def run(self, job: dict, timeout: float) -> dict:
        self.start()
        self._retire_idle()
        process = self._acquire()
        started = time.monotonic()
        healthy = False
        try:
            process.conn.send(job)
            processor_time = "remote" not in job
            demote_after = DEMOTE_AFTER if processor_time else None  # an external store's work is not ours
            if not _answered_within(process, timeout, processor_time, demote_after):
                elapsed = time.monotonic() - started
                log.warning("query worker %s killed after %.1f s (limit %g s)", process.process.pid, elapsed, timeout)
                process.stopped_on_purpose = True
                self.killed += 1
                raise TimeLimitExceeded(timeout, elapsed, processor_time)
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
                if rss := self._bloated(process):
                    log.info("query worker %s recycled at %.0f MiB", process.process.pid, rss)
                    process.stopped_on_purpose = True
                    self._replace(process)
                elif process.demoted and not process.restore():
                    process.stopped_on_purpose = True
                    self._replace(process)
                else:
                    self._give_back(process)
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
        with self._changed:
            self._closed = True
            processes = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._changed.notify_all()
        for process in processes:
            process.stop()
        shutil.rmtree(self.spool_dir, ignore_errors=True)
