# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Walk a tree that an untrusted user can write, without ever following a link.

Every entry is reached relative to its already-open parent directory fd, and
every open uses O_NOFOLLOW, so swapping a directory for a symlink mid-walk
yields a skipped link, never the link's target. Memory is bounded by the depth
of the tree, not the number of entries (one scandir iterator per level).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fnmatch
import os
import stat
import time

from . import durations
from . import exemptions

FILE = 'file'
DIRECTORY = 'directory'
LINK = 'link'
OTHER = 'other'
MOUNT = 'mount'

# O_NONBLOCK: a FIFO swapped in for a file must not block the open.
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
DIR_FLAGS = OPEN_FLAGS | os.O_DIRECTORY


class WalkError(Exception):
    """The walk cannot start; the message says what to change."""


class Entry:
    """One entry of the tree. For directories, fd is open until the walk moves on;
    for files, open it with open_file() while the walk is still on it."""

    __slots__ = ('parent_fd', 'name', 'relpath', 'kind', 'fd', 'stat', 'inode')

    def __init__(self, parent_fd, name, relpath, kind, fd=None, st=None, inode=None):
        self.parent_fd = parent_fd
        self.name = name
        self.relpath = relpath
        self.kind = kind
        self.fd = fd
        self.stat = st
        # The directory entry's inode number (d_ino): known without a system call.
        self.inode = inode


def display(path):
    """A printable, JSON-safe form of a path that may hold bytes that are not UTF-8."""
    return path.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')


