"""What a file connector does on the machine's own disk beyond fsspec: writes that readers never
see half done, and listings that do not follow links out of the base.

fsspec's local filesystem writes in place (a reader may see a truncated file) and its ``find``
descends into linked directories, wherever they lead; these two functions do neither.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from typing import Final

TEMP_PREFIX: Final = ".integration-store-"
"""Name prefix of the temporary file a write fills before renaming it into place; listings
leave such files out."""

NEW_FILE_MODE: Final = 0o644
"""Mode of a file that did not exist before (a replaced file keeps its mode)."""

Entry = tuple[str, str, int]
"""A listing's entry: (real path, ``"file"`` or ``"directory"``, size in bytes)."""


def write_atomically(target: str, content: bytes) -> None:
    """Write ``content`` to ``target`` through a temporary file in the same directory renamed
    over it: a reader sees the old file or the new one, never a part. Parent directories are
    created. The data is flushed to disk before the rename, so a crash leaves one or the other.
    """
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def list_directory(real_root: str, directory: str, recursive: bool) -> list[Entry]:
    """The entries under ``directory`` (a real path under ``real_root``): its files and
    directories, or with ``recursive`` every file below it.

    A link is listed as what it leads to when that stays under ``real_root`` and left out when
    it leads out (or nowhere); a recursive listing does not descend into linked directories,
    whose files are listed where they really are. Temporary files of writes in progress are
    left out. ``FileNotFoundError`` / ``NotADirectoryError`` as ``os.scandir`` raises them."""
    entries: list[Entry] = []
    if not recursive:
        with os.scandir(directory) as listing:
            for item in listing:
                entry = _entry(real_root, item.path, item.name, item.is_symlink())
                if entry is not None:
                    entries.append(entry)
        return entries
    os.stat(directory)  # a missing directory raises here, as it does without ``recursive``
    for current, _directories, files in os.walk(directory, followlinks=False):
        for name in files:
            entry = _entry(real_root, os.path.join(current, name), name, is_link=None)
            if entry is not None and entry[1] == "file":
                entries.append(entry)
    return entries


def _entry(real_root: str, path: str, name: str, is_link: bool | None) -> Entry | None:
    if name.startswith(TEMP_PREFIX):
        return None
    if is_link is None:
        is_link = os.path.islink(path)
    if is_link and not _inside(real_root, os.path.realpath(path)):
        return None
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # a dangling link, or gone meanwhile
        return None
    if stat.S_ISDIR(status.st_mode):
        return (path, "directory", 0)
    if stat.S_ISREG(status.st_mode):
        return (path, "file", status.st_size)
    return None  # sockets, fifos, devices: not files a connector reads


def _inside(real_root: str, real: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


__all__ = ["NEW_FILE_MODE", "TEMP_PREFIX", "Entry", "list_directory", "write_atomically"]
