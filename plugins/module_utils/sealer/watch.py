# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sealer service: wait for incron's kicks and seal the kicked clients, taking turns.

No client-controlled text ever reaches the sealer's arguments: incron only writes
<pending_dir>/<client>, and the sealer finds the new files itself. The kick directory is
root's: the sealer only watches it, so nobody but root can plant a link there for root's
incron to follow.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import ctypes
import errno
import json
import os
import select
import struct
import time

from .. import atomic, clients, watches
from . import journal
from .scan import Memory, Scan, all_clients

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_ISDIR = 0x40000000
SUBDIR_EVENTS = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE

# Fairness: the watching sealer walks one client for at most SLICE seconds, then reads the
# events that came meanwhile and gives the turn to the client furthest behind in walking time
# (fair queuing on a virtual clock, as a CPU scheduler does). A client keeps its walking time
# from scan to scan, but a scan that starts joins between the clock less HEAD_START and the
# clock itself: a small client's scan finishes ahead of a big tree's (a client that walked
# much earlier is not sent to the back), and no client gets more than HEAD_START ahead, so a
# long scan gets its turn however many short ones come.
# Pacing: a client is scanned again only after a pause of PACE_FACTOR times what its last scan
# spent on anything but sealing, so the kicks of that pause coalesce into one scan and a
# client that kicks without uploading keeps at most 1 / (1 + PACE_FACTOR) of a CPU busy, while
# sealing a burst (each file an upload the client paid for) is never held back. At most
# ACTIVE_SCANS scans are under way at once (each holds up to treewalk.MAX_OPEN_DIRS + 1
# descriptors); the other kicked clients wait their turn, longest-waiting first.
SLICE = 0.02
HEAD_START = 0.04
PACE_FACTOR = 3.0
ACTIVE_SCANS = 16
# Directory watches one client may hold, its top directory among them (fs.inotify.max_user_watches
# is one budget for all the clients: the sealer's user's, which the role sizes, module_utils/
# watches.py): beyond it the client's new directories are sealed by its next scan and by the
# sweep, and the other clients keep theirs (the role sets --max-watches).
MAX_WATCHES_PER_CLIENT = 10000
# The status file (watches.status) is rewritten when it changes, at most this often.
STATUS_EVERY = 1.0


class WatchError(Exception):
    """The sealer cannot watch what it must: it cannot run."""


