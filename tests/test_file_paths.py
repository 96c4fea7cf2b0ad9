"""How a file connector's paths resolve under its base_path, and what is refused."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from integration_store.errors import ValidationError
from integration_store.live.file_paths import (
    BaseDirectory,
    contained_real_path,
    path_segments,
)


@pytest.mark.parametrize("path", ["/a/b.txt", "a/b.txt", "a//b.txt", "./a/./b.txt", "a/x/../b.txt"])
def test_spellings_of_one_path_resolve_alike(path: str) -> None:
    resolved = BaseDirectory("/srv/files").resolve(path)

    assert resolved.relative == "/a/b.txt"
    assert resolved.full == "/srv/files/a/b.txt"


@pytest.mark.parametrize("path", ["", "/", ".", "./", "a/..", "//"])
def test_empty_and_dot_paths_name_the_base(path: str) -> None:
    resolved = BaseDirectory("/srv/files").resolve(path)

    assert resolved.is_base
    assert resolved.relative == "/"
    assert resolved.full == "/srv/files"


@pytest.mark.parametrize(
    ("root", "full"),
    [("/", "/a/b"), ("/srv/", "/srv/a/b"), ("bucket/prefix", "bucket/prefix/a/b"), ("", "a/b")],
)
def test_the_root_is_joined_in_the_filesystems_own_form(root: str, full: str) -> None:
    assert BaseDirectory(root).resolve("a/b").full == full


@pytest.mark.parametrize("path", ["..", "/..", "../x", "a/../../x", "a/b/../../../x", "/../srv/x"])
def test_dot_dot_leaving_the_base_is_refused(path: str) -> None:
    with pytest.raises(ValidationError) as refused:
        BaseDirectory("/srv/files").resolve(path)

    assert refused.value.field == "path"
    assert "leaves base_path" in refused.value.message


def test_nul_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        BaseDirectory("/srv").resolve("a\x00b")

    assert refused.value.field == "path"


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        BaseDirectory("/srv").resolve("a\ud800")

    assert refused.value.field == "path"


@pytest.mark.parametrize("path", [None, b"a.txt", 3, Path("a.txt")])
def test_a_path_must_be_text(path: object) -> None:
    with pytest.raises(ValidationError) as refused:
        BaseDirectory("/srv").resolve(path)

    assert refused.value.field == "path"


@pytest.mark.parametrize("path", ["/", "", "a/", "a/.", "a/b/..", "."])
def test_a_file_path_must_not_name_a_directory(path: str) -> None:
    with pytest.raises(ValidationError) as refused:
        BaseDirectory("/srv").resolve_file(path)

    assert refused.value.field == "path"


def test_a_file_path_keeps_its_name() -> None:
    resolved = BaseDirectory("/srv").resolve_file("/a/b.txt")

    assert resolved.name == "b.txt"
    assert resolved.full == "/srv/a/b.txt"


def test_a_nul_in_the_base_is_refused_naming_base_path() -> None:
    with pytest.raises(ValidationError) as refused:
        BaseDirectory("/srv\x00")

    assert refused.value.field == "base_path"


@pytest.mark.parametrize(
    ("root", "full", "relative"),
    [
        ("/srv/files", "/srv/files/a/b.txt", "/a/b.txt"),
        ("/srv/files", "/srv/files/a/", "/a"),
        ("/srv/files", "/srv/files", "/"),
        ("/", "/a", "/a"),
        ("bucket/p", "bucket/p/x", "/x"),
        ("", "x/y", "/x/y"),
    ],
)
def test_relative_is_the_inverse_of_resolve(root: str, full: str, relative: str) -> None:
    base = BaseDirectory(root)

    assert base.relative(full) == relative
    assert base.resolve(relative).full == (full if full == "/" else full.rstrip("/"))


@pytest.mark.parametrize("full", ["/srv/filesX/a", "/srv", "/other/a"])
def test_relative_refuses_a_path_outside_the_base(full: str) -> None:
    with pytest.raises(ValueError, match="not under"):
        BaseDirectory("/srv/files").relative(full)


# ---- the property: nothing accepted ever leaves the base ---------------------------------

_SEGMENTS = st.sampled_from(["..", ".", "", "a", "b", "..a", "a..", "...", " ", "\\", "c:"])
_PATHS = st.one_of(
    st.lists(_SEGMENTS, max_size=8).map("/".join),
    st.lists(_SEGMENTS, max_size=8).map(lambda parts: "/" + "/".join(parts)),
    st.text(max_size=30),
)


@given(path=_PATHS, root=st.sampled_from(["/", "/srv/files", "bucket/prefix", ""]))
@example(path="a/../..", root="/srv/files")
@example(path="../srv/files", root="/srv/files")
def test_no_accepted_path_resolves_outside_the_base(path: str, root: str) -> None:
    base = BaseDirectory(root)
    try:
        resolved = base.resolve(path)
    except ValidationError as refused:
        assert refused.field == "path"
        return

    anchored_root = posixpath.join("/", root)
    anchored_full = posixpath.normpath(posixpath.join("/", resolved.full))
    assert anchored_full == posixpath.normpath(anchored_root) or anchored_full.startswith(
        anchored_root.rstrip("/") + "/"
    )
    assert ".." not in resolved.relative.split("/")
    assert "\x00" not in resolved.full
    assert base.relative(resolved.full) == resolved.relative


@given(path=_PATHS)
def test_dot_dot_is_refused_exactly_when_it_climbs_above_the_base(path: str) -> None:
    depth, climbs = 0, False
    for segment in path.split("/"):
        if segment == "..":
            climbs = climbs or depth == 0
            depth = max(depth - 1, 0)
        elif segment not in ("", "."):
            depth += 1
    try:
        path_segments(path)
    except ValidationError:
        refused = True
    else:
        refused = False

    assert refused == (climbs or "\x00" in path or _has_lone_surrogate(path))


def _has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


# ---- links on a local disk ---------------------------------------------------------------


def test_a_link_inside_the_base_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real")

    real = contained_real_path(str(tmp_path), str(tmp_path / "alias" / "x"), "/alias/x")

    assert real == str(tmp_path / "real" / "x")


def test_a_linked_directory_leading_out_is_refused(tmp_path: Path) -> None:
    base, outside = tmp_path / "base", tmp_path / "outside"
    base.mkdir()
    outside.mkdir()
    (base / "out").symlink_to(outside)

    with pytest.raises(ValidationError) as refused:
        contained_real_path(str(base), str(base / "out" / "new.txt"), "/out/new.txt")

    assert refused.value.field == "path"
    assert "/out/new.txt" in refused.value.message


def test_a_dangling_link_pointing_out_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "dangling").symlink_to(tmp_path / "not-yet")

    with pytest.raises(ValidationError):
        contained_real_path(str(base), str(base / "dangling"), "/dangling")


def test_a_sibling_sharing_the_bases_prefix_is_outside(tmp_path: Path) -> None:
    base, sibling = tmp_path / "base", tmp_path / "base-other"
    base.mkdir()
    sibling.mkdir()
    (base / "link").symlink_to(sibling)

    with pytest.raises(ValidationError):
        contained_real_path(str(base), str(base / "link"), "/link")


def test_the_real_root_itself_is_inside(tmp_path: Path) -> None:
    assert contained_real_path(str(tmp_path), str(tmp_path), "/") == os.path.realpath(tmp_path)
