"""Output locks: one writer per output file (`nsifit run`, `nsifit profile`).

`<output>.lock` is created with O_CREAT | O_EXCL (atomic on local file systems and NFS v3+) and holds
the writer's pid, host name, the pid's start time (Linux: /proc/<pid>/stat, so a recycled pid is not
mistaken for the writer) and the wall-clock start. A second writer is refused with one line naming
the holder. A lock whose writer is gone (same host, pid not running or running since another time)
is stale: it is replaced, with a one-line notice. A lock from another host is never taken over.
"""

import contextlib
import datetime
import json
import os
import socket
import sys
import uuid
from pathlib import Path

from nsifit.errors import StorageError

SUFFIX = ".lock"


def lock_path(output):
    return Path(str(output) + SUFFIX)


def _process_start(pid):
    """The start time of `pid` in clock ticks since boot (Linux), None where unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(text.rsplit(")", 1)[1].split()[19])      # field 22 of proc(5)
    except (IndexError, ValueError):
        return None


def _alive(pid, start):
    """Is the process that wrote a lock (pid, its start time) still running on this host?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass                        # exists, another user's process
    now = _process_start(pid)
    return start is None or now is None or now == start


def read_holder(path):
    """The holder recorded in a lock file (a dict), or None when unreadable."""
    try:
        holder = json.loads(Path(path).read_text())
        return holder if isinstance(holder, dict) else None
    except (OSError, ValueError):
        return None


def describe(holder):
    if not holder:
        return "an unknown process (unreadable lock file)"
    return f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"


def stale(holder):
    """True when the lock's writer is known to be gone (same host only)."""
    if not holder or holder.get("host") != socket.gethostname():
        return False
    try:
        pid = int(holder["pid"])
    except (KeyError, TypeError, ValueError):
        return False
    return not _alive(pid, holder.get("pid_start"))


def check_unlocked(output):
    """StorageError when a live writer holds `output` (no lock is taken)."""
    path = lock_path(output)
    if path.exists():
        holder = read_holder(path)
        if not stale(holder):
            raise StorageError(f"{output} is being written by {describe(holder)} (lock {path}); "
                               "wait for it to finish or write elsewhere")


class OutputLock:
    """`with OutputLock(output):` -- exclusive right to write `output` (see the module docstring)."""

    def __init__(self, output, notice=None):
        self.output = Path(output)
        self.path = lock_path(output)
        self.token = uuid.uuid4().hex
        self.notice = notice or (lambda text: print(f"nsifit: {text}", file=sys.stderr))
        self.held = False

    def acquire(self):
        info = {"pid": os.getpid(), "host": socket.gethostname(), "pid_start": _process_start(os.getpid()),
                "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "token": self.token}
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StorageError(f"cannot write {self.output}: {err.strerror} ({self.output.parent})") from None
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = read_holder(self.path)
                if holder is None and not self.path.exists():
                    continue                                  # released meanwhile
                if not stale(holder):
                    raise StorageError(f"{self.output} is being written by {describe(holder)} "
                                       f"(lock {self.path}); wait for it to finish or write elsewhere") from None
                if self._take_over(holder):
                    self.notice(f"removed the stale lock {self.path} of {describe(holder)}, which is gone")
                continue
            except FileNotFoundError:
                raise StorageError(f"cannot write {self.output}: directory {self.output.parent} "
                                   "does not exist") from None
            except OSError as err:
                raise StorageError(f"cannot write {self.output}: {err.strerror} "
                                   f"({self.path.parent})") from None
            try:
                os.write(fd, json.dumps(info).encode())
                os.fsync(fd)
            except OSError as err:
                os.close(fd)
                self.path.unlink(missing_ok=True)
                raise StorageError(f"cannot write the lock {self.path}: {err.strerror}") from None
            os.close(fd)
            self.held = True
            return self
        raise StorageError(f"could not lock {self.output}: the lock {self.path} keeps changing")

    def _take_over(self, holder):
        """Remove a stale lock atomically: rename it away, check it is still the stale one."""
        aside = self.path.with_name(f"{self.path.name}.{self.token}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return False                         # someone else removed it first
        if read_holder(aside) != holder:         # a fresh lock slipped in between: put it back
            with contextlib.suppress(OSError):
                os.link(aside, self.path)
            aside.unlink(missing_ok=True)
            return False
        aside.unlink(missing_ok=True)
        return True

    def release(self):
        if self.held and read_holder(self.path) and read_holder(self.path).get("token") == self.token:
            self.path.unlink(missing_ok=True)
        self.held = False

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
