# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prove the event path of backup clients: upload as the client's user, at the top of its
directory and in a new sub-directory, and wait until the sealer has sealed both.

Used by the module worm.sftp.seal_probe at the end of provisioning. The probe files are
removed afterwards (root clears the flag first); when a probe is not sealed in time, the
kick files incron writes tell which part of the path did not work.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import os
import pwd
import select
import struct
import time

from ansible_collections.worm.sftp.plugins.module_utils import fsflags, treewalk

PROBE_PREFIX = '.worm-sftp-probe-'
PROBE_CONTENT = b'worm.sftp provisioning probe: removed once sealed\n'
IN_CREATE = 0x00000100
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
UNSEAL = fsflags.FlagSpec('-ia')


class ProbeError(Exception):
    pass


class KickLog:
    """Which clients incron kicked (wrote their kick file in the pending directory) during
    the probe."""

    def __init__(self, pending_dir):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if self.fd < 0:
            raise ProbeError('cannot start inotify: %s' % os.strerror(ctypes.get_errno()))
        mask = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO
        if self.libc.inotify_add_watch(self.fd, os.fsencode(pending_dir), mask) < 0:
            error = os.strerror(ctypes.get_errno())
            os.close(self.fd)
            raise ProbeError('cannot watch the kick directory %s: %s' % (pending_dir, error))
        self.kicked = set()

    def read(self, wait):
        """Note the events that arrived, waiting at most wait seconds for the first."""
        if not select.select([self.fd], [], [], wait)[0]:
            return
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        offset = 0
        while offset < len(data):
            _wd, mask, _cookie, length = struct.unpack_from('iIII', data, offset)
            name = os.fsdecode(data[offset + 16:offset + 16 + length].rstrip(b'\0'))
            offset += 16 + length
            if mask & (IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO):
                self.kicked.add(name)

    def close(self):
        os.close(self.fd)


class ClientProbe:
    """The probe files of one client: <dir>/<probe> and <dir>/<probe>/<probe>."""

    def __init__(self, name, directory, user, token):
        self.name = name
        self.directory = directory
        self.user = user
        self.probe = PROBE_PREFIX + token
        self.dir_fd = None
        self.sub_fd = None
        self.created_at = None
        self.sealed_after = {'top': None, 'sub_directory': None}

    def create(self):
        """Create both probe files as the client's user, in a child process that drops to its ids."""
        account = None
        try:
            account = pwd.getpwnam(self.user)
        except KeyError:
            pass
        if account is None:
            raise ProbeError('client %s: no user %s' % (self.name, self.user))
        self.dir_fd = os.open(self.directory, treewalk.DIR_FLAGS)
        self.created_at = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: the client's user, nothing else
            status = 1
            try:
                os.setgroups([])
                os.setgid(account.pw_gid)
                os.setuid(account.pw_uid)
                os.umask(0o027)
                write_file(self.dir_fd, self.probe)
                os.mkdir(self.probe + '.d', 0o750, dir_fd=self.dir_fd)
                sub_fd = os.open(self.probe + '.d', treewalk.DIR_FLAGS, dir_fd=self.dir_fd)
                write_file(sub_fd, self.probe)
                status = 0
            finally:
                os._exit(status)
        _pid, status = os.waitpid(pid, 0)
        if status != 0:
            raise ProbeError('client %s: user %s could not create a file and a sub-directory in %s'
                             % (self.name, self.user, self.directory))
        self.sub_fd = os.open(self.probe + '.d', treewalk.DIR_FLAGS, dir_fd=self.dir_fd)

    def check(self, flag_io, now):
        """Note which probe files are sealed now; True when both are."""
        for where, dir_fd in (('top', self.dir_fd), ('sub_directory', self.sub_fd)):
            if self.sealed_after[where] is None and is_sealed(flag_io, dir_fd, self.probe):
                self.sealed_after[where] = round(now - self.created_at, 3)
        return None not in self.sealed_after.values()

    def remove(self, flag_io):
        """Clear the flag on the probe files and remove them, through the open directories."""
        for dir_fd in (self.sub_fd, self.dir_fd):
            if dir_fd is not None:
                remove_file(flag_io, dir_fd, self.probe)
        if self.dir_fd is not None:
            try:
                os.rmdir(self.probe + '.d', dir_fd=self.dir_fd)
            except FileNotFoundError:
                pass
        for fd in (self.sub_fd, self.dir_fd):
            if fd is not None:
                os.close(fd)
        self.sub_fd = self.dir_fd = None

    def diagnosis(self, kicks):
        """Which part of the event path failed, in words an operator can act on."""
        if self.sealed_after['top'] is None:
            if self.name not in kicks.kicked:
                return ('incron did not report the upload: check that incron is running (systemctl status incron) '
                        'and that /etc/incron.d/worm-sftp-%s exists' % self.name)
            return ('incron reported the upload but the sealer did not seal it: check worm-sftp-sealer.service '
                    '(systemctl status worm-sftp-sealer) and journalctl -t worm-sftp-sealer (a missing capability '
                    'such as CAP_LINUX_IMMUTABLE, or a filesystem that refuses the flag)')
        return ('the file at the top was sealed but not the one in a new sub-directory: the sealer did not watch '
                'the new directory; see journalctl -t worm-sftp-sealer (fs.inotify.max_user_watches?)')

    def result(self):
        return dict(client=self.name, sealed_after=dict(self.sealed_after))


