# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: client_name
short_description: Whether a value is a valid worm.sftp client name
version_added: 0.1.0
description:
  - True for a string of lowercase letters, digits and dashes that starts with a letter, at most 25 characters, other than
    the reserved C(dev). The whole string must match, so a trailing line break makes it invalid.
  - The same rule as the sealer's, the admin modules' and the role's preflight (filter C(worm.sftp.client_errors)),
    defined once in the collection's C(module_utils/clients.py).
options:
  _input:
    description: The value to test.
    type: raw
    required: true
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Check the client given on the command line
  ansible.builtin.assert:
    that: client is worm.sftp.client_name
'''

RETURN = r'''
_value:
  description: Whether the value is a valid client name.
  type: bool
'''

from ansible_collections.worm.sftp.plugins.module_utils.clients import is_client_name


class TestModule(object):
    def tests(self):
        return {'client_name': is_client_name}
