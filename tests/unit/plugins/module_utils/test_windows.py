# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which accounts leave the release window group: the decision of worm-sftp-windows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import lifecycle, windows

NOW = 1_800_000_000
OPEN = {'legal_hold': None, 'release': {'cutoff_epoch': NOW - 86400, 'until_epoch': NOW + 60}}
ENDED = {'legal_hold': None, 'release': {'cutoff_epoch': NOW - 86400, 'until_epoch': NOW}}
HELD = dict(OPEN, legal_hold={'since': '2026-11-30T00:00:00Z', 'reason': 'case 42'})
CLOSED = {'legal_hold': None, 'release': None}


@pytest.mark.parametrize('members, states, narrowed', [
    ([], {'backup-a': OPEN}, []),
    (['backup-a'], {'backup-a': OPEN}, []),                       # window open: stays
    (['backup-a'], {'backup-a': ENDED}, ['backup-a']),            # ends at until_epoch exactly
    (['backup-a'], {'backup-a': HELD}, ['backup-a']),             # a legal hold closes the window
    (['backup-a'], {'backup-a': CLOSED}, ['backup-a']),           # closed by the admin
    (['backup-a'], {'backup-a': {}}, ['backup-a']),               # no state file
    (['backup-a'], {'backup-a': None}, ['backup-a']),
    (['backup-a'], {}, ['backup-a']),                             # unreadable client or no client at all
    (['mallory'], {'backup-a': OPEN}, ['mallory']),               # not a client's account
    (['backup-b', 'backup-a', 'backup-a'], {'backup-a': ENDED, 'backup-b': OPEN}, ['backup-a']),
    (['backup-b', 'backup-a'], {'backup-a': ENDED, 'backup-b': HELD}, ['backup-a', 'backup-b']),
])
def test_users_to_narrow(members, states, narrowed):
    assert windows.users_to_narrow(members, states, NOW) == narrowed


def test_a_window_is_kept_until_its_last_second():
    assert windows.users_to_narrow(['backup-a'], {'backup-a': OPEN}, NOW + 59.999) == []
    assert windows.users_to_narrow(['backup-a'], {'backup-a': OPEN}, NOW + 60) == ['backup-a']


def test_client_states_reads_what_the_sealer_reads(tmp_path):
    config, state = tmp_path / 'clients', tmp_path / 'state'
    config.mkdir()
    state.mkdir()
    for name in ('alice', 'bob', 'carol', 'dave'):
        (config / (name + '.json')).write_text(json.dumps({'name': name, 'root': '/backups/' + name,
                                                           'user': 'backup-' + name}))
    (state / 'alice.json').write_text(json.dumps(OPEN))
    (state / 'carol.json').write_text('{not json')
    (config / 'dave.json').write_text(json.dumps({'name': 'dave', 'root': '/backups/dave'}))  # no account
    errors = []
    states, clients = windows.client_states(str(config), str(state), ['alice', 'bob', 'carol', 'dave', 'erin'],
                                            lambda name, exc: errors.append(name))
    # Read whole, as worm.sftp.client_state writes them (a client without a file: no hold, no window).
    assert states == {'backup-alice': dict(OPEN, client='alice'), 'backup-bob': lifecycle.empty('bob')}
    assert clients == {'backup-alice': 'alice', 'backup-bob': 'bob'}
    assert errors == ['carol', 'erin']
    assert windows.users_to_narrow(['backup-alice', 'backup-bob', 'backup-carol'], states, NOW) == [
        'backup-bob', 'backup-carol']
