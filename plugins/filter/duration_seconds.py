# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: duration_seconds
short_description: Seconds in a duration written as 90, 90s, 15m, 2h, 7d or 2w
version_added: 0.1.0
description:
  - The same reading of durations as the I(older_than) option of the modules, for playbooks that compute with them.
  - Fails with a message naming the accepted forms when the text is not a duration.
options:
  _input:
    description: A whole number with an optional unit C(s), C(m), C(h), C(d) or C(w).
    type: str
    required: true
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: The end of a 24-hour window
  ansible.builtin.debug:
    msg: "{{ now_epoch | int + ('24h' | worm.sftp.duration_seconds) }}"
'''

RETURN = r'''
_value:
  description: The duration in seconds.
  type: int
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.worm.sftp.plugins.module_utils.durations import parse_duration


def duration_seconds(text):
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {'duration_seconds': duration_seconds}
