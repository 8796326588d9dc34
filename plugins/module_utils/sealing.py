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
import json
import os
import pwd
import time

from . import clients
from . import exemptions
from . import lifecycle
from . import fsflags
from . import treewalk

SEAL = fsflags.FlagSpec('+i')
# Every directory of a client, once the sealer has seen it: root's, in the client's group,
# group-writable and sticky. No setgid: the client's entries get its primary group, which is
# this group, anyway, and an unprivileged chmod drops setgid on a group the caller is not in
# (the sealer would need CAP_FSETID as well; measured in the adversarial scenario). In a sticky directory an
# entry can be renamed or removed only by its owner, the directory's owner or with
# CAP_FOWNER (Linux may_delete): the client still creates files and sub-directories and
# renames or removes its own unsealed files (restic's temp files and locks), but can no
# longer rename, remove or chmod a directory it made.
DIRECTORY_MODE = 0o1770
# What SealRun remembers between runs, by inode (see SealRun.seen).
SEEN_CLOCKS = ('unsealed', 'exempt')
ACL_XATTRS = ('system.posix_acl_access', 'system.posix_acl_default')


def seen_from_json(seen):
    """{client: {clock: {inode: first seen}}} as the sweep keeps it (sealer.sweep.write_seen),
    with anything else in it left out (those files' clocks then start now)."""
    if not isinstance(seen, dict):
        return {}
    return dict((name, dict(
        (clock, dict((inode, float(when)) for inode, when in (clocks.get(clock) or {}).items()
                     if isinstance(when, (int, float))))
        for clock in SEEN_CLOCKS if isinstance(clocks.get(clock) or {}, dict)))
        for name, clocks in seen.items() if isinstance(clocks, dict))


class ClientPolicy:
    """One client as the role describes it in <config_dir>/<name>.json, with the lifecycle
    state the admin playbooks keep in <state_dir>/<name>.json (legal hold, release window)."""

    def __init__(self, name, root, exempt=(), state=None, user=None):
        if not clients.is_client_name(name):
            raise ValueError(clients.name_error(name))
        self.name = name
        self.root = root
        # The profile's exemptions (see exemptions.py). Settings written by an older role held
        # shell patterns instead: those exempt nothing, everything is sealed until the role
        # writes the settings again.
        self.exemptions = exemptions.parse_rules([rule for rule in exempt or () if isinstance(rule, dict)])
        self.user = user
        self.state = state or lifecycle.empty(name)
        self.state_error = None

    @classmethod
    def from_json(cls, text, state_text=None):
        data = json.loads(text)
        policy = cls(data['name'], data['root'], data.get('exempt', ()), user=data.get('user'))
        try:
            policy.state = lifecycle.parse(policy.name, state_text)
        except lifecycle.StateError as exc:
            # Fail safe: a state that cannot be read releases nothing (every file is sealed).
            policy.state_error = str(exc)
        return policy

    def user_uid(self):
        """The client account's uid, or None when there is none."""
        try:
            return pwd.getpwnam(self.user).pw_uid if self.user else None
        except KeyError:
            return None

    @property
    def legal_hold(self):
        return bool(self.state.get('legal_hold'))

    def released_up_to(self, now):
        """Files last modified at or before this time stay unsealed (see lifecycle.release_cutoff)."""
        return lifecycle.release_cutoff(self.state, now)


def load_client(config_dir, state_dir, name):
    """(policy, identity) of a client; identity changes whenever its settings or its
    lifecycle state change (inode, size and mtime of both files)."""
    if not clients.is_client_name(name):
        raise ValueError(clients.name_error(name))
    texts, identity = [], []
    for path in (clients.settings_file(config_dir, name), clients.state_file(state_dir, name)):
        try:
            with open(path) as handle:
                st = os.fstat(handle.fileno())
                texts.append(handle.read())
                identity.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            if not texts:  # the settings: without them there is no client
                raise
            texts.append(None)
            identity.append(None)
    return ClientPolicy.from_json(texts[0], texts[1]), tuple(identity)