def open_root(path):
    """Open path itself without following a final symlink; (fd or None, kind, stat)."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise WalkError("path %s does not exist" % display(path))
        raise WalkError("cannot examine %s: %s" % (display(path), exc.strerror))
    if stat.S_ISLNK(st.st_mode):
        raise WalkError("path %s is a symbolic link; links are never followed, give the path it points to"
                        % display(path))
    if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
        return None, OTHER, st
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        raise WalkError("cannot open %s: %s" % (display(path), exc.strerror))
    st = os.fstat(fd)
    return fd, (DIRECTORY if stat.S_ISDIR(st.st_mode) else FILE), st


def open_file(entry):
    """Open a FILE entry relative to its parent; (fd, stat) of a regular file, or
    (None, kind) when it turned into something else (link, other) or vanished."""
    try:
        fd = os.open(entry.name, OPEN_FLAGS, dir_fd=entry.parent_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, LINK
        if exc.errno == errno.ENOENT:
            return None, None
        if exc.errno in (errno.ENXIO, errno.ENODEV):
            # A socket or device (bind-mounted over a file, or swapped in): never ours to change.
            return None, OTHER
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None, OTHER
    return fd, st


# Directories a walk keeps open at once, whatever the depth: the ancestors beyond these are
# closed and opened again, by name and without following links, when the walk climbs back,
# each checked to be the same directory (device and inode) it left.
MAX_OPEN_DIRS = 32


class _Level:
    """One directory of the walk's current path: its entries (read whole, so that no
    directory stream stays open; None until read), and its fd while open."""

    __slots__ = ('fd', 'entries', 'rel', 'name', 'ident')

    def __init__(self, fd, entries, rel, name, ident):
        self.fd, self.entries, self.rel, self.name, self.ident = fd, entries, rel, name, ident


def _read_entries(dir_fd):
    """(name, kind, inode) of every entry of an open directory; kinds from d_type (an lstat
    where the filesystem does not give it), links never followed."""
    found = []
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            if entry.is_symlink():
                kind = LINK
            elif entry.is_dir(follow_symlinks=False):
                kind = DIRECTORY
            elif entry.is_file(follow_symlinks=False):
                kind = FILE
            else:
                kind = OTHER
            found.append((entry.name, kind, entry.inode()))
    return iter(found)


def _reopen(stack, index):
    """Open stack[index] again from its nearest open ancestor, one name at a time with
    O_NOFOLLOW, checking that each directory is the one the walk entered."""
    start = index
    while stack[start].fd is None:
        start -= 1
    fd = stack[start].fd
    for level in stack[start + 1:index + 1]:
        try:
            child = os.open(level.name, DIR_FLAGS, dir_fd=fd)
        finally:
            if fd != stack[start].fd:
                os.close(fd)
        st = os.fstat(child)
        if (st.st_dev, st.st_ino) != level.ident:
            os.close(child)
            raise OSError(errno.ESTALE, 'moved or replaced while the walk was below it')
        fd = child
    stack[index].fd = fd


def walk(root_fd, root_stat, cross_filesystems=False, on_error=None):
    """Yield an Entry for every entry below the open directory root_fd, depth first, at any
    depth (at most MAX_OPEN_DIRS directories are open at once).

    Links and special files are yielded (so callers can count them) but never
    opened. Sub-directories on another filesystem are yielded as MOUNT and not
    entered unless cross_filesystems. Errors on single entries go to
    on_error(relpath, OSError) and the walk goes on.
    """
    stack = [_Level(root_fd, _read_entries(root_fd), '', None, (root_stat.st_dev, root_stat.st_ino))]
    try:
        while stack:
            level = stack[-1]
            if level.entries is None:
                # A sub-directory is listed only now, after it was yielded: whatever the caller
                # did with it then (the watching sealer puts it under watch) came before the
                # listing, so a file made in between is listed or makes an event, never neither.
                try:
                    level.entries = _read_entries(level.fd)
                except OSError as exc:
                    if on_error is not None:
                        on_error(level.rel, exc)
                    os.close(level.fd)
                    stack.pop()
                    continue
            item = next(level.entries, None)
            if item is None:
                if level.fd is not None and level.fd != root_fd:
                    os.close(level.fd)
                stack.pop()
                continue
            if level.fd is None:
                try:
                    _reopen(stack, len(stack) - 1)
                except OSError as exc:
                    if on_error is not None:
                        on_error(level.rel, exc)
                    stack.pop()  # its remaining entries cannot be reached safely
                    continue
            name, kind, inode = item
            relpath = name if not level.rel else level.rel + '/' + name
            try:
                if kind == DIRECTORY:
                    child = _open_dir(level.fd, name, relpath, root_stat, cross_filesystems)
                    if child.fd is not None:
                        # The newest level, kept open (the farthest from the root) until listed.
                        stack.append(_Level(child.fd, None, relpath, name, (child.stat.st_dev, child.stat.st_ino)))
                        _close_farthest(stack, root_fd)
                    yield child
                elif kind == FILE:
                    yield Entry(level.fd, name, relpath, FILE, inode=inode)
                else:
                    yield Entry(level.fd, name, relpath, kind)
            except OSError as exc:
                if exc.errno != errno.ENOENT and on_error is not None:
                    on_error(relpath, exc)
    finally:
        for level in stack:
            if level.fd is not None and level.fd != root_fd:
                os.close(level.fd)


def _close_farthest(stack, root_fd):
    """Keep at most MAX_OPEN_DIRS of the stack's directories open: close the ones nearest
    the root (the root's own fd belongs to the caller)."""
    open_levels = [level for level in stack if level.fd is not None and level.fd != root_fd]
    for level in open_levels[:max(0, len(open_levels) - MAX_OPEN_DIRS)]:
        os.close(level.fd)
        level.fd = None


def _open_dir(parent_fd, name, relpath, root_stat, cross_filesystems):
    try:
        fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            # Swapped for a link since it was listed: never follow it.
            return Entry(parent_fd, name, relpath, LINK)
        if exc.errno == errno.ENOTDIR:
            return Entry(parent_fd, name, relpath, FILE)
        raise
    st = os.fstat(fd)
    if st.st_dev != root_stat.st_dev and not cross_filesystems:
        os.close(fd)
        return Entry(parent_fd, name, relpath, MOUNT, st=st)
    return Entry(parent_fd, name, relpath, DIRECTORY, fd=fd, st=st)


class TreeVisit:
    """Visit a path and, when recursing, every entry below it: counts what it met,
    collects per-entry failures (capped), and calls visit() on each selected
    regular file or directory with an fd that is open while visit() runs.

    Subclasses implement visit(fd, relpath, kind, st); an exception other than
    OSError raised there stops the whole walk.
    """

    def __init__(self, entry_types, max_paths, exclude=(), older_than=None, newer_than=None, exempt=()):
        self.entry_types = entry_types
        self.max_paths = max_paths
        self.exclude = tuple(exclude)
        # Exempt regular files are opened (their size and age are part of the rule), never acted on.
        self.exemptions = exemptions.Exemptions(exemptions.parse_rules(exempt), time.time()) if exempt else None
        # Age bounds on the modification time (see in_age); durations as text.
        self.newest_allowed = durations.newest_allowed(older_than)
        self.oldest_allowed = durations.newest_allowed(newer_than)
        self.root_path = None
        self.root_result = None
        # The entry being visited (its parent_fd and name), for subclasses that move or remove it.
        self.entry = None
        self.counts = dict(examined=0, skipped_symlinks=0, skipped_other=0, skipped_mounts=0, excluded=0, exempt=0,
                           failed=0)
        self.failures = []

    def visit(self, fd, relpath, kind, st):
        raise NotImplementedError

    def in_age(self, st, first_seen=None):
        """Whether an entry is within the older_than / newer_than bounds of the walk. first_seen,
        when known, is when the entry was first seen in the state looked for: older_than then
        counts from the earlier of that and the modification time (which its writer can refresh)."""
        born = st.st_mtime if first_seen is None else min(st.st_mtime, first_seen)
        if self.newest_allowed is not None and born > self.newest_allowed:
            return False
        return self.oldest_allowed is None or st.st_mtime > self.oldest_allowed

    def entered(self, fd, relpath):
        """Called with each directory the walk opens ('.' is the root), while its fd is open."""

    def known(self, item):
        """Whether a file entry can be passed over without opening it; subclasses decide."""
        return False

    def path_of(self, relpath):
        """Absolute path of an entry; only for fallbacks that need a name, never for opening."""
        return self.root_path if relpath == '.' else os.path.join(self.root_path, relpath)

    def failure_message(self, what):
        """The task's message when entries failed, e.g. failure_message('failed')."""
        return '%d of %d entries below %s %s; see failures' % (
            self.counts['failed'], self.counts['examined'], display(self.root_path), what)

    def failed(self, relpath, exc):
        self.counts['failed'] += 1
        if len(self.failures) < self.max_paths:
            self.failures.append(dict(path=display(relpath), error=getattr(exc, 'strerror', None) or str(exc)))

    def run(self, root_path, recurse=False, cross_filesystems=False):
        """Walk root_path; returns what visit() returned for root_path itself (None if skipped)."""
        for _step in self.steps(root_path, recurse, cross_filesystems):
            pass
        return self.root_result

    def steps(self, root_path, recurse=False, cross_filesystems=False):
        """The walk of run(), one entry per step: a caller that interleaves several walks
        (the watching sealer, between clients) resumes it at will; root_result is set once
        the root was visited. Closing the generator closes every directory it holds open."""
        self.root_path = root_path
        self.root_result = None
        root_fd, root_kind, root_stat = open_root(root_path)
        self.counts['examined'] += 1
        if root_fd is None:
            self.counts['skipped_other'] += 1
            return
        try:
            self.root_result = self.visit(root_fd, '.', root_kind, root_stat)
            if recurse and root_kind == DIRECTORY:
                self.entered(root_fd, '.')
                for item in walk(root_fd, root_stat, cross_filesystems, on_error=self.failed):
                    self._item(item)
                    yield
        finally:
            os.close(root_fd)

    def _item(self, item):
        self.counts['examined'] += 1
        if item.kind == DIRECTORY and item.fd is not None:
            self.entered(item.fd, item.relpath)
        if item.kind in (LINK, MOUNT, OTHER):
            self._skipped(item.kind)
        elif item.kind not in self.entry_types:
            return
        elif self.exclude and is_excluded(item.relpath, self.exclude):
            # Excluded entries are not acted on; excluded directories are still walked.
            self.counts['excluded'] += 1
        elif item.kind == DIRECTORY:
            self._guarded(item.fd, item.relpath, DIRECTORY, item.stat)
        else:
            self._file(item)

    def _skipped(self, kind):
        self.counts[{LINK: 'skipped_symlinks', MOUNT: 'skipped_mounts', OTHER: 'skipped_other'}[kind]] += 1

    def _file(self, item):
        if self.known(item):
            return
        try:
            fd, found = open_file(item)
        except OSError as exc:
            self.failed(item.relpath, exc)
            return
        if fd is None:
            if found is not None:
                self._skipped(found)
            return
        self.entry = item
        try:
            if self.exemptions is not None and self.exemptions.rule_for(item.relpath, found) is not None:
                self.counts['exempt'] += 1
            else:
                self._guarded(fd, item.relpath, FILE, found)
        finally:
            self.entry = None
            os.close(fd)

    def _guarded(self, fd, relpath, kind, st):
        try:
            self.visit(fd, relpath, kind, st)
        except OSError as exc:
            self.failed(relpath, exc)


def is_excluded(relpath, patterns):
    """Whether a path relative to the walk's root matches a shell pattern ('*' also matches '/')."""
    return any(fnmatch.fnmatchcase(relpath, pattern) for pattern in patterns)


def tree_walk_argument_spec():
    """Argument spec of the walk options the modules share (documented in doc_fragments/tree_walk.py)."""
    return dict(
        recurse=dict(type='bool', default=False),
        entry_types=dict(type='list', elements='str', choices=[FILE, DIRECTORY], default=[FILE, DIRECTORY]),
        cross_filesystems=dict(type='bool', default=False),
        max_paths=dict(type='int', default=100),
        exclude=dict(type='list', elements='str', default=[]),
        exempt=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            path=dict(type='str', required=True),
            max_bytes=dict(type='int', required=True),
            max_age=dict(type='str', required=True),
            max_count=dict(type='int', required=True),
        )),
        older_than=dict(type='str'),
        newer_than=dict(type='str'),
    )
