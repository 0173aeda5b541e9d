"""The folder a run writes into: checked, claimed and locked before any work starts.

    with claim_run_folder("runs/masnn", resume=None, overwrite=False):
        ...                                  # write checkpoint.npz and metrics.json

- The folder must be one that can be made and written: not a file, not under a file, not
  read-only. This is checked before the data set is generated or a model is built.
- A fresh run refuses a folder that already holds a run (its checkpoint.npz or metrics.json)
  and names the two ways on: ``--resume`` to continue it, ``--overwrite`` to replace it.
  A resume may write into a folder that holds no run, or into the folder whose own
  checkpoint.npz it continues; resuming another run's checkpoint copied into a folder that
  holds a run is refused (``--out`` elsewhere, or ``--overwrite``).
- ``--overwrite`` replaces nothing at first: the old run's files stay until the new run saves
  its first checkpoint over them (train.py), so a run stopped in its first epoch loses nothing.
- A run folder made for a run that is then refused (or fails before it writes anything) is
  removed again: a refused command leaves no folder behind.
- The lock file is opened without following links and must be a regular file of the folder
  (not a link, not a hard link to another file): a planted link cannot make a run write
  outside its folder. The other files a run writes are written atomically (tinysnn.atomic),
  which replaces a link by the new file instead of writing through it.
- While a run writes, it holds an advisory lock on ``.tinysnn-lock`` in the folder. A second
  run into the same folder stops at once with a message instead of racing the first. The
  operating system releases the lock when the process ends, however it ends (even SIGKILL), so
  a crash never leaves a stale lock; the empty lock file stays.
"""

import contextlib
import errno
import os
import stat

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


def check_resume_target(path, resume, overwrite):
    """Resuming ``resume`` into the folder ``path``: allowed when the folder holds no run or
    ``resume`` is the folder's own checkpoint.npz (or with ``overwrite``); else RunFolderError."""
    own = os.path.join(path, "checkpoint.npz")
    found = runs_in(path) if os.path.isdir(path) else []
    if not found or overwrite or os.path.realpath(resume) == os.path.realpath(own):
        return
    raise RunFolderError(f"{path} holds a run of its own ({', '.join(found)}); resuming "
                         f"{resume} there would replace it: write the continued run into "
                         f"another folder with --out, or replace the folder's run with "
                         f"--overwrite")


def _made_folders(path):
    """The folders that make_folder(path) will create, outermost first."""
    made, current = [], os.path.abspath(path)
    while not os.path.exists(current):
        made.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return made[::-1]


def _open_lock(path):
    """A file descriptor on the folder's lock file, opened without following a link; a
    RunFolderError when it is a link, not a regular file, or a hard link to another file."""
    lock_path = os.path.join(path, LOCK_FILE)
    refusal = (f"{lock_path} is not a plain lock file of the folder (a link, or not a regular "
               f"file): a run does not write through it; remove it and run again")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0), 0o666)
    except OSError as err:
        if err.errno == errno.ELOOP or os.path.islink(lock_path):
            raise RunFolderError(refusal) from None
        raise RunFolderError(f"cannot write into the run folder {path}: "
                             f"{err.strerror or err}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or os.path.islink(lock_path):
        os.close(fd)
        raise RunFolderError(refusal)
    return fd


def _remove_if_unused(folders, lock_path):
    """Remove the lock file and the folders a refused run made (innermost first), if nothing
    else is in them."""
    with contextlib.suppress(OSError):
        os.remove(lock_path)
    for folder in reversed(folders):
        try:
            os.rmdir(folder)                 # only an empty folder goes
        except OSError:
            return


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

    resume: the checkpoint a resumed run continues (check_resume_target).
    overwrite: a fresh run may replace the run the folder holds; its files are left in place
    for the run to replace when it saves its first checkpoint.
    A folder this call made is removed again when the block fails before writing anything.
    """
    made = _made_folders(path)
    make_folder(path)
    lock_path = os.path.join(path, LOCK_FILE)
    fd = _open_lock(path)
    locked = False
    try:
        if not _lock(fd):
            holder = _read_holder(fd)
            raise RunFolderError(f"{path} is in use by another run (process {holder}); wait for "
                                 f"it to finish or choose another folder")
        locked = True
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        if resume is not None:
            check_resume_target(path, resume, overwrite)
        else:
            check_fresh_folder(path, overwrite)
        yield path
    except BaseException:
        if locked and made and runs_in(path) == []:
            _remove_if_unused(made, lock_path)
        raise
    finally:
        os.close(fd)                        # releases the lock
