# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sweep's figures, one series per client, in the Prometheus text format (for
node_exporter's textfile collector)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from .. import figures, watches


def label_value(text):
    """A label value escaped as the Prometheus text format wants it."""
    return str(text).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def text(results, started, overdue_known=True, watch_status=None):
    """The figures of a sweep that started at started, from its results [(policy, run)] (run
    None for a client it could not walk); without the overdue series when overdue_known is
    false (no bound to count them by); with the watching sealer's watches when its status
    (watches.read_status) is given."""
    lines = []

    def metric(name, help_text, samples):
        lines.append('# HELP worm_sftp_%s %s' % (name, help_text))
        lines.append('# TYPE worm_sftp_%s gauge' % name)
        for labels, value in samples:
            labels_text = ','.join('%s="%s"' % (key, label_value(val)) for key, val in labels)
            lines.append('worm_sftp_%s%s %s' % (name, '{%s}' % labels_text if labels_text else '', value))

    per_client = [figures.of_client(policy, run, started) for policy, run in results if run is not None]

    def each(key):
        return [((('client', f['name']),), f[key]) for f in per_client]

    metric('files', 'Regular files of the client.', each('files'))
    metric('bytes', 'Bytes in those files.', each('bytes'))
    metric('sealed_files', 'Files that are immutable.', each('sealed_files'))
    metric('unsealed_files', 'Files left unsealed by this sweep, by reason.',
           [((('client', f['name']), ('reason', reason)), f['unsealed_by_reason'][reason])
            for f in per_client for reason, _key in figures.UNSEALED_REASONS])
    if overdue_known:
        metric('unsealed_overdue_files', 'Unsealed files last written, or first seen unsealed by a sweep, longer ago '
               'than the sealing bound, and files that could not be read (alarm when above 0).',
               each('unsealed_overdue_files'))
    metric('sealed_empty_files', 'Sealed empty files (an upload cut short blocks its retry until quarantined).',
           each('sealed_empty_files'))
    metric('last_upload_timestamp_seconds', 'Modification time of the newest file.',
           [((('client', f['name']),), f['last_upload_epoch'] or 0) for f in per_client])
    metric('quarantined_files', 'Files moved to the quarantine.', each('quarantined_files'))
    metric('legal_hold', '1 while the client is on legal hold.',
           [((('client', f['name']),), int(bool(f['legal_hold']))) for f in per_client])
    metric('release_window_open', '1 while a release window is open.',
           [((('client', f['name']),), int(f['release_window_open'])) for f in per_client])
    roots = sorted(set(os.path.dirname(f['path']) for f in per_client))
    space = [figures.filesystem(root) for root in roots]
    metric('filesystem_free_bytes', 'Free bytes of the backup filesystem.',
           [((('path', fs['path']),), fs['free_bytes']) for fs in space])
    # Out of inodes, uploads fail with plenty of bytes free.
    metric('filesystem_free_inodes', 'Free inodes of the backup filesystem.',
           [((('path', fs['path']),), fs['free_inodes']) for fs in space])
    metric('sweep_timestamp_seconds', 'When this sweep started.', [((), '%.0f' % started)])
    metric('sweep_failed_clients', 'Clients the sweep could not walk.',
           [((), sum(1 for policy, run in results if run is None))])
    if watch_status:
        metric('sealer_watches', 'Directory watches the sealer holds.', [((), watch_status['watches'])])
        if watch_status.get('limit') is not None:
            metric('sealer_watches_limit', 'fs.inotify.max_user_watches, the limit of the sealer\'s watches.',
                   [((), watch_status['limit'])])
        metric('sealer_unwatched_directories', 'Directories the last scan of the client left without a watch, by '
               'reason: over_cap (by design), limit_reached and failed (alarm when above 0); scans and the sweep '
               'seal there.',
               [((('client', name), ('reason', reason)), count)
                for reason in watches.REASONS
                for name, count in sorted(watch_status.get('unwatched_' + reason, {}).items())])
        metric('sealer_status_timestamp_seconds', 'When the sealer last wrote its watch status.',
               [((), watch_status['updated_epoch'])])
    return '\n'.join(lines) + '\n'
