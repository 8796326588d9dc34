# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client_figures module (the audit's count): every provisioned client, or those named."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.worm.sftp.plugins.modules import client_figures


def provision(workdir, name):
    config = os.path.join(workdir, 'clients')
    os.makedirs(config, exist_ok=True)
    root = os.path.join(workdir, 'backups', name)
    os.makedirs(root)
    with open(os.path.join(config, name + '.json'), 'w') as handle:
        json.dump({'name': name, 'root': root, 'exempt': [], 'user': 'backup-' + name}, handle)
    return dict(config_dir=config, state_dir=os.path.join(workdir, 'state'),
                seen_file=os.path.join(workdir, 'seen.json'), root=os.path.join(workdir, 'backups'))


def test_every_client_is_counted_and_an_overdue_file_raises_the_alarm(run_module, workdir):
    dirs = provision(workdir, 'alice')
    provision(workdir, 'bob')
    path = os.path.join(workdir, 'backups', 'bob', 'missed.zip')
    with open(path, 'wb') as handle:
        handle.write(b'data')
    then = time.time() - 3600
    os.utime(path, (then, then))
    failed, result = run_module(client_figures.main, check_mode=True, sealing_bound='15m', **dirs)
    assert not failed and not result['changed']
    assert [c['name'] for c in result['clients']] == ['alice', 'bob']
    assert [c['files'] for c in result['clients']] == [0, 1]
    assert result['alarms'] == ['bob: 1 file(s) unsealed for longer than 15m, e.g. missed.zip']
    assert result['filesystem']['path'] == dirs['root'] and result['filesystem']['free_bytes'] > 0
    failed, result = run_module(client_figures.main, clients=['alice'], **dirs)
    assert not failed and [c['name'] for c in result['clients']] == ['alice'] and result['alarms'] == []


def test_bad_names_a_client_not_provisioned_and_a_bad_bound_are_refused(run_module, workdir):
    dirs = provision(workdir, 'alice')
    failed, result = run_module(client_figures.main, clients=['../etc'], **dirs)
    assert failed and "'../etc' is not a client name" in result['msg']
    failed, result = run_module(client_figures.main, clients=['carol'], **dirs)
    assert failed and 'not provisioned on this host: carol' in result['msg']
    failed, result = run_module(client_figures.main, sealing_bound='soon', **dirs)
    assert failed and result['msg'].startswith('sealing_bound:')


def test_a_client_whose_directory_is_gone_is_an_alarm_not_a_crash(run_module, workdir):
    dirs = provision(workdir, 'alice')
    os.rmdir(os.path.join(workdir, 'backups', 'alice'))
    failed, result = run_module(client_figures.main, **dirs)
    assert not failed and result['clients'] == []
    assert len(result['alarms']) == 1 and result['alarms'][0].startswith('alice: cannot be walked:')


def test_a_lifecycle_state_that_cannot_be_read_is_an_alarm(run_module, workdir):
    dirs = provision(workdir, 'alice')
    os.mkdir(dirs['state_dir'])
    with open(os.path.join(dirs['state_dir'], 'alice.json'), 'w') as handle:
        handle.write('{broken')
    failed, result = run_module(client_figures.main, **dirs)
    assert not failed and [c['name'] for c in result['clients']] == ['alice']
    assert result['alarms'] == ['alice: the lifecycle state of alice is not JSON: Expecting property name enclosed in '
                                'double quotes: line 1 column 2 (char 1); the sealer seals every file meanwhile, repair '
                                'it or place a legal hold']


def test_directories_the_sealer_could_not_watch_raise_the_alarm_for_the_clients_audited(run_module, workdir):
    dirs = provision(workdir, 'alice')
    provision(workdir, 'bob')
    status_file = os.path.join(workdir, 'watches.json')
    with open(status_file, 'w') as handle:
        json.dump({'updated_epoch': 1, 'watches': 10003, 'limit': 8192, 'per_client_cap': 10000,
                   'unwatched_over_cap': {'bob': 7}, 'unwatched_limit_reached': {'alice': 2},
                   'unwatched_failed': {}}, handle)
    failed, result = run_module(client_figures.main, check_mode=True, watch_status_file=status_file, **dirs)
    assert not failed and result['watches']['watches'] == 10003
    assert [alarm.split(':')[0] for alarm in result['alarms']] == ['alice']
    assert 'fs.inotify.max_user_watches (8192, 10003 in use)' in result['alarms'][0]
    assert [notice.split(':')[0] for notice in result['notices']] == ['bob']
    failed, result = run_module(client_figures.main, check_mode=True, watch_status_file=status_file, clients=['bob'],
                                **dirs)
    assert result['alarms'] == [] and len(result['notices']) == 1
    # A status the sealer's user could have forged into something else is an alarm, not a crash.
    with open(status_file, 'w') as handle:
        handle.write('{"watches": "many"}')
    failed, result = run_module(client_figures.main, check_mode=True, watch_status_file=status_file, **dirs)
    assert not failed and result['watches'] is None
    assert result['alarms'] == ["the sealer's watch status %s: cannot be read: %s: updated_epoch, watches and "
                                "per_client_cap must be counts" % (status_file, status_file)]
    os.unlink(status_file)
    failed, result = run_module(client_figures.main, check_mode=True, watch_status_file=status_file, **dirs)
    assert not failed and result['watches'] is None and result['alarms'] == [] and result['notices'] == []
