# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: duration_seconds
short_description: Seconds in a duration such as 90, 15m, 15min or 1h 30min
version_added: 0.1.0
description:
  - The same reading of durations as the role's options, the I(older_than) and I(newer_than) options of the
    modules and the sealer program, for playbooks that compute with them or hand them to another program.
  - Fails with a message naming the accepted forms when the text is not a duration.
options:
  _input:
    description:
      - A whole number of seconds (C(90)) or whole numbers each with a unit, optionally separated by spaces
        (C(90s), C(15m), C(15min), C(1h 30min), C(7d), C(2w)); units C(s), C(sec), C(second(s)), C(m), C(min),
        C(minute(s)), C(h), C(hr), C(hour(s)), C(d), C(day(s)), C(w), C(week(s)); at most C(36500d).
    type: str
    required: true
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: The end of a 24-hour window
  ansible.builtin.debug:
    msg: "{{ now_epoch | int + ('24h' | worm.sftp.duration_seconds) }}"

- name: Hand systemd seconds, never a text it might read otherwise
  ansible.builtin.debug:
    msg: "OnUnitActiveSec={{ '1h 30min' | worm.sftp.duration_seconds }}s"
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
