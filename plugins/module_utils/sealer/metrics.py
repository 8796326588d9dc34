# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sweep's figures, one series per client, in the Prometheus text format (for
node_exporter's textfile collector)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from .. import sealing


class FileCounter(sealing.treewalk.TreeVisit):
    """Counts the regular files below a path, without following links."""

    def __init__(self):
        super(FileCounter, self).__init__([sealing.treewalk.FILE], 0)
        self.files = 0

    def visit(self, fd, relpath, kind, st):
        self.files += kind == sealing.treewalk.FILE


def count_files(path):
    """Regular files below path; 0 when it does not exist."""
    counter = FileCounter()
    try:
        counter.run(path, recurse=True)
    except (FileNotFoundError, sealing.treewalk.WalkError):
        return 0
    return counter.files


def label_value(text):
    """A label value escaped as the Prometheus text format wants it."""
    return str(text).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def text(results, started, overdue_known=True):
    """The figures of a sweep that started at started, from its results [(policy, run)] (run
    None for a client it could not walk); without the overdue series when overdue_known is
    false (no bound to count them by)."""
    lines = []

    def metric(name, help_text, samples):
        lines.append('# HELP worm_sftp_%s %s' % (name, help_text))
        lines.append('# TYPE worm_sftp_%s gauge' % name)
        for labels, value in samples:
            labels_text = ','.join('%s="%s"' % (key, label_value(val)) for key, val in labels)
            lines.append('worm_sftp_%s%s %s' % (name, '{%s}' % labels_text if labels_text else '', value))

    done = [(policy, run) for policy, run in results if run is not None]
    per_client = [(policy.name, policy, run) for policy, run in done]
    counted = ('already_sealed', 'sealed', 'busy', 'released', 'hard_linked')
    metric('files', 'Regular files of the client, profile exemptions not included.',
           [((('client', n),), sum(r.counts[key] for key in counted)) for n, p, r in per_client])
    metric('bytes', 'Bytes in those files.', [((('client', n),), r.bytes) for n, p, r in per_client])
    metric('sealed_files', 'Files that are immutable.',
           [((('client', n),), r.counts['already_sealed'] + r.counts['sealed']) for n, p, r in per_client])
    metric('unsealed_files', 'Files left unsealed by this sweep, by reason.',
           [((('client', n), ('reason', reason)), r.counts[key]) for n, p, r in per_client
            for reason, key in (('open_for_writing', 'busy'), ('released', 'released'), ('exempt', 'exempt'),
                                ('hard_link', 'hard_linked'), ('failed', 'failed'))])
    if overdue_known:
        metric('unsealed_overdue_files', 'Unsealed files last written, or first seen unsealed by a sweep, longer ago '
               'than the sealing bound (alarm when above 0).',
               [((('client', n),), r.counts['overdue'] + r.counts['failed']) for n, p, r in per_client])
    metric('last_upload_timestamp_seconds', 'Modification time of the newest file.',
           [((('client', n),), '%.0f' % (r.newest_mtime or 0)) for n, p, r in per_client])
    quarantined = [(n, count_files(os.path.join(os.path.dirname(p.root), '.worm-sftp', 'quarantine', n)))
                   for n, p, r in per_client]
    metric('quarantined_files', 'Files moved to the quarantine.', [((('client', n),), q) for n, q in quarantined])
    metric('legal_hold', '1 while the client is on legal hold.',
           [((('client', n),), int(p.legal_hold)) for n, p, r in per_client])
    metric('release_window_open', '1 while a release window is open.',
           [((('client', n),), int(p.released_up_to(started) is not None)) for n, p, r in per_client])
    roots = sorted(set(os.path.dirname(p.root) for n, p, r in per_client))
    free, inodes = [], []
    for root in roots:
        st = os.statvfs(root)
        free.append(((('path', root),), st.f_bavail * st.f_frsize))
        inodes.append(((('path', root),), st.f_favail))
    metric('filesystem_free_bytes', 'Free bytes of the backup filesystem.', free)
    # Out of inodes, uploads fail with plenty of bytes free.
    metric('filesystem_free_inodes', 'Free inodes of the backup filesystem.', inodes)
    metric('sweep_timestamp_seconds', 'When this sweep started.', [((), '%.0f' % started)])
    metric('sweep_failed_clients', 'Clients the sweep could not walk.',
           [((), sum(1 for policy, run in results if run is None))])
    return '\n'.join(lines) + '\n'
