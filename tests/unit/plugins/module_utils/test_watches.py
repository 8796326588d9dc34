# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sealer's inotify budget and what it reports of its watches (module_utils/watches.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import watches
from ansible_collections.worm.sftp.plugins.module_utils.sealer import metrics

GIB = 1024 ** 3


def test_the_budget_is_the_caps_with_a_quarter_more_never_below_the_hosts():
    limits = watches.budget(20, 10000, 8192, 16384, 24 * GIB)
    assert limits['needed_watches'] == 20 * 10000 + 3
    assert limits['max_user_watches'] == round((20 * 10000 + 3) * 1.25)
    assert limits['max_queued_events'] == 16384 and not limits['bounded_by_memory']
    # The host has more already: kept.
    assert watches.budget(2, 10000, 192536, 65536, 24 * GIB)['max_user_watches'] == 192536
    assert watches.budget(2, 10000, 192536, 65536, 24 * GIB)['max_queued_events'] == 65536


def test_a_thousand_clients_are_bounded_by_memory_and_queue_more_events():
    limits = watches.budget(1000, 10000, 192536, 16384, 24 * GIB)
    assert limits['max_user_watches'] == int(24 * GIB * 0.1) // 1024 < limits['needed_watches']
    assert limits['bounded_by_memory']
    assert limits['max_queued_events'] == 256000


def test_the_dropin_sets_both_limits():
    text = watches.dropin({'max_user_watches': 250000, 'max_queued_events': 16384})
    assert 'fs.inotify.max_user_watches = 250000\n' in text and 'fs.inotify.max_queued_events = 16384\n' in text


def test_kernel_limits_and_memory_are_read_from_proc(tmp_path):
    (tmp_path / 'max_user_watches').write_text('8192\n')
    (tmp_path / 'meminfo').write_text('MemTotal:       24568856 kB\nMemFree:  1 kB\n')
    assert watches.kernel_limit('max_user_watches', str(tmp_path)) == 8192
    assert watches.memory_bytes(str(tmp_path / 'meminfo')) == 24568856 * 1024
    assert watches.kernel_limit(watches.WATCHES) > 0  # this machine's


def test_status_keeps_only_clients_with_unwatched_directories(tmp_path):
    status = watches.status(40, 8192, {'over_cap': {'a': 0, 'b': 3}, 'limit_reached': {'a': 2, 'b': 0}}, 10000,
                            now=1800000000)
    assert status == {'updated_epoch': 1800000000, 'watches': 40, 'limit': 8192, 'per_client_cap': 10000,
                      'unwatched_over_cap': {'b': 3}, 'unwatched_limit_reached': {'a': 2}, 'unwatched_failed': {}}
    path = tmp_path / 'watches.json'
    assert watches.read_status(str(path)) is None
    path.write_text(json.dumps(status))
    assert watches.read_status(str(path)) == status
    # At the kernel's limit: an alarm; beyond a client's cap (by design): a notice.
    assert [line.split(':')[0] for line in watches.alarms(status)] == ['a']
    assert 'fs.inotify.max_user_watches (8192, 40 in use)' in watches.alarms(status)[0]
    assert watches.notices(status) == ['b: 3 directories beyond its cap of 10000 watches: files there are sealed by '
                                       'its scans and the sweep, not within milliseconds; raise '
                                       'backup_target_max_watches_per_client if that is too slow']
    assert watches.alarms(watches.of_clients(status, ['b'])) == [] and watches.notices(watches.of_clients(status, ['a'])) == []
    assert watches.alarms(None) == [] and watches.notices(None) == [] and watches.of_clients(None, ['a']) is None


GOOD = {'updated_epoch': 1, 'watches': 4, 'limit': 8192, 'per_client_cap': 10, 'unwatched_over_cap': {},
        'unwatched_limit_reached': {}, 'unwatched_failed': {}}


@pytest.mark.parametrize('content, message', [
    ('[]', 'no status object'),
    (json.dumps(dict(GOOD, watches='4')), 'must be counts'),
    (json.dumps(dict(GOOD, watches=True)), 'must be counts'),
    (json.dumps(dict(GOOD, limit=-1)), 'limit must be a count or null'),
    (json.dumps(dict(GOOD, unwatched_failed={'../x': 1})), 'unwatched_failed must map client names to counts'),
    (json.dumps(dict(GOOD, unwatched_over_cap=[1])), 'unwatched_over_cap must map client names to counts'),
    ('{"updated_epoch": 1', 'Expecting'),
    (' ' * (watches.MAX_STATUS_BYTES + 1), 'larger than'),
])
def test_a_status_that_is_not_what_the_sealer_writes_is_refused(tmp_path, content, message):
    """The file is the sealer's user's: root's readers (the audit) take nothing on trust."""
    path = tmp_path / 'watches.json'
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        watches.read_status(str(path))


def test_a_status_that_is_a_link_or_a_fifo_is_not_read(tmp_path):
    target = tmp_path / 'elsewhere.json'
    target.write_text(json.dumps(GOOD))
    link = tmp_path / 'link.json'
    link.symlink_to(target)
    with pytest.raises(OSError):
        watches.read_status(str(link))
    fifo = tmp_path / 'fifo.json'
    os.mkfifo(str(fifo))
    with pytest.raises(ValueError, match='not a regular file'):
        watches.read_status(str(fifo))  # returns at once: opened without blocking


def test_the_sweeps_metrics_show_the_sealers_watches():
    status = watches.status(40, 8192, {'over_cap': {'b': 3}, 'limit_reached': {'a': 2}}, 10000, now=1800000000)
    lines = metrics.text([], 1800000000.0, watch_status=status).splitlines()
    assert 'worm_sftp_sealer_watches 40' in lines and 'worm_sftp_sealer_watches_limit 8192' in lines
    assert 'worm_sftp_sealer_unwatched_directories{client="b",reason="over_cap"} 3' in lines
    assert 'worm_sftp_sealer_unwatched_directories{client="a",reason="limit_reached"} 2' in lines
    assert not any(line.startswith('worm_sftp_sealer') for line in metrics.text([], 1800000000.0).splitlines())
