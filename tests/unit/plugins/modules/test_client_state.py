# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client_state module: the one writer of the lifecycle state, read as the sealer reads it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import sealing
from ansible_collections.worm.sftp.plugins.modules import client_state


@pytest.fixture
def dirs(tmp_path):
    config, state = tmp_path / 'clients', tmp_path / 'state'
    config.mkdir()
    (config / 'alice.json').write_text(json.dumps({'name': 'alice', 'root': '/backups/alice', 'exempt': [],
                                                   'user': 'backup-alice'}))
    return dict(config_dir=str(config), state_dir=str(state))


def test_reads_settings_and_the_empty_state_without_writing(run_module, dirs):
    failed, result = run_module(client_state.main, client='alice', **dirs)
    assert not failed and not result['changed']
    assert result['settings'] == {'name': 'alice', 'root': '/backups/alice', 'user': 'backup-alice', 'exempt': []}
    assert result['state'] == {'client': 'alice', 'legal_hold': None, 'release': None}
    assert result['quarantine'] == '/backups/.worm-sftp/quarantine/alice' and result['window_open'] is False
    assert not os.path.exists(dirs['state_dir'])


def test_a_window_written_is_the_window_the_sealer_honours_and_a_rerun_changes_nothing(run_module, dirs):
    request = dict(client='alice', action='open_window', older_than='180d', window='1h', reason='retention', **dirs)
    failed, result = run_module(client_state.main, check_mode=True, **request)
    assert not failed and result['changed'] and not os.path.exists(dirs['state_dir'])
    failed, result = run_module(client_state.main, **request)
    assert not failed and result['changed'] and result['window_open']
    assert result['released_age'] == 180 * 86400
    policy, _identity = sealing.load_client(dirs['config_dir'], dirs['state_dir'], 'alice')
    assert policy.released_up_to(result['now']['epoch']) == result['now']['epoch'] - 180 * 86400
    failed, again = run_module(client_state.main, **request)
    assert not failed and not again['changed'] and again['state'] == result['state']
    failed, closed = run_module(client_state.main, client='alice', action='close_window', diff=True, **dirs)
    assert not failed and closed['changed'] and closed['state']['release'] is None
    assert '"older_than": "180d"' in closed['diff']['before'] and '"release": null' in closed['diff']['after']


def test_a_hold_refuses_windows_and_a_lift_allows_them_again(run_module, dirs):
    failed, result = run_module(client_state.main, client='alice', action='hold', reason='case 7', **dirs)
    assert not failed and result['state']['legal_hold']['reason'] == 'case 7'
    failed, result = run_module(client_state.main, client='alice', action='open_window', older_than='1d', **dirs)
    assert failed and 'on legal hold since' in result['msg'] and 'hold=false' in result['msg']
    failed, result = run_module(client_state.main, client='alice', action='lift', **dirs)
    assert not failed and result['changed'] and result['state']['legal_hold'] is None


@pytest.mark.parametrize('args, message', [
    (dict(client='Alice'), "'Alice' is not a client name"),
    (dict(client='bob'), 'client bob is not provisioned on this host'),
    (dict(client='alice', action='hold'), 'say why'),
    (dict(client='alice', action='open_window'), 'say which files to release'),
    (dict(client='alice', action='open_window', older_than='soon'), 'older_than'),
    (dict(client='alice', action='open_window', older_than='1d', window='0s'), 'must be at least 1s'),
])
def test_bad_requests_fail_saying_what_to_change_and_write_nothing(run_module, dirs, args, message):
    failed, result = run_module(client_state.main, **dict(dirs, **args))
    assert failed and message in result['msg']
    assert not os.path.exists(dirs['state_dir'])


def test_a_state_that_cannot_be_read_is_reported_not_overwritten(run_module, dirs):
    os.mkdir(dirs['state_dir'])
    path = os.path.join(dirs['state_dir'], 'alice.json')
    with open(path, 'w') as handle:
        handle.write('{broken')
    failed, result = run_module(client_state.main, client='alice', action='close_window', **dirs)
    assert failed and 'not JSON' in result['msg']
    with open(path) as handle:
        assert handle.read() == '{broken'


@pytest.mark.parametrize('action, fails', [('read', False), ('hold', False), ('lift', True), ('close_window', True),
                                           ('open_window', True)])
def test_an_unreadable_state_can_be_read_and_replaced_by_a_hold_only(run_module, dirs, action, fails):
    os.mkdir(dirs['state_dir'])
    path = os.path.join(dirs['state_dir'], 'alice.json')
    with open(path, 'w') as handle:
        handle.write('{"legal_hold": "yes"}')
    failed, result = run_module(client_state.main, client='alice', action=action, older_than='1d', reason='case 9',
                                **dirs)
    assert failed == fails
    if fails:
        assert 'cannot be read' in result['msg'] and 'place a legal hold' in result['msg']
    else:
        assert 'since and reason' in result['state_error']
    policy, _identity = sealing.load_client(dirs['config_dir'], dirs['state_dir'], 'alice')
    if action == 'hold':
        assert result['changed'] and policy.legal_hold and policy.state_error is None
    else:
        assert policy.state_error is not None  # left as it was
