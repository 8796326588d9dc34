# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: missing_capabilities
short_description: Which of the named Linux capabilities a process's status lacks
version_added: 0.1.0
description:
  - Reads the text of C(/proc/PID/status) and returns the capability names, of those asked for,
    whose bit is not set in one of its masks (by default C(CapBnd), the bounding set, which caps what
    any service started by that process can have).
  - The role uses it on PID 1 to refuse, before changing anything, a host (typically a container)
    on which the sealer could not get the capabilities it needs.
options:
  _input:
    description: The text of C(/proc/PID/status).
    type: str
    required: true
  names:
    description: Capability names such as C(CAP_LINUX_IMMUTABLE).
    type: list
    elements: str
    required: true
  field:
    description: The mask to read.
    type: str
    default: CapBnd
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Read PID 1's status
  ansible.builtin.slurp:
    src: /proc/1/status
  register: pid1

- name: Stop when systemd cannot grant the sealer its capabilities
  ansible.builtin.assert:
    that: missing | length == 0
    fail_msg: "Missing capabilities: {{ missing | join(', ') }}"
  vars:
    missing: "{{ pid1.content | b64decode | worm.sftp.missing_capabilities(['CAP_LINUX_IMMUTABLE', 'CAP_LEASE']) }}"
'''

RETURN = r'''
_value:
  description: The names whose bit is clear, in the order given; empty when none is missing.
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.worm.sftp.plugins.module_utils.capabilities import missing_capabilities as missing


def missing_capabilities(status_text, names, field='CapBnd'):
    try:
        return missing(str(status_text), list(names), field)
    except ValueError as exc:
        raise AnsibleFilterError('missing_capabilities: %s' % exc)


class FilterModule(object):
    def filters(self):
        return {'missing_capabilities': missing_capabilities}
