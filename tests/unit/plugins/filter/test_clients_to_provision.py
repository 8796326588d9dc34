# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which clients one run of provision.yml handles: the inventory's, or exactly the one given."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.worm.sftp.plugins.filter.clients_to_provision import clients_to_provision

KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop'
LISTED = [
    {'name': 'alice-laptop', 'profile': 'restic', 'ssh_keys': [KEY]},
    {'name': 'build', 'password_hash': '$6$salt$hash'},
    {'name': 'old-nas', 'state': 'absent'},
]


def test_without_a_name_every_listed_client_absent_ones_included():
    assert clients_to_provision(LISTED) == LISTED
    assert clients_to_provision(LISTED) is not LISTED


def test_a_listed_client_keeps_its_entry_and_takes_what_was_given():
    assert clients_to_provision(LISTED, 'alice-laptop') == [LISTED[0]]
    assert clients_to_provision(LISTED, 'alice-laptop', profile='duplicity', ssh_keys=[], password_hash='$6$x$y') == [
        {'name': 'alice-laptop', 'profile': 'duplicity', 'ssh_keys': [], 'password_hash': '$6$x$y'}]
    assert LISTED[0] == {'name': 'alice-laptop', 'profile': 'restic', 'ssh_keys': [KEY]}


def test_a_client_not_listed_is_the_only_one_of_the_run():
    assert clients_to_provision(LISTED, 'carol', ssh_keys=[KEY]) == [{'name': 'carol', 'ssh_keys': [KEY]}]
    assert clients_to_provision([], 'carol') == [{'name': 'carol'}]


@pytest.mark.parametrize('listed, name, message', [
    ([], None, r'No client to provision: give one with -e client=NAME .* or list the host\'s clients in backup_target_clients'),
    ({'name': 'alice'}, None, 'backup_target_clients must be a list of clients'),
    ('alice', 'alice', 'backup_target_clients must be a list of clients'),
    (LISTED, '', r"'' is not a client name: .* leave -e client out"),
    (LISTED, 'Alice Laptop', 'is not a client name'),
    (LISTED + [{'name': 'build'}], 'build', 'Client build is listed 2 times in backup_target_clients: keep one entry'),
    (LISTED, 'old-nas', 'Client old-nas is listed with state: absent .* set its state to present there'),
])
def test_what_to_change_is_said(listed, name, message):
    with pytest.raises(AnsibleFilterError, match=message):
        clients_to_provision(listed, name)
