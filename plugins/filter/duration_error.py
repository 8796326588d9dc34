# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: duration_error
short_description: What is wrong with a duration option, or an empty string
version_added: 0.1.0
description:
  - Checks a duration the way the modules' I(older_than), the filter C(worm.sftp.duration_seconds)
    and the sealer program read it, and optionally its range, without failing, so that a preflight check can name
    the option, the value and the accepted forms before anything changes.
options:
  _input:
    description: The value of the option.
    type: raw
    required: true
  name:
    description: The option's name, to start the message with.
    type: str
    required: true
  minimum:
    description: The shortest duration allowed, itself a duration such as C(10s); none when omitted.
    type: str
  maximum:
    description: The longest duration allowed, itself a duration such as C(1d); none when omitted.
    type: str
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Check the sweep interval before anything changes
  ansible.builtin.assert:
    that: __error | length == 0
    fail_msg: "{{ __error }}"
    quiet: true
  vars:
    __error: "{{ backup_target_sweep_interval | worm.sftp.duration_error('backup_target_sweep_interval', minimum='10s') }}"
'''

RETURN = r'''
_value:
  description:
    - An empty string when the value is a duration within the range; otherwise one sentence naming the option, the
      value and the accepted forms or the range.
  type: str
'''

from ansible_collections.worm.sftp.plugins.module_utils.durations import duration_error


class FilterModule(object):
    def filters(self):
        return {'duration_error': duration_error}