class Watcher:
    """One inotify instance: the kick directory incron writes into; every sub-directory
    of every client, which incron does not watch (its recursion is unsafe: see DESIGN);
    and the clients' settings and lifecycle state, so that a client is scanned, and its
    directories put under watch, the moment it is provisioned or its settings change.
    Directories are watched through the fd the walk opened them with (/proc/self/fd/N),
    never by a path a client could redirect. Events only say which client to rescan; the
    sealer never acts on a name from an event."""

    def __init__(self, layout, max_watches=MAX_WATCHES_PER_CLIENT):
        self.layout = layout
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if self.fd < 0:
            raise WatchError('cannot start inotify: %s' % os.strerror(ctypes.get_errno()))
        # Each write of a kick file (incron's, or the window closer's) is one event: the file
        # is never removed, its name is the client.
        self.pending_wd = self.add(layout.pending_dir, IN_CLOSE_WRITE | IN_MOVED_TO)
        if self.pending_wd < 0:
            raise WatchError('cannot watch %s: %s' % (layout.pending_dir, os.strerror(ctypes.get_errno())))
        # Written by the role and the admin playbooks only (root-owned): a file name there
        # is <client>.json, and the client is checked against the client-name rule anyway.
        self.settings_wds = set()
        for directory in (layout.config_dir, layout.state_dir):
            wd = self.add(directory, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR)
            if wd < 0:
                raise WatchError('cannot watch %s: %s' % (directory, os.strerror(ctypes.get_errno())))
            self.settings_wds.add(wd)
        self.client_of = {}   # wd -> client name
        self.tops = set()     # wds of client directories: only new sub-directories matter there
        self.kicked = set()   # clients with events (kicks, sub-directories, settings) not yet scanned
        self.watches = collections.Counter()  # client -> directory watches it holds
        self.max_watches = max_watches
        self.capped = set()   # clients at their cap, told so (again once they drop below it)
        self.full_warned = False
        # Directories left without a watch, per client: in the scan under way, and in its last
        # complete scan (what the status reports, so it clears once a rescan finds room).
        self.scan_unwatched = {}  # client -> Counter(over_cap=, limit_reached=)
        self.unwatched = {}
        self.status_due = 0.0  # monotonic time of the next status write; None: nothing new
        self.status_failed = False

    def add(self, path, mask):
        return self.libc.inotify_add_watch(self.fd, os.fsencode(path), mask)

    def directory_watcher(self, name):
        """The on_directory callback of a scan of client name: called before the walk lists
        the directory (treewalk.walk), so a file made there is either listed or reported."""
        seen = self.scan_unwatched[name] = collections.Counter()

        def watch_directory(fd, relpath):
            top = relpath == '.'
            if not top:
                seen['directories'] += 1
            if not top and self.watches[name] >= self.max_watches:
                # Its directories that have a watch keep it (same mask); the others get none.
                if name not in self.capped:
                    self.capped.add(name)
                    journal.log('client=%s has more than %d directories: the others are sealed by its next scan '
                                'and by the sweep' % (name, self.max_watches), journal.WARNING)
                return
            # In a client directory incron reports the files; the sealer needs its new sub-directories.
            wd = self.add('/proc/self/fd/%d' % fd, (IN_CREATE | IN_MOVED_TO if top else SUBDIR_EVENTS) | IN_ONLYDIR)
            if wd < 0:
                seen['limit_reached' if ctypes.get_errno() == errno.ENOSPC else 'failed'] += 1
                if not self.full_warned:
                    self.full_warned = True
                    journal.log('cannot watch more directories (%s): raise fs.inotify.max_user_watches; '
                                'the sweep still seals what is missed' % os.strerror(ctypes.get_errno()),
                                journal.WARNING)
                return
            if wd not in self.client_of:
                self.watches[name] += 1
                self.changed()
            self.client_of[wd] = name
            if top:
                self.tops.add(wd)
            else:
                self.tops.discard(wd)
        return watch_directory

    def scanned(self, name):
        """A scan of client name ended: the sub-directories it met that hold no watch (at the
        cap, a directory is not even tried, whether it has one or not: counted from the
        client's watches) are now the client's figure, those the kernel refused apart."""
        if name not in self.scan_unwatched:
            return  # its watches were recounted (an overflow) mid-scan: the last figure stands
        seen = self.scan_unwatched.pop(name)
        unwatched = max(0, seen['directories'] - max(0, self.watches[name] - 1))
        limit_reached = min(seen['limit_reached'], unwatched)
        failed = min(seen['failed'], unwatched - limit_reached)
        counts = collections.Counter(over_cap=unwatched - limit_reached - failed, limit_reached=limit_reached,
                                     failed=failed)
        if counts != self.unwatched.get(name, collections.Counter()):
            self.unwatched[name] = counts
            self.changed()

    def changed(self):
        if self.status_due is None:
            self.status_due = time.monotonic() + STATUS_EVERY

    def status(self, now=None):
        """What the status file holds (watches.status)."""
        try:
            limit = watches.kernel_limit(watches.WATCHES)
        except (OSError, ValueError):
            limit = None
        return watches.status(sum(self.watches.values()), limit,
                              dict((reason, dict((name, counts[reason]) for name, counts in self.unwatched.items()))
                                   for reason in watches.REASONS),
                              self.max_watches, now)

    def report(self, force=False):
        """Rewrite the status file when something changed and STATUS_EVERY has passed (or
        force); how long until the next write is due (None: none is)."""
        if self.status_due is None:
            return None
        wait = self.status_due - time.monotonic()
        if wait > 0 and not force:
            return wait
        self.status_due = None
        try:
            atomic.replace_file(self.layout.watch_status_file, json.dumps(self.status()) + '\n', 0o644)
        except OSError as exc:
            # Said once until a write succeeds again, not on every change.
            if not self.status_failed:
                journal.log('cannot write the watch status to %s: %s' % (self.layout.watch_status_file, exc),
                            journal.ERROR)
            self.status_failed = True
        else:
            self.status_failed = False
        return None

    def read(self, timeout):
        """Note the clients of every event that arrives within timeout seconds (None: wait
        as long as it takes; 0: only what is there)."""
        if select.select([self.fd], [], [], timeout)[0]:
            while self.wait():
                pass

    def wait(self):
        """Read the events that are there (blocking until some are, after select); note the
        clients they concern. False when there were none."""
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return False
        offset = 0
        while offset < len(data):
            wd, mask, _cookie, length = struct.unpack_from('iIII', data, offset)
            name = data[offset + 16:offset + 16 + length].rstrip(b'\0')
            offset += 16 + length
            if mask & IN_Q_OVERFLOW:
                self.overflowed()
            elif wd == self.pending_wd:
                client = os.fsdecode(name)
                if clients.is_client_name(client):
                    self.kicked.add(client)
            elif wd in self.settings_wds:
                client = settings_client(name)
                if client:
                    self.kicked.add(client)
            elif mask & IN_IGNORED:
                client = self.client_of.pop(wd, None)
                if client is not None:
                    self.watches[client] -= 1
                    self.capped.discard(client)
                    self.changed()
                self.tops.discard(wd)
            elif wd in self.client_of and (wd not in self.tops or mask & IN_ISDIR):
                self.kicked.add(self.client_of[wd])
        return True

    def overflowed(self):
        """Events were lost, the IN_IGNORED of removed directories among them: count the
        watches afresh from the scans of every client (a live watch is found again)."""
        self.client_of.clear()
        self.tops.clear()
        self.watches.clear()
        self.capped.clear()
        # A scan under way counted directories against watches that are gone now.
        self.scan_unwatched.clear()
        self.changed()
        self.kicked.update(all_clients(self.layout))


