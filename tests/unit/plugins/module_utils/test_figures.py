# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-client figures: one function for the sweep's metrics and for the audit, on real files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import clients, figures, sealing
from ansible_collections.worm.sftp.plugins.module_utils.sealer import metrics

BOUND = 900
EXEMPT_LOCKS = [{'name': 'locks', 'path': 'locks/lock-[0-9]+', 'max_bytes': 1024, 'max_age': '1d', 'max_count': 10}]


def write(root, rel, data=b'x', age=0):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(data)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path


def client(workdir, name='alice', exempt=(), state=None):
    root = os.path.join(workdir, 'backups', name)
    os.makedirs(root)
    return sealing.ClientPolicy(name, root, exempt=exempt, state=state)


def audit(policy, now=None):
    now = now or time.time()
    return figures.of_client(policy, figures.walk(policy, now - BOUND, seal=False), now)


def sweep_series(policy):
    now = time.time()
    run = sealing.seal_client(policy, lambda line: None, overdue_before=now - BOUND)
    values = {}
    for line in metrics.text([(policy, run)], now).splitlines():
        if line and not line.startswith('#'):
            name, value = line.rsplit(' ', 1)
            values[name] = float(value)
    return values


def test_the_audit_and_the_sweeps_metrics_give_the_same_figures(workdir):
    policy = client(workdir, exempt=EXEMPT_LOCKS)
    write(policy.root, 'volume-1.zip', b'a' * 100)
    write(policy.root, 'empty.zip', b'')
    write(policy.root, 'locks/lock-1', b'lock')
    write(clients.quarantine_of(policy.root, 'alice'), '20261201T000000Z/files/partial.zip', b'pq')
    held = open(write(policy.root, 'sub/volume-2.zip', b'b' * 10), 'ab')  # its upload still running
    try:
        values = sweep_series(policy)
        after = audit(policy)
    finally:
        held.close()
    label = '{client="alice"}'
    by_reason = dict((reason, values['worm_sftp_unsealed_files{client="alice",reason="%s"}' % reason])
                     for reason, _key in figures.UNSEALED_REASONS)
    assert after['unsealed_by_reason'] == by_reason == {
        'open_for_writing': 1, 'released': 0, 'exempt': 1, 'hard_link': 0, 'failed': 0, 'pending': 0}
    for key in ('files', 'bytes', 'sealed_files', 'unsealed_overdue_files', 'sealed_empty_files', 'quarantined_files',
                'last_upload_epoch'):
        metric = 'last_upload_timestamp_seconds' if key == 'last_upload_epoch' else key
        assert after[key] == values['worm_sftp_%s%s' % (metric, label)], key
    assert (after['files'], after['bytes'], after['sealed_files'], after['sealed_empty_files']) == (4, 114, 2, 1)
    assert after['files'] == after['sealed_files'] + after['unsealed_files']
    assert after['sealed_empty_examples'] == ['empty.zip']
    assert (after['quarantined_files'], after['quarantined_bytes']) == (1, 2)


def test_the_audit_counts_what_the_sealer_missed_as_overdue_and_changes_nothing(workdir, flags_of):
    policy = client(workdir)
    missed = write(policy.root, 'missed.zip', age=2 * 3600)
    write(policy.root, 'fresh.zip')
    made = os.path.join(policy.root, 'made-by-client')
    os.mkdir(made, 0o755)
    figures_now = audit(policy)
    assert figures_now['unsealed_by_reason']['pending'] == 2
    assert figures_now['unsealed_overdue_files'] == 1 and figures_now['unsealed_overdue_examples'] == ['missed.zip']
    alarms = figures.alarms([figures_now], [], [], '15m', 1)
    assert alarms == ['alice: 1 file(s) unsealed for longer than 15m, e.g. missed.zip']
    # Counted only: nothing sealed, the client's directory not taken over.
    assert 'i' not in flags_of(missed) and os.stat(made).st_mode & 0o7777 == 0o755
    sweep_series(policy)
    assert audit(policy)['unsealed_overdue_files'] == 0 and 'i' in flags_of(missed)


def test_a_file_kept_fresh_is_overdue_by_when_a_sweep_first_saw_it_unsealed(workdir):
    policy = client(workdir)
    path = write(policy.root, 'held.zip')
    now = time.time()
    with open(path, 'ab'):
        seen = {'unsealed': {str(os.stat(path).st_ino): now - 2 * BOUND}}
        run = figures.walk(policy, now - BOUND, seen_before=seen, seal=False)
    assert figures.of_client(policy, run, now)['unsealed_overdue_examples'] == ['held.zip']


def test_released_and_exempt_files_are_not_overdue(workdir):
    now = time.time()
    window = {'legal_hold': None, 'release': {'cutoff_epoch': now - 86400, 'until_epoch': now + 3600}}
    policy = client(workdir, exempt=EXEMPT_LOCKS, state=window)
    write(policy.root, 'old.zip', age=2 * 86400)
    write(policy.root, 'locks/lock-1', age=2 * 3600)
    result = audit(policy, now)
    assert result['unsealed_by_reason']['released'] == 1 and result['released_files'] == 1
    assert result['unsealed_by_reason']['exempt'] == 1
    assert result['unsealed_overdue_files'] == 0 and result['release_window_open'] is True


@pytest.mark.parametrize('free, free_inodes, alarm', [
    (50000, 500, None),
    (900, 500, '900 bytes free of 100000, less than 1%'),
    (50000, 9, '9 inodes free of 1000, less than 1%'),
])
def test_a_nearly_full_filesystem_is_an_alarm(free, free_inodes, alarm):
    """Out of inodes, uploads fail with plenty of bytes free (issue 11 item 10)."""
    space = {'path': '/backups', 'free_bytes': free, 'size_bytes': 100000, 'free_inodes': free_inodes, 'inodes': 1000}
    said = figures.alarms([], [], [space], '15m', 1)
    assert said == ([] if alarm is None else ['backup filesystem /backups: %s: uploads will soon fail' % alarm])


def test_alarms_for_a_client_that_cannot_be_walked_and_a_full_filesystem():
    space = {'path': '/backups', 'free_bytes': 5, 'size_bytes': 1000, 'free_inodes': 500, 'inodes': 1000}
    assert figures.alarms([], [('bob', 'cannot be walked: No such file or directory')], [space], '15m', 1) == [
        'bob: cannot be walked: No such file or directory',
        'backup filesystem /backups: 5 bytes free of 1000, less than 1%: uploads will soon fail']


def test_the_sweeps_seen_file_is_read_leaving_out_what_is_not_a_time():
    seen = {'alice': {'unsealed': {'12': 1.5, '13': 'x'}, 'exempt': 'nope'}, 'bob': 3}
    assert sealing.seen_from_json(seen) == {'alice': {'unsealed': {'12': 1.5}}}
    assert sealing.seen_from_json(json.loads('[]')) == {}