def write_file(dir_fd, name):
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640, dir_fd=dir_fd)
    try:
        os.write(fd, PROBE_CONTENT)
    finally:
        os.close(fd)


def open_probe(dir_fd, name):
    """An fd of a probe file (never through a link), or None when it is not there."""
    try:
        return os.open(name, treewalk.OPEN_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return None


def is_sealed(flag_io, dir_fd, name):
    fd = open_probe(dir_fd, name)
    if fd is None:
        return False
    try:
        return bool(flag_io.get(fd, None) & fsflags.IMMUTABLE)
    finally:
        os.close(fd)


# The sealer may be scanning the client at that moment (an upload kicked it) and seal the
# probe again between its unsealing and its removal: removal is tried this many times.
REMOVE_ATTEMPTS = 5


def remove_file(flag_io, dir_fd, name):
    """Unseal and remove a probe file; never follows a link, removes only the inode it unsealed."""
    fd = open_probe(dir_fd, name)
    if fd is None:
        return
    try:
        st = os.fstat(fd)
        for attempt in range(REMOVE_ATTEMPTS):
            try:
                fsflags.update(flag_io, fd, None, UNSEAL)
                if os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_ino != st.st_ino:
                    raise ProbeError('probe file %s was replaced while being removed' % name)
                os.unlink(name, dir_fd=dir_fd)
                return
            except (fsflags.FlagError, PermissionError):
                if attempt == REMOVE_ATTEMPTS - 1:
                    raise
                time.sleep(0.01)
    finally:
        os.close(fd)


def run_probes(clients, pending_dir, timeout, token=None):
    """Probe every client at once; returns (results, failures): failures maps client -> diagnosis.

    clients: dicts with name, dir, user. Nothing of the probes is left behind, whatever happens.
    """
    flag_io = fsflags.FlagIO()
    if not flag_io.uses_ioctl:
        raise ProbeError('the probe needs the flag ioctls, unknown on this architecture')
    token = token or os.urandom(6).hex()
    kicks = KickLog(pending_dir)
    probes = [ClientProbe(client['name'], client['dir'], client['user'], token) for client in clients]
    try:
        for probe in probes:
            probe.create()
        deadline = time.monotonic() + timeout
        waiting = list(probes)
        while waiting and time.monotonic() < deadline:
            kicks.read(0.01)
            now = time.monotonic()
            waiting = [probe for probe in waiting if not probe.check(flag_io, now)]
        kicks.read(0)
        failures = dict((probe.name, probe.diagnosis(kicks)) for probe in waiting)
        return [probe.result() for probe in probes], failures
    finally:
        kicks.close()
        errors = []
        for probe in probes:
            try:
                probe.remove(flag_io)
            except (OSError, ProbeError, fsflags.FlagError) as exc:
                errors.append('%s: %s' % (probe.name, exc))
        if errors:
            raise ProbeError('could not remove probe files: %s' % '; '.join(errors))
