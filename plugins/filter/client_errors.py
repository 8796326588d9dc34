# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: client_errors
short_description: What is wrong with a client's name, user or password hash
version_added: 0.1.0
description:
  - Checks one client of O(backup_target_clients) as the role completes it (C(name), C(user), C(password_hash)), without
    failing, so that the preflight can name every problem and what to change before anything changes.
  - Names are matched whole (a trailing line break is refused), the user follows useradd's rules, and a password hash must
    be a crypt(3) hash as /etc/shadow stores it.
options:
  _input:
    description: The client, a dict with C(name), C(user) and optionally C(password_hash).
    type: dict
    required: true
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Check each client before anything changes
  ansible.builtin.assert:
    that: __errors | length == 0
    fail_msg: "{{ __errors | join(' ') }}"
    quiet: true
  loop: "{{ clients }}"
  vars:
    __errors: "{{ item | worm.sftp.client_errors }}"
'''

RETURN = r'''
_value:
  description: One sentence per problem, each saying what to change; empty when the client is valid.
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.worm.sftp.plugins.module_utils.accounts import client_errors as _client_errors


def client_errors(client):
    if not isinstance(client, dict):
        raise AnsibleFilterError('client_errors expects a client (a dict with name and user), not %r' % (client,))
    return _client_errors(client)


class FilterModule(object):
    def filters(self):
        return {'client_errors': client_errors}