class SealRun(treewalk.TreeVisit):
    """Seal one client's tree; log(message) receives one line per sealed file.

    sealed_inodes, when given, is a dict the run fills with the sealed files it met
    (inode number -> change time in ns, as seen once sealed) and uses to pass over them
    next time with one lstat instead of an open. An inode number alone is not an
    identity: once root unseals and deletes a file (a purge, a release window), the
    filesystem hands its number to the next upload. But nobody can change a sealed
    inode without clearing its flag, which sets its change time, and a new inode gets
    the time of its creation: an entry whose number and change time both match is the
    very file that was seen sealed, and any other is opened and checked.
    """

    def __init__(self, policy, log, max_paths=20, sealed_inodes=None, overdue_before=None, on_directory=None,
                 seen_before=None, seal=True):
        super(SealRun, self).__init__([treewalk.FILE], max_paths)
        # False: only count (the audit), changing nothing: a file the sealer would seal now
        # is left 'pending', and directories the client made are not taken over.
        self.seal = seal
        # Up to max_paths paths of the files counted as overdue and as sealed but empty.
        self.examples = {'overdue': [], 'sealed_empty': []}
        self.on_directory = on_directory
        self.policy = policy
        self.log = log
        self.flag_io = fsflags.FlagIO()
        self.sealed_inodes = sealed_inodes
        self.released_up_to = policy.released_up_to(time.time())
        # Looked up (in the user database) only when a file with several names is met.
        self._user_uid = None
        # Figures for the sweep's metrics (complete only without sealed_inodes).
        self.overdue_before = overdue_before
        # Two clocks the client cannot reset, from what earlier runs saw (seen_before) to what
        # this one saw (seen), by inode number (str): 'unsealed', when a file left unsealed
        # (busy, hard-linked) was first seen so (overdue is judged by it, not only by the
        # modification time, which a client refreshes by writing); 'exempt', when a file an
        # exemption covers was first seen closed (its age bound counts from then).
        self.seen_before = dict((clock, dict((seen_before or {}).get(clock) or {})) for clock in SEEN_CLOCKS)
        self.seen = dict((clock, {}) for clock in SEEN_CLOCKS)
        self.started = time.time()
        # Judged in visit, once the file is known to be closed (not by TreeVisit, before it).
        self.exempt_files = exemptions.Exemptions(policy.exemptions, self.started) if policy.exemptions else None
        self.bytes = 0
        # Time spent sealing files (each one an upload the client paid for): the watching
        # sealer paces a client by the rest of its scan only.
        self.sealing_seconds = 0.0
        self.newest_mtime = None
        self.counts.update(sealed=0, already_sealed=0, busy=0, released=0, overdue=0, hard_linked=0, pending=0,
                           sealed_empty=0, directories_taken_over=0)
        self.client_gid = None

    def entered(self, fd, relpath):
        if relpath == '.':
            # The role made the client directory root's, in the client's group: the group to give.
            self.client_gid = os.fstat(fd).st_gid
        elif self.seal:
            self.take_over(fd, relpath)
        if self.on_directory is not None:
            self.on_directory(fd, relpath)

    def take_over(self, fd, relpath):
        """Make a directory the client created root's (see DIRECTORY_MODE), through its open fd."""
        st = os.fstat(fd)
        if st.st_uid == 0 and st.st_gid == self.client_gid and st.st_mode & 0o7777 == DIRECTORY_MODE:
            return
        try:
            # Mode first: the client, still the owner, keeps writing through the group bits, which
            # it has before the directory becomes root's (the other order locks it out in between).
            # The owner may chmod again before the chown: once root's, the mode is set for good.
            os.fchmod(fd, DIRECTORY_MODE)
            os.fchown(fd, 0, self.client_gid)
            if os.fstat(fd).st_mode & 0o7777 != DIRECTORY_MODE:
                os.fchmod(fd, DIRECTORY_MODE)
            for name in ACL_XATTRS:  # an ACL the client set before would outlive the chmod
                try:
                    os.removexattr(fd, name)
                except OSError as exc:
                    if exc.errno not in (errno.ENODATA, errno.EOPNOTSUPP):
                        raise
        except OSError as exc:
            self.failed(relpath, exc)
            return
        self.counts['directories_taken_over'] += 1
        # One line per directory up to max_paths, then only the run's count: a client making
        # directories by the ten thousand must not flood the journal (whose rate limit would
        # then drop the lines of other clients' seals).
        if self.counts['directories_taken_over'] <= self.max_paths:
            self.log('took over directory client=%s path=%s from uid %d mode %04o' % (
                self.policy.name, json.dumps(treewalk.display(relpath)), st.st_uid, st.st_mode & 0o7777))

    def known(self, item):
        if self.sealed_inodes is None or item.inode not in self.sealed_inodes:
            return False
        try:
            st = os.stat(item.name, dir_fd=item.parent_fd, follow_symlinks=False)
        except OSError:
            return False  # gone or unreadable: the walk's own open reports it
        if st.st_ino != item.inode or st.st_ctime_ns != self.sealed_inodes[item.inode]:
            del self.sealed_inodes[item.inode]
            return False
        self.counts['already_sealed'] += 1
        return True

    def user_uid(self):
        if self._user_uid is None:
            self._user_uid = (self.policy.user_uid(),)
        return self._user_uid[0]

    def left_unsealed(self, reason, relpath, st):
        """Count a file this run leaves unsealed, and as overdue when it was last written, or
        first seen unsealed by a sweep, before the bound."""
        self.counts[reason] += 1
        first_seen = self.first_seen('unsealed', st)
        if self.overdue_before is not None and min(st.st_mtime, first_seen) < self.overdue_before:
            self.counts['overdue'] += 1
            self.example('overdue', relpath)

    def sealed_size(self, relpath, st):
        """Note a sealed file that is empty: an upload cut short by a full disk, which its client
        cannot retry until the admin quarantines it."""
        if st.st_size == 0:
            self.counts['sealed_empty'] += 1
            self.example('sealed_empty', relpath)

    def example(self, kind, relpath):
        if len(self.examples[kind]) < self.max_paths:
            self.examples[kind].append(treewalk.display(relpath))

    def first_seen(self, clock, st):
        """When a run first saw this file in the clock's state (now, if no earlier run did)."""
        first = min(self.seen_before[clock].get(str(st.st_ino), self.started), self.started)
        self.seen[clock][str(st.st_ino)] = first
        return first

    def remember(self, st):
        """Note a file seen sealed; st must be taken after the flag was set."""
        if self.sealed_inodes is not None:
            self.sealed_inodes[st.st_ino] = st.st_ctime_ns

    def visit(self, fd, relpath, kind, st):
        if kind != treewalk.FILE:
            return
        started = time.monotonic()
        self.bytes += st.st_size
        if self.newest_mtime is None or st.st_mtime > self.newest_mtime:
            self.newest_mtime = st.st_mtime
        path = None if self.flag_io.uses_ioctl else self.path_of(relpath)
        flags = self.flag_io.get(fd, path)
        if flags & fsflags.IMMUTABLE:
            self.counts['already_sealed'] += 1
            self.sealed_size(relpath, st)
            self.remember(st)
            return
        if self.released_up_to is not None and st.st_mtime <= self.released_up_to:
            self.counts['released'] += 1
            return
        # A second name of someone else's file (a hard link made where fs.protected_hardlinks
        # is off, or by root) would seal that file where it lives too: left for the admin.
        if st.st_nlink > 1 and st.st_uid != self.user_uid():
            self.left_unsealed('hard_linked', relpath, st)
            self.log('not sealed client=%s path=%s: hard link to a file of uid %d' % (
                self.policy.name, json.dumps(treewalk.display(relpath)), st.st_uid))
            return
        with fsflags.no_writers(fd) as finished:
            if not finished:
                self.left_unsealed('busy', relpath, st)
                return
            # Closed: an exemption may still leave it to the client, within its bounds.
            if self.exempt_files is not None and self.exempt_files.rule_for(
                    relpath, st, self.seen_before['exempt'].get(str(st.st_ino))) is not None:
                self.first_seen('exempt', st)
                self.counts['exempt'] += 1
                return
            if not self.seal:
                self.left_unsealed('pending', relpath, st)
                return
            fsflags.update(self.flag_io, fd, path, SEAL, before=flags)
        self.counts['sealed'] += 1
        self.sealed_size(relpath, st)
        self.remember(os.fstat(fd))  # setting the flag changed the change time
        self.log('sealed client=%s path=%s size=%d inode=%d' % (
            self.policy.name, json.dumps(treewalk.display(relpath)), st.st_size, st.st_ino))
        self.sealing_seconds += time.monotonic() - started


def seal_client(policy, log, sealed_inodes=None, overdue_before=None, on_directory=None, seen_before=None):
    """Seal what is new under policy.root; returns the run (counts, failures, bytes, newest_mtime,
    seen). on_directory(fd, relpath) is called with each directory walked, '.' being
    policy.root."""
    run = SealRun(policy, log, sealed_inodes=sealed_inodes, overdue_before=overdue_before,
                  on_directory=on_directory, seen_before=seen_before)
    run.run(policy.root, recurse=True)
    return run
