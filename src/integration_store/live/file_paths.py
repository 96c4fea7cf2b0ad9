"""Where a file connector's paths lead: every path a caller gives resolves under the
connector's ``base_path``, or is refused before anything is touched.

The rules are lexical (the same for every storage): ``/a/b.txt`` and ``a/b.txt`` both name
``<base>/a/b.txt``; empty and ``.`` segments are dropped; ``..`` steps back one segment and is
refused when it would step out of the base; NUL is refused. On a local disk a symbolic link can
still lead out, so ``contained_real_path`` resolves links and refuses a real path outside the
base's real path. Every refusal is a ``ValidationError`` naming ``path``.

Kept free of any filesystem library so that it can be tested exhaustively on its own.
"""

from __future__ import annotations

import os
import posixpath
from typing import Final

import attrs

from integration_store.errors import ValidationError

PATH_FIELD: Final = "path"
"""The field every refusal names: the ``path`` argument of the file client's operations."""


@attrs.frozen
class FilePath:
    """A caller's path resolved under a base.

    ``relative`` is what results show (``/`` for the base itself, else ``/a/b.txt``); ``full``
    is the path handed to the filesystem (the base's root joined with the segments)."""

    relative: str
    full: str

    @property
    def is_base(self) -> bool:
        """Whether the path names the base directory itself."""
        return self.relative == "/"

    @property
    def name(self) -> str:
        """The last segment (``""`` for the base)."""
        return posixpath.basename(self.relative)


def path_segments(path: object) -> tuple[str, ...]:
    """The segments a caller's path stands for, relative to the base: ``("a", "b.txt")`` for
    ``/a/b.txt``, ``a//./b.txt`` or ``a/x/../b.txt``; ``()`` for the base itself.

    ``ValidationError`` naming ``path`` for anything but ``str``, NUL, a lone surrogate, or a
    ``..`` that would leave the base."""
    if not isinstance(path, str):
        raise ValidationError(PATH_FIELD, f"must be str, not {type(path).__name__}")
    if "\x00" in path:
        raise ValidationError(PATH_FIELD, "must not contain NUL characters")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(PATH_FIELD, "must not contain lone surrogates") from None
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not segments:
                raise ValidationError(PATH_FIELD, f"{path!r} leaves base_path")
            segments.pop()
            continue
        segments.append(segment)
    return tuple(segments)


class BaseDirectory:
    """A connector's ``base_path`` as its filesystem spells it, resolving paths under it.

    ``root`` is the base in the filesystem's own form: ``/srv/files`` (local), ``/data``
    (memory), ``bucket/prefix`` (S3); ``""`` only for a store whose paths start at its
    top level."""

    def __init__(self, root: str) -> None:
        if "\x00" in root:
            raise ValidationError("base_path", "must not contain NUL characters")
        self.root = root if root == "/" else root.rstrip("/")

    def resolve(self, path: object) -> FilePath:
        """The caller's path under the base (see ``path_segments`` for what is refused)."""
        segments = path_segments(path)
        relative = "/" + "/".join(segments)
        return FilePath(relative=relative, full=self.join(segments))

    def resolve_file(self, path: object) -> FilePath:
        """Like ``resolve``, for a path that must name a file: the base itself and a path
        ending in ``/``, ``/.`` or ``/..`` name directories and are refused."""
        resolved = self.resolve(path)
        assert isinstance(path, str)  # resolve accepted it
        if resolved.is_base or path.rsplit("/", 1)[-1] in ("", ".", ".."):
            raise ValidationError(PATH_FIELD, f"{path!r} names a directory, not a file")
        return resolved

    def join(self, segments: tuple[str, ...]) -> str:
        """The filesystem path of segments under the base."""
        if not segments:
            return self.root
        tail = "/".join(segments)
        if self.root == "/":
            return "/" + tail
        return f"{self.root}/{tail}" if self.root else tail

    def relative(self, full: str) -> str:
        """The inverse of ``resolve`` for a path the filesystem gave back (a listing's entry):
        ``/a/b.txt``. ``ValueError`` for a path outside the base (which a listing of a path
        under the base never gives)."""
        full = full.rstrip("/") if full != "/" else full
        if full == self.root:
            return "/"
        prefix = "/" if self.root == "/" else (f"{self.root}/" if self.root else "")
        if not full.startswith(prefix):
            raise ValueError(f"{full!r} is not under {self.root!r}")
        return "/" + full[len(prefix) :]


def contained_real_path(real_root: str, full: str, relative: str) -> str:
    """``full`` with every symbolic link resolved, provided it stays under ``real_root`` (the
    base's own real path); ``ValidationError`` naming ``path`` when a link leads out.

    Links that do not exist yet resolve as far as they exist, so a write through a linked
    directory, or onto a dangling link pointing out, is refused too. The check and the use of
    the path are two steps: a link swapped in between by someone with write access to the base
    is not caught."""
    real = os.path.realpath(full)
    if real != real_root and not real.startswith(real_root.rstrip("/") + "/"):
        raise ValidationError(PATH_FIELD, f"{relative!r} leads out of base_path through a link")
    return real


__all__ = ["PATH_FIELD", "BaseDirectory", "FilePath", "contained_real_path", "path_segments"]
