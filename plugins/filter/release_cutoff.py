# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: release_cutoff
short_description: Up to which modification time a client's files are released from sealing, if at all
version_added: 0.1.0
description:
  - Reads a client's lifecycle state as the playbooks P(worm.sftp.release#playbook) and
    P(worm.sftp.legal_hold#playbook) keep it on the target, and applies the same rule the sealer applies.
  - While a release window is open and no legal hold is set, files last modified at or before the
    returned time stay unsealed; otherwise the result is V(None) and every file is to be sealed.
options:
  _input:
    description: The lifecycle state, with keys C(legal_hold) and C(release) (C(cutoff_epoch), C(until_epoch)).
    type: dict
    required: true
  now:
    description: The target's clock, in seconds since the epoch.
    type: int
    required: true
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Tell whether the release window of a client is open
  ansible.builtin.debug:
    msg: "{{ (state | worm.sftp.release_cutoff(now_epoch | int)) is not none }}"
'''

RETURN = r'''
_value:
  description: Seconds since the epoch, or V(None) when no window is open or a legal hold is set.
  type: int
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.worm.sftp.plugins.module_utils.lifecycle import release_cutoff as sealer_release_cutoff


def release_cutoff(state, now):
    if not isinstance(state, dict):
        raise AnsibleFilterError('release_cutoff expects the lifecycle state as a dictionary, got %r' % (state,))
    try:
        return sealer_release_cutoff(state, int(now))
    except (TypeError, ValueError, KeyError) as exc:
        raise AnsibleFilterError('release_cutoff cannot read the lifecycle state %r: %s' % (state, exc))


class FilterModule(object):
    def filters(self):
        return {'release_cutoff': release_cutoff}
