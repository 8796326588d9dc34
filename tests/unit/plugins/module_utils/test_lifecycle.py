# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle state: its rules, and reading and writing it as the sealer reads it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import lifecycle, sealing

NOW = 1800000000
DAY = 86400


def opened(state, older_than='180d', window=DAY, now=NOW):
    return lifecycle.open_window(state, now, older_than, 180 * DAY, window, 'retention')


def test_a_window_releases_files_older_than_its_age_until_it_ends():
    state = opened(lifecycle.empty('alice'))
    assert state['release'] == {'opened': '2027-01-15T08:00:00Z', 'older_than': '180d', 'cutoff_epoch': NOW - 180 * DAY,
                                'until_epoch': NOW + DAY, 'until': '2027-01-16T08:00:00Z', 'reason': 'retention'}
    assert lifecycle.release_cutoff(state, NOW + DAY - 1) == NOW - 180 * DAY
    assert lifecycle.release_cutoff(state, NOW + DAY) is None
    assert lifecycle.close_window(state)['release'] is None


def test_asking_again_for_the_same_age_keeps_the_window_another_age_opens_a_new_one():
    state = opened(lifecycle.empty('alice'))
    assert opened(state, now=NOW + 60) == state
    assert opened(state, older_than='90d', now=NOW + 60)['release']['opened'] == '2027-01-15T08:01:00Z'
    assert opened(state, now=NOW + DAY)['release']['until_epoch'] == NOW + 2 * DAY  # the first one had ended


def test_a_hold_ends_the_window_keeps_its_first_reason_and_refuses_new_windows():
    held = lifecycle.hold(opened(lifecycle.empty('alice')), NOW, 'case 1')
    assert held['release'] is None and held['legal_hold'] == {'since': '2027-01-15T08:00:00Z', 'reason': 'case 1'}
    assert lifecycle.hold(held, NOW + 60, 'case 2') == held
    with pytest.raises(lifecycle.StateError, match='on legal hold since 2027-01-15T08:00:00Z .case 1.'):
        opened(held)
    with pytest.raises(lifecycle.StateError, match='say why'):
        lifecycle.hold(lifecycle.empty('alice'), NOW, '')
    assert lifecycle.lift(held) == lifecycle.empty('alice')
    # A hold wins over a window that a hand-edited state may still carry.
    assert lifecycle.release_cutoff(dict(opened(lifecycle.empty('alice')), legal_hold=held['legal_hold']), NOW) is None


@pytest.mark.parametrize('text, problem', [
    ('{not json', 'not JSON'),
    ('[]', 'not a JSON object'),
    ('{"legal_hold": {"since": 1}}', 'since and reason'),
    ('{"release": {"cutoff_epoch": "1"}}', 'cutoff_epoch and until_epoch'),
    ('{"release": {"cutoff_epoch": true, "until_epoch": 2}}', 'cutoff_epoch and until_epoch'),
])
def test_a_state_that_is_not_one_is_refused_and_the_sealer_then_seals_everything(text, problem):
    with pytest.raises(lifecycle.StateError, match=problem):
        lifecycle.parse('alice', text)
    policy = sealing.ClientPolicy.from_json(json.dumps({'name': 'alice', 'root': '/backups/alice'}), text)
    assert problem in policy.state_error and policy.released_up_to(NOW) is None and not policy.legal_hold


def test_write_replaces_the_file_whole_root_only_and_reports_a_change_only_once(tmp_path):
    path = str(tmp_path / 'state' / 'alice.json')
    state = opened(lifecycle.empty('alice'))
    assert lifecycle.read(path, 'alice') == lifecycle.empty('alice')
    assert lifecycle.write(path, state) is True
    assert lifecycle.write(path, state) is False
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert os.listdir(os.path.dirname(path)) == ['alice.json']
    assert lifecycle.read(path, 'alice') == state
    # The same bytes as the role wrote before this module (to_nice_json, sorted keys): no change on upgrade.
    with open(path) as handle:
        assert handle.read() == json.dumps(state, indent=4, sort_keys=True, separators=(',', ': ')) + '\n'