def settings_client(file_name):
    """The client whose settings or state file is file_name (bytes), or None for any
    other file (the temporary files of an atomic write, for example)."""
    return clients.name_of_settings_file(os.fsdecode(file_name))


class Scheduler:
    """Which client the watching sealer walks next: kicked clients whose pause is over start
    a scan; scans take turns a slice at a time, furthest behind first (see SLICE, HEAD_START,
    PACE_FACTOR and ACTIVE_SCANS)."""

    def __init__(self, watcher, memory=None):
        self.watcher = watcher
        self.memory = memory if memory is not None else Memory()
        self.active = {}  # client -> Scan
        self.joined = {}  # client -> its walking time when its current scan started
        self.walked = {}  # client -> its walking time after its last scan
        self.clock = 0.0  # the walking time of the client last given a turn, never going back
        self.next_scan = {}  # client -> monotonic time before which it is not scanned again

    def timeout(self, status_wait=None):
        """How long the loop may wait for events: not at all while a scan has work, until the
        first paused client may start or the status is due (status_wait), or for ever."""
        if self.active:
            return 0
        waits = [max(0.0, self.next_scan.get(name, 0) - time.monotonic()) for name in self.watcher.kicked]
        if status_wait is not None:
            waits.append(status_wait)
        return min(waits) if waits else None

    def virtual(self, name):
        return self.joined[name] + self.active[name].busy

    def start_ready(self):
        now = time.monotonic()
        waiting = sorted((self.next_scan.get(name, 0), name) for name in self.watcher.kicked
                         if name not in self.active)
        for ready_at, name in waiting:
            if ready_at > now or len(self.active) >= ACTIVE_SCANS:
                break
            # A kick during a client's scan waits for its end: the scan may have passed the change.
            self.watcher.kicked.discard(name)
            self.active[name] = Scan(self.watcher.layout, name, self.memory, remember=True,
                                     on_directory=self.watcher.directory_watcher(name))
            self.joined[name] = min(self.clock, max(self.walked.get(name, self.clock), self.clock - HEAD_START))

    def run_slice(self):
        """Give the scan furthest behind one slice of walking."""
        self.start_ready()
        if not self.active:
            return
        name = min(self.active, key=lambda client: (self.virtual(client), self.joined[client], client))
        scan = self.active[name]
        done = scan.advance(time.monotonic() + SLICE)
        walked = self.virtual(name)
        if done:
            self.watcher.scanned(name)
            self.walked[name] = walked
            del self.active[name]
            del self.joined[name]
            self.next_scan[name] = time.monotonic() + PACE_FACTOR * scan.paced()
        # The clock follows the client furthest behind, the one just walked included.
        self.clock = max(self.clock, min([walked] + [self.virtual(client) for client in self.active]))

    def drain(self):
        """Scan until every kicked client has been scanned (the loop of watch, without waiting
        for new events)."""
        while self.watcher.kicked or self.active:
            self.watcher.read(self.timeout())
            self.run_slice()


def watch(layout, max_watches):
    """The service's loop, for ever; WatchError when it cannot watch what it must."""
    watcher = Watcher(layout, max_watches)
    scheduler = Scheduler(watcher)
    journal.log("watching %s and the clients' sub-directories" % layout.pending_dir)
    # A first scan of every client puts its sub-directories under watch.
    watcher.kicked.update(all_clients(layout))
    watcher.report(force=True)
    while True:
        watcher.read(scheduler.timeout(watcher.report()))
        scheduler.run_slice()
