# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: account_conflicts
short_description: Why a host's existing account or group for a client is not the role's own
version_added: 0.1.0
description:
  - The role creates, per client, an account whose comment names the client and a private group that is the account's
    primary group and has no members. An account or group of that name that the role did not create is never adopted, since
    a local user already in the group would read the client's backups.
  - Returns nothing when neither exists, or both are as the role made them.
options:
  _input:
    description: The client, a dict with C(name) and C(user).
    type: dict
    required: true
  passwd:
    description: The passwd database as M(ansible.builtin.getent) returns it (C(ansible_facts.getent_passwd)).
    type: dict
    required: true
  group:
    description: The group database as M(ansible.builtin.getent) returns it (C(ansible_facts.getent_group)).
    type: dict
    required: true
  marker:
    description: The text that starts the comment field of every account the role creates.
    type: str
    required: true
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Check that existing accounts and groups were created by this role
  ansible.builtin.assert:
    that: __conflicts | length == 0
    fail_msg: "{{ __conflicts | join(' ') }}"
    quiet: true
  loop: "{{ clients }}"
  vars:
    __conflicts: >-
      {{ item | worm.sftp.account_conflicts(ansible_facts['getent_passwd'], ansible_facts['getent_group'],
         'worm.sftp backup client') }}
'''

RETURN = r'''
_value:
  description: One sentence per conflict, each saying what to do; empty when there is none.
  type: list
  elements: str
'''

from ansible_collections.worm.sftp.plugins.module_utils.accounts import account_conflicts


class FilterModule(object):
    def filters(self):
        return {'account_conflicts': account_conflicts}
