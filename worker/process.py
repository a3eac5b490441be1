"""A Celery worker in a subprocess: started, watched, stopped (or killed, for fault tests).

The worker runs ``celery -A worker.celery_app worker`` with the settings passed through
its environment, in its own process group, so stopping it stops its pool processes too.
It is told this process's pid (``JIXIAO_PARENT_PID``) and dies with it, even when this
process is killed with ``kill -9`` (see :mod:`worker.lifeline`): the kernel's signal is
tied to the thread that starts the worker, so start it from a thread that outlives it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import IO

from worker.celery_app import RENDER_QUEUE, declare_render_queue
from worker.lifeline import PARENT_PID_VARIABLE
from worker.settings import WorkerSettings

#: What Celery logs once the worker consumes from the broker.
READY_MARK = " ready."


class WorkerProcess:
    """One ``celery worker`` subprocess with ``concurrency`` pool processes."""

    def __init__(
        self,
        settings: WorkerSettings,
        *,
        concurrency: int = 1,
        log_path: Path | None = None,
        loglevel: str = "INFO",
        beat: bool = False,
    ) -> None:
        self.settings = settings
        self.beat = beat
        #: The beat's schedule file lives in a folder of its own, removed when the worker
        #: stops: a new beat runs the reminder pass at once, then on schedule.
        self._beat_dir: str | None = None
        self.concurrency = concurrency
        self.log_path = log_path
        self.loglevel = loglevel
        self.name = f"jixiao-{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def command(self) -> list[str]:
        """The command line of the worker."""
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.celery_app",
            "worker",
            f"--loglevel={self.loglevel}",
            f"--concurrency={self.concurrency}",
            "--pool=prefork",
            f"--hostname={self.name}@%h",
            f"--queues={RENDER_QUEUE}",
            # Gossip, mingle and heartbeats talk to other workers over broadcast, which
            # the embedded transport does not carry; renders need none of them.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *self._beat_options(),
        ]

    def _beat_options(self) -> list[str]:
        if not self.beat:
            return []
        if self._beat_dir is None:
            self._beat_dir = tempfile.mkdtemp(prefix="jixiao-beat-")
        return ["--beat", f"--schedule={Path(self._beat_dir) / 'celerybeat-schedule'}"]

    def start(self, *, wait: bool = True, timeout: float = 60.0) -> WorkerProcess:
        """Start the worker; with ``wait`` (needs ``log_path``), until it consumes."""
        declare_render_queue(self.settings)
        env = {**os.environ, **self.settings.env(), PARENT_PID_VARIABLE: str(os.getpid())}
        output: IO[bytes] | None = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = output = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        if wait and self.log_path is not None:
            self.wait_ready(timeout)
        return self

    def log_text(self) -> str:
        """What the worker has logged so far ("" without a log file)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the worker logs that it is ready; RuntimeError if it dies or times out."""
        deadline = time.monotonic() + timeout
        while READY_MARK not in self.log_text():
            if not self.alive:
                raise RuntimeError(f"celery worker exited:\n{self.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery worker not ready in {timeout} s:\n{self.log_text()}")
            time.sleep(0.05)

    @property
    def alive(self) -> bool:
        """Whether the worker's main process is still running."""
        return self.process is not None and self.process.poll() is None

    def _signal_group(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """``kill -9`` the worker and its pool processes at once: no warm shutdown."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()
        self._close_log()

    def stop(self, timeout: float = 30.0) -> None:
        """Warm shutdown (SIGTERM: finish the running task), then SIGKILL after ``timeout``."""
        if self.process is None:
            return
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
        # Pool processes orphaned by a dead main process must not outlive it.
        self._signal_group(signal.SIGKILL)
        self._close_log()
        if self._beat_dir is not None:
            shutil.rmtree(self._beat_dir, ignore_errors=True)
            self._beat_dir = None

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> WorkerProcess:
        if self.process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
