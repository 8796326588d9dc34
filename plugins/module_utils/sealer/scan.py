# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sealing one client: a scan (sealing.SealRun over the client's tree) that the sweep walks to
the end at once and the watching sealer a slice at a time, and what the process remembers of
each client from scan to scan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from .. import clients, sealing
from . import journal

# What can end a client's scan early: logged, and the other clients are sealed all the same.
SCAN_ERRORS = (OSError, ValueError, sealing.treewalk.WalkError, sealing.fsflags.FlagError)

# The watching sealer remembers the files it has seen sealed (inode and change time, see
# sealing.SealRun), per client, so a burst into a big directory does not re-open every sealed
# file on every kick. The memory is dropped whenever the client's settings or lifecycle state
# change, and when it grows past this many files.
SEALED_INODES_MAX = 1000000


class Memory:
    """What one sealer process remembers of its clients between scans."""

    def __init__(self, seen=None):
        self.sealed_inodes = {}  # client -> (settings identity, {inode: change time})
        # client -> what its runs saw of unsealed and exempt files (sealing.SealRun.seen)
        self.seen = dict(seen or {})

    def sealed(self, name, config_identity):
        """The memory of sealed files to reuse for this client, or a fresh one."""
        known = self.sealed_inodes.get(name)
        if known is None or known[0] != config_identity or len(known[1]) > SEALED_INODES_MAX:
            known = self.sealed_inodes[name] = (config_identity, {})
        return known[1]


def log_line(message):
    journal.log(message)


class Scan:
    """One scan of one client, walked to the end at once (the sweep) or a slice at a time
    (the watching sealer, which takes turns between clients). remember: keep the files seen
    sealed in memory for the next scan."""

    def __init__(self, layout, name, memory, remember=False, overdue_before=None, on_directory=None):
        self.name = name
        self.memory = memory
        self.policy = self.run = self.steps = None
        self.busy = 0.0  # seconds spent walking, over all slices
        try:
            self.policy, identity = sealing.load_client(layout.config_dir, layout.state_dir, name)
            if self.policy.state_error:
                journal.log('client=%s %s; sealing every file' % (name, self.policy.state_error), journal.ERROR)
            self.run = sealing.SealRun(self.policy, log_line,
                                       sealed_inodes=memory.sealed(name, identity) if remember else None,
                                       overdue_before=overdue_before, on_directory=on_directory,
                                       seen_before=memory.seen.get(name))
            self.steps = self.run.steps(self.policy.root, recurse=True)
        except SCAN_ERRORS as exc:
            self.failed(exc)

    def advance(self, until=None):
        """Walk on until the monotonic time until (to the end when None); True once done."""
        if self.steps is None:
            return True
        started = time.monotonic()
        try:
            for _step in self.steps:
                if until is not None and time.monotonic() >= until:
                    return False
        except SCAN_ERRORS as exc:
            self.failed(exc)
            return True
        finally:
            self.busy += time.monotonic() - started
        self.finished()
        return True

    def paced(self):
        """What of this scan's time counts for its pause: all but the sealing."""
        return max(0.0, self.busy - (self.run.sealing_seconds if self.run is not None else 0.0))

    def failed(self, exc):
        journal.log('client=%s cannot be sealed: %s' % (self.name, exc), journal.ERROR)
        self.run = self.steps = None

    def finished(self):
        run = self.run
        self.memory.seen[self.name] = run.seen
        for failure in run.failures:
            journal.log('client=%s failed path=%s: %s' % (self.name, failure['path'], failure['error']),
                        journal.ERROR)
        if any(run.counts[key] for key in ('sealed', 'busy', 'failed', 'directories_taken_over')):
            journal.log('client=%s %s' % (self.name, ' '.join('%s=%d' % item for item in sorted(run.counts.items()))))


def seal(layout, name, memory, overdue_before=None):
    """Seal one client at once (the sweep); returns (policy, run), run None when the client
    could not be walked."""
    scan = Scan(layout, name, memory, overdue_before=overdue_before)
    scan.advance()
    return scan.policy, scan.run


def all_clients(layout):
    """Every provisioned client: a settings file each."""
    return clients.provisioned(layout.config_dir)
