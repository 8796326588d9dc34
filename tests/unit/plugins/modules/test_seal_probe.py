# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seal_probe module: clients read from the sealer's settings, check mode, failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import pwd

from ansible_collections.worm.sftp.plugins.modules import seal_probe


def settings(workdir, name, user='nobody'):
    config = os.path.join(workdir, 'clients')
    os.makedirs(config, exist_ok=True)
    client_dir = os.path.join(workdir, 'backups', name)
    os.makedirs(client_dir)
    nobody = pwd.getpwnam('nobody')
    os.chown(client_dir, nobody.pw_uid, nobody.pw_gid)
    with open(os.path.join(config, name + '.json'), 'w') as handle:
        json.dump({'name': name, 'root': client_dir, 'exempt': [], 'user': user}, handle)
    pending = os.path.join(workdir, 'pending')
    os.makedirs(pending, exist_ok=True)
    return config, pending, client_dir


def test_check_mode_creates_nothing(run_module, workdir):
    config, pending, client_dir = settings(workdir, 'alice')
    failed, result = run_module(seal_probe.main, check_mode=True, clients=['alice'], config_dir=config,
                                pending_dir=pending)
    assert not failed and not result['changed'] and result['probes'] == []
    assert os.listdir(client_dir) == []


def test_nothing_sealing_fails_naming_incron_and_leaves_nothing(run_module, workdir):
    config, pending, client_dir = settings(workdir, 'alice')
    failed, result = run_module(seal_probe.main, clients=['alice'], config_dir=config, pending_dir=pending, timeout=0.5)
    assert failed
    assert 'not sealed by the event path within 0.5 s' in result['msg']
    assert 'client alice: incron did not report the upload' in result['msg']
    assert os.listdir(client_dir) == []


def test_settings_that_do_not_name_the_client_are_refused(run_module, workdir):
    config, pending, client_dir = settings(workdir, 'alice')
    os.rename(os.path.join(config, 'alice.json'), os.path.join(config, 'bob.json'))
    failed, result = run_module(seal_probe.main, clients=['bob'], config_dir=config, pending_dir=pending)
    assert failed and 'do not name it and its user' in result['msg']
    assert os.listdir(client_dir) == []
