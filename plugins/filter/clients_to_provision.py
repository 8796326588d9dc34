# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: clients_to_provision
short_description: The clients one provisioning run handles on a host
version_added: 0.2.0
description:
  - Used by the playbook C(provision.yml). Without a client name, every client the host's O(backup_target_clients) lists
    (from the group_vars or host_vars of the inventory), those with C(state=absent) included.
  - With a name, exactly that client, from its entry in the list when there is one, with the options given on the command
    line put over it, otherwise a new entry. Other clients are not part of the run.
  - Fails, saying what to change, when there is no client at all, when the name breaks the client-name rule, when the
    client is listed twice, or when it is listed with C(state=absent).
options:
  _input:
    description: The host's O(backup_target_clients).
    type: list
    elements: dict
    required: true
  name:
    description: The client given with C(-e client=NAME); C(none) when not given.
    type: str
  profile:
    description: The profile given on the command line; C(none) keeps the listed one.
    type: str
  ssh_keys:
    description: The public keys given on the command line; C(none) keeps the listed ones.
    type: list
    elements: str
  password_hash:
    description: The password hash given on the command line; C(none) keeps the listed one.
    type: str
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Provision the one client given, or every client in the inventory
  ansible.builtin.set_fact:
    backup_target_clients: "{{ backup_target_clients | worm.sftp.clients_to_provision(client | default(none)) }}"
'''

RETURN = r'''
_value:
  description: The entries of O(backup_target_clients) for this run.
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.worm.sftp.plugins.module_utils import clients


def clients_to_provision(listed, name=None, profile=None, ssh_keys=None, password_hash=None):
    try:
        return clients.to_provision(listed, name, dict(profile=profile, ssh_keys=ssh_keys, password_hash=password_hash))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {'clients_to_provision': clients_to_provision}
