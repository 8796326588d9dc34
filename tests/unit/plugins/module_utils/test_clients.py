# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one definition of client names and paths (module_utils/clients.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import clients, sealing
from ansible_collections.worm.sftp.plugins.test import client_name as client_name_test


@pytest.mark.parametrize('name', ['a', 'alice-laptop', 'nas2', 'a' * 25])
def test_names_that_follow_the_rule(name):
    assert clients.is_client_name(name) and clients.name_error(name) == ''


@pytest.mark.parametrize('name', ['', 'Alice', '2nd', '-a', 'a' * 26, 'alice\n', '../etc', 'a/b', 'a b', 'dev',
                                  None, 7, ['alice']])
def test_names_refused_by_the_role_the_admin_modules_and_the_sealer_alike(name):
    assert not clients.is_client_name(name)
    assert not client_name_test.TestModule().tests()['client_name'](name)
    assert 'is not a client name: use lowercase letters' in clients.name_error(name)
    with pytest.raises(ValueError, match='is not a client name'):
        sealing.ClientPolicy(name, '/backups/x')


def test_layout_of_a_client():
    assert clients.layout({'name': 'alice'}, '/backups', True) == {
        'user': 'backup-alice', 'dir': '/backups/alice', 'path_seen': '/alice',
        'quarantine': '/backups/.worm-sftp/quarantine/alice'}
    assert clients.layout({'name': 'alice', 'user': 'alice-bk'}, '/srv/b', False) == {
        'user': 'alice-bk', 'dir': '/srv/b/alice', 'path_seen': '/srv/b/alice',
        'quarantine': '/srv/b/.worm-sftp/quarantine/alice'}
    assert clients.quarantine_of('/backups/alice/', 'alice') == '/backups/.worm-sftp/quarantine/alice'
    files = clients.layout({'name': 'alice'}, '/backups', True, sshd_dropin_dir='/etc/ssh/sshd_config.d',
                           keys_dir='/etc/ssh/worm-sftp/authorized_keys', incron_dir='/etc/incron.d')
    assert (files['sshd_dropin'], files['keys_file'], files['incron_table']) == (
        '/etc/ssh/sshd_config.d/50-worm-sftp-alice.conf', '/etc/ssh/worm-sftp/authorized_keys/backup-alice',
        '/etc/incron.d/worm-sftp-alice')
    assert clients.layout({'name': 'alice'}, '/backups', True, config_dir='/etc/worm-sftp/clients')['settings_file'] == (
        clients.settings_file('/etc/worm-sftp/clients', 'alice'))


def test_provisioned_clients_are_the_settings_files_with_client_names(tmp_path):
    for name in ('bob.json', 'alice.json', 'alice.json.123.tmp', '.alice.json.swp', 'Carol.json', 'dev.json', 'x'):
        (tmp_path / name).write_text('{}')
    assert clients.provisioned(str(tmp_path)) == ['alice', 'bob']
    assert clients.settings_file('/etc/worm-sftp/clients', 'bob') == '/etc/worm-sftp/clients/bob.json'
    assert clients.state_file('/var/lib/worm-sftp/state', 'bob') == '/var/lib/worm-sftp/state/bob.json'
