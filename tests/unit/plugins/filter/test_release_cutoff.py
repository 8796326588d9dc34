# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release-window rule as the playbooks see it: the same answers as the sealer's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.worm.sftp.plugins.filter.release_cutoff import release_cutoff
from ansible_collections.worm.sftp.plugins.module_utils import sealing

NOW = 1_800_000_000
OPEN = {'legal_hold': None, 'release': {'cutoff_epoch': NOW - 86400, 'until_epoch': NOW + 60}}
STATES = [
    ({'legal_hold': None, 'release': None}, None),
    ({}, None),
    (OPEN, NOW - 86400),
    (dict(OPEN, release={'cutoff_epoch': NOW - 86400, 'until_epoch': NOW}), None),  # closes at until_epoch
    (dict(OPEN, legal_hold={'since': '2026-11-30T00:00:00Z', 'reason': 'case 42'}), None),
]


@pytest.mark.parametrize('state, expected', STATES)
def test_filter_and_sealer_agree(state, expected):
    assert release_cutoff(state, str(NOW)) == expected
    policy = sealing.ClientPolicy.from_json(json.dumps({'name': 'alice', 'root': '/backups/alice'}), json.dumps(state))
    assert policy.released_up_to(NOW) == expected


@pytest.mark.parametrize('state, now', [('not a dict', NOW), (OPEN, 'soon'),
                                        ({'release': {'until_epoch': 'tomorrow'}}, NOW)])
def test_unreadable_input_is_a_clear_error(state, now):
    with pytest.raises(AnsibleFilterError, match='release_cutoff'):
        release_cutoff(state, now)
