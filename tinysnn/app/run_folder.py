"""The folder a run writes into: checked, claimed and locked before any work starts.

    with claim_run_folder("runs/masnn", resume=None, overwrite=False):
        ...                                  # write checkpoint.npz and metrics.json

- The folder must be one that can be made and written: not a file, not under a file, not
  read-only. This is checked before the data set is generated or a model is built.
- A fresh run refuses a folder that already holds a run (its checkpoint.npz or metrics.json)
  and names the two ways on: ``--resume`` to continue it, ``--overwrite`` to replace it.
  A resume may write into the folder of the checkpoint it continues.
- While a run writes, it holds an advisory lock on ``.tinysnn-lock`` in the folder. A second
  run into the same folder stops at once with a message instead of racing the first. The
  operating system releases the lock when the process ends, however it ends (even SIGKILL), so
  a crash never leaves a stale lock; the empty lock file stays.
"""

import contextlib
import os

from ..errors import TinysnnError

RUN_FILES = ("checkpoint.npz", "metrics.json")   # what a run writes; what marks a folder as a run
LOCK_FILE = ".tinysnn-lock"


class RunFolderError(TinysnnError):
    """A run folder that cannot be written, already holds another run, or is in use."""


def make_folder(path):
    """Create ``path`` (and its parents) if needed; RunFolderError unless it is a folder."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise RunFolderError(f"run folder {path} is a file, not a folder")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as err:
        raise RunFolderError(f"cannot make the run folder {path}: {err.strerror or err}") from None


def runs_in(path):
    """The RUN_FILES present in ``path`` (empty when it holds no run)."""
    return [name for name in RUN_FILES if os.path.exists(os.path.join(path, name))]


def check_fresh_folder(path, overwrite):
    """Refuse to start a new run in a folder that holds one, unless ``overwrite``."""
    found = runs_in(path) if os.path.isdir(path) else []
    if found and not overwrite:
        checkpoint = os.path.join(path, "checkpoint.npz")
        raise RunFolderError(f"{path} already holds a run ({', '.join(found)}); continue it with "
                             f"--resume {checkpoint}, or replace it with --overwrite")


def _same_folder(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def _lock(fd):
    """Take an exclusive lock on an open file without waiting; False if another process has it."""
    try:
        import fcntl
    except ImportError:                      # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read_holder(fd):
    """The process id the lock holder wrote into the lock file, as text."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode(errors="replace").strip() or "unknown"
    except OSError:                          # Windows keeps a locked byte from being read
        return "unknown"


@contextlib.contextmanager
def claim_run_folder(path, resume=None, overwrite=False):
    """Make, check and lock the run folder ``path`` for the duration of the ``with`` block.

    resume: the checkpoint a resumed run continues (its own folder may hold a run).
    overwrite: a fresh run may replace the run the folder holds (its RUN_FILES are removed).
    """
    make_folder(path)
    lock_path = os.path.join(path, LOCK_FILE)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as err:
        raise RunFolderError(f"cannot write into the run folder {path}: "
                             f"{err.strerror or err}") from None
    try:
        if not _lock(fd):
            holder = _read_holder(fd)
            raise RunFolderError(f"{path} is in use by another run (process {holder}); wait for "
                                 f"it to finish or choose another folder")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        continuing = resume is not None and _same_folder(os.path.dirname(resume) or ".", path)
        if not continuing:
            check_fresh_folder(path, overwrite)
            for name in runs_in(path):      # overwrite: the old run's results go first
                os.remove(os.path.join(path, name))
        yield path
    finally:
        os.close(fd)                        # releases the lock
