"""One run per results folder at a time: the folder's lock file.

A run (and every command that writes into a results folder) holds
``.simsales.lock`` in the folder while it works: a small JSON file with the
process id, host name and start time of its holder. It is created
atomically, so of two runs started together exactly one gets it; the other
is refused with :class:`FolderBusy` (the command line: exit 2) naming the
holder. The lock is removed when its holder finishes, however it finishes
(an exception, Ctrl-C); a lock left by a process that no longer exists on
this host (killed, or the machine restarted), or one that cannot be read,
is stale and taken over, with a note (a :class:`FolderNote` warning).

A process may take the lock of a folder it already holds (the command line
holds it around :func:`simsales.run`, which takes it too): it is released
when the outermost holder lets go.

This module imports only the standard library (the command line imports it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["LOCK", "FolderBusy", "FolderNote", "folder_lock", "in_use", "lock_holder"]

#: The lock file of a results folder.
LOCK = ".simsales.lock"

#: Folders this process holds, by resolved path, with how many times taken.
_HELD: dict[Path, int] = {}


class FolderBusy(ValueError):
    """Another live process holds the lock of a results folder."""


class FolderNote(UserWarning):
    """Something done to a results folder that its user should know of: a stale lock
    taken over, files in ``parts/`` left alone. The command line prints it as a note."""


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: cannot tell, assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, but belongs to someone else
        return True
    except OSError:
        return False
    return True


def _read(path: Path) -> dict[str, Any] | None:
    """Contents of the lock file ``path``: ``{}`` if it cannot be read, None if absent."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def lock_holder(directory: str | Path) -> dict[str, Any] | None:
    """The lock's contents (``pid``, ``host``, ``started``), ``{}`` if it exists but
    cannot be read, or None if the folder has no lock."""
    return _read(Path(directory) / LOCK)


def _describe(holder: dict[str, Any]) -> str:
    return (
        f"process {holder.get('pid')} on {holder.get('host')!s}, started {holder.get('started')!s}"
    )


def _stale(holder: dict[str, Any]) -> str | None:
    """Why a lock is stale, or None if its holder may still be running."""
    pid, host = holder.get("pid"), holder.get("host")
    if not isinstance(pid, int) or not isinstance(host, str):
        return "it cannot be read"
    if host != socket.gethostname():
        return None  # cannot tell from here: another machine's run may be alive
    if not _alive(pid):
        return f"its {_describe(holder)} has ended"
    return None


def _busy(directory: Path, holder: dict[str, Any]) -> str:
    path = directory / LOCK
    return (
        f"{str(directory)!r} is in use by another simsales run ({_describe(holder)}): one "
        "run per results folder at a time. Wait for it to finish, or give another --out; "
        f"if that process is gone, remove {str(path)!r}"
    )


def in_use(directory: str | Path) -> str | None:
    """Why ``directory`` is in use by another live process (a message naming it), or
    None if no other process holds its lock (a stale lock does not count)."""
    d = Path(directory)
    holder = lock_holder(d)
    if holder is None:
        return None
    if holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname():
        return None
    if _stale(holder) is not None:
        return None
    return _busy(d, holder)


def _create(path: Path, text: str) -> bool:
    """Create ``path`` holding ``text`` if it does not exist; False if it does.

    The contents are written to a private file first and linked into place,
    so a reader never sees a lock without its holder. Where hard links are not
    available, the file is created with ``O_CREAT | O_EXCL`` and then written.
    """
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # no hard links here
    finally:
        tmp.unlink(missing_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return True


def _take_over(path: Path, holder: dict[str, Any]) -> bool:
    """Remove the stale lock ``holder`` read from ``path``; False if another process
    replaced it by its own meanwhile (which is then put back)."""
    aside = path.with_name(f"{path.name}.{os.getpid()}.stale")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return True  # someone else removed it
    try:
        now = _read(aside)
        if now and now != holder:  # a live run took it in between: give it back
            _create(path, aside.read_text(encoding="utf-8"))
            return False
        return True
    finally:
        aside.unlink(missing_ok=True)


def _acquire(directory: Path) -> None:
    path = directory / LOCK
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    text = json.dumps(me) + "\n"
    for _ in range(5):
        if _create(path, text):
            return
        holder = _read(path)
        if holder is None:
            continue  # released meanwhile: try again
        why = _stale(holder)
        if why is None:
            raise FolderBusy(_busy(directory, holder))
        if _take_over(path, holder):
            warnings.warn(
                f"{str(path)!r} was left by a run that did not finish ({why}); taken over",
                FolderNote,
                stacklevel=5,
            )
    raise FolderBusy(f"{str(directory)!r}: could not take its lock {str(path)!r}; try again")


def _release(directory: Path) -> None:
    path = directory / LOCK
    holder = _read(path)
    if holder is not None and holder.get("pid") == os.getpid():
        path.unlink(missing_ok=True)


@contextmanager
def folder_lock(directory: str | Path) -> Iterator[Path]:
    """Hold the lock of the results folder ``directory`` (created if needed).

    Parameters
    ----------
    directory : path
        The results folder.

    Yields
    ------
    Path
        The folder.

    Raises
    ------
    FolderBusy
        If a live process (on this host, or any process on another host)
        holds the lock.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    key = d.resolve()
    if _HELD.get(key):
        _HELD[key] += 1
    else:
        _acquire(d)
        _HELD[key] = 1
    try:
        yield d
    finally:
        _HELD[key] -= 1
        if not _HELD[key]:
            del _HELD[key]
            _release(d)
