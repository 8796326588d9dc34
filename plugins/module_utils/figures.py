# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The figures of one client: what the sweep's metrics and the audit (module
worm.sftp.client_figures) both report, made by one function from one walk (sealing.SealRun:
the sweep's seals as it counts, the audit's only counts), so the two agree by construction.

  files          every regular file in the client's directory
  sealed_files   those that are immutable
  unsealed_files the others, each for one reason (UNSEALED_REASONS)
  unsealed_overdue_files
                 unsealed files the sealer should have sealed by now: open for writing, hard
                 links or pending, last written, or first seen unsealed by a sweep, longer ago
                 than the sealing bound; and files that could not be read (alarm when above 0)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from . import clients, lifecycle, sealing, treewalk

# Why a file is unsealed (as the metrics' reason label and the audit's unsealed_by_reason
# say it) -> the run's count.
UNSEALED_REASONS = (
    ('open_for_writing', 'busy'),      # its writer still has it open
    ('released', 'released'),          # in an open release window
    ('exempt', 'exempt'),              # a profile exemption (restic's locks, temp files) within its bounds
    ('hard_link', 'hard_linked'),      # a second name of another account's file: left for the admin
    ('failed', 'failed'),              # could not be read (a directory that could not be read counts once)
    ('pending', 'pending'),            # closed and due: the next scan seals it (the audit only)
)


class FileCounter(treewalk.TreeVisit):
    """Counts the regular files below a path and their bytes, without following links."""

    def __init__(self):
        super(FileCounter, self).__init__([treewalk.FILE], 0)
        self.files = self.bytes = 0

    def visit(self, fd, relpath, kind, st):
        if kind == treewalk.FILE:
            self.files += 1
            self.bytes += st.st_size


def count_files(path):
    """(files, bytes) below path; (0, 0) when it does not exist."""
    counter = FileCounter()
    try:
        counter.run(path, recurse=True)
    except (FileNotFoundError, treewalk.WalkError):
        return 0, 0
    return counter.files, counter.bytes


def walk(policy, overdue_before, seen_before=None, seal=True, log=None, max_paths=10):
    """Walk one client once: seal what is due (seal) or only count; returns the run."""
    run = sealing.SealRun(policy, log or (lambda line: None), max_paths=max_paths, overdue_before=overdue_before,
                          seen_before=seen_before, seal=seal)
    run.run(policy.root, recurse=True)
    return run


def utc(epoch):
    return lifecycle.iso(epoch) if epoch else None


def of_client(policy, run, now):
    """The figures of one client from a whole run over its tree (without sealed_inodes)."""
    counts = run.counts
    unsealed = dict((reason, counts[key]) for reason, key in UNSEALED_REASONS)
    sealed = counts['already_sealed'] + counts['sealed']
    quarantined_files, quarantined_bytes = count_files(clients.quarantine_of(policy.root, policy.name))
    newest = int(run.newest_mtime) if run.newest_mtime is not None else None
    return {
        'name': policy.name,
        'path': policy.root,
        'files': sealed + sum(unsealed.values()),
        'bytes': run.bytes,
        'sealed_files': sealed,
        'unsealed_files': sum(unsealed.values()),
        'unsealed_by_reason': unsealed,
        'unsealed_overdue_files': counts['overdue'] + counts['failed'],
        'unsealed_overdue_examples': list(run.examples['overdue']),
        'failures': [failure['path'] for failure in run.failures],
        'released_files': counts['released'],
        'sealed_empty_files': counts['sealed_empty'],
        'sealed_empty_examples': list(run.examples['sealed_empty']),
        'quarantined_files': quarantined_files,
        'quarantined_bytes': quarantined_bytes,
        'last_upload_epoch': newest,
        'last_upload': utc(newest),
        'legal_hold': policy.state.get('legal_hold'),
        'release_window': policy.state.get('release'),
        'release_window_open': lifecycle.window_open(policy.state, now),
    }


def filesystem(path):
    """Free and total bytes and inodes of the filesystem that holds path."""
    st = os.statvfs(path)
    return {'path': path, 'free_bytes': st.f_bavail * st.f_frsize, 'size_bytes': st.f_blocks * st.f_frsize,
            'free_inodes': st.f_favail, 'inodes': st.f_files}


def alarms(per_client, failed_clients, filesystems, bound, full_percent):
    """One sentence per reason to act now: overdue files, each client's problem in failed_clients
    [(name, what)] (could not be walked, a lifecycle state that cannot be read), a backup
    filesystem with less than full_percent of its space or inodes free."""
    said = []
    for figures in per_client:
        if figures['unsealed_overdue_files']:
            examples = figures['unsealed_overdue_examples'] or figures['failures']
            said.append('%s: %d file(s) unsealed for longer than %s, e.g. %s' % (
                figures['name'], figures['unsealed_overdue_files'], bound, examples[0] if examples else ''))
    for name, problem in failed_clients:
        said.append('%s: %s' % (name, problem))
    for fs in filesystems:
        for what, free, total in (('bytes', fs['free_bytes'], fs['size_bytes']),
                                  ('inodes', fs['free_inodes'], fs['inodes'])):
            if total > 0 and free * 100 < total * full_percent:
                said.append('backup filesystem %s: %d %s free of %d, less than %s%%: uploads will soon fail' % (
                    fs['path'], free, what, total, full_percent))
    return said
