# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the sealer does to one client directory: find every regular file that is not
sealed yet and no longer open for writing, and make it immutable.

The role installs this file, fsflags.py and treewalk.py on the host as a package for
the sealer program; relative imports keep them one implementation in both places.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import json
import re

from . import fsflags
from . import treewalk

CLIENT_NAME_RE = re.compile(r'^[a-z][a-z0-9-]{0,24}$')
SEAL = fsflags.FlagSpec('+i')
# fcntl lease types (fcntl.h); Python exposes F_SETLEASE but not these.
F_RDLCK = 0
F_UNLCK = 2


class ClientPolicy:
    """One client as the role describes it in /etc/worm-sftp/clients/<name>.json."""

    def __init__(self, name, root, exempt=()):
        if not CLIENT_NAME_RE.match(name or ''):
            raise ValueError('client name %r is not valid' % (name,))
        self.name = name
        self.root = root
        self.exempt = tuple(exempt)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(data['name'], data['root'], data.get('exempt', ()))


class SealRun(treewalk.TreeVisit):
    """Seal one client's tree; log(message) receives one line per sealed file.

    sealed_inodes, when given, is a set the run fills with the inode numbers of the
    sealed files it met and uses to pass over them without opening them next time.
    That is safe because nobody can unlink, rename or hard-link an immutable file, so
    a directory entry that named a sealed inode still does; whoever unseals files (a
    release window) must start with a fresh set.
    """

    def __init__(self, policy, log, max_paths=20, sealed_inodes=None):
        super(SealRun, self).__init__([treewalk.FILE], max_paths, policy.exempt)
        self.policy = policy
        self.log = log
        self.flag_io = fsflags.FlagIO()
        self.sealed_inodes = sealed_inodes
        self.counts.update(sealed=0, already_sealed=0, busy=0)

    def known(self, item):
        if self.sealed_inodes is not None and item.inode in self.sealed_inodes:
            self.counts['already_sealed'] += 1
            return True
        return False

    def remember(self, st):
        if self.sealed_inodes is not None:
            self.sealed_inodes.add(st.st_ino)

    def visit(self, fd, relpath, kind, st):
        if kind != treewalk.FILE:
            return
        path = None if self.flag_io.uses_ioctl else self.path_of(relpath)
        flags = self.flag_io.get(fd, path)
        if flags & fsflags.IMMUTABLE:
            self.counts['already_sealed'] += 1
            self.remember(st)
            return
        # A read lease is granted only while no process has the file open for writing:
        # the kernel's own answer to "is the upload finished?", held while the flag is set.
        try:
            fcntl.fcntl(fd, fcntl.F_SETLEASE, F_RDLCK)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EBUSY):
                self.counts['busy'] += 1
                return
            raise
        try:
            fsflags.update(self.flag_io, fd, path, SEAL, before=flags)
        finally:
            fcntl.fcntl(fd, fcntl.F_SETLEASE, F_UNLCK)
        self.counts['sealed'] += 1
        self.remember(st)
        self.log('sealed client=%s path=%s size=%d inode=%d' % (
            self.policy.name, json.dumps(treewalk.display(relpath)), st.st_size, st.st_ino))


def seal_client(policy, log, sealed_inodes=None):
    """Seal what is new under policy.root; returns the run (counts, failures)."""
    run = SealRun(policy, log, sealed_inodes=sealed_inodes)
    run.run(policy.root, recurse=True)
    return run
