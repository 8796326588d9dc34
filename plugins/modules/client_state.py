#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: client_state
short_description: Read or change the lifecycle state of a backup client (legal hold, release window)
version_added: 0.2.0
description:
  - Reads one provisioned client's settings, as the sealer reads them, and its lifecycle state, checks both, and
    with O(action) places or lifts a legal hold or opens or closes a release window, writing the state the sealer
    and C(worm-sftp-windows) honour.
  - The only writer of that state; the role C(worm.sftp.backup_admin) uses it.
  - A state file that cannot be read (the sealer then seals every file) is reported in RV(state_error) by V(read) and
    replaced by V(hold); every other action fails on it.
  - Fails, changing nothing, when the name is not a client name, the client is not provisioned, its state cannot be
    read, or the request is not valid (a release window while on legal hold, a hold without a reason).
  - Only the state changes here; sealing, unsealing and the account's group are the playbooks' next steps.
options:
  client:
    description: The client's name.
    type: str
    required: true
  action:
    description:
      - V(read) only reads.
      - V(hold) places a legal hold (one already placed is kept as it was) and ends any release window.
      - V(lift) lifts the legal hold.
      - V(open_window) opens a release window for the files last written more than O(older_than) ago, for O(window);
        asking again for the same O(older_than) while that window is open keeps it. Refused while on legal hold.
      - V(close_window) closes the release window now.
    type: str
    choices: [read, hold, lift, open_window, close_window]
    default: read
  older_than:
    description: With V(open_window), the age of the files to release, a duration such as C(180d).
    type: str
  window:
    description: With V(open_window), how long the window stays open, a duration such as C(24h).
    type: str
    default: 24h
  reason:
    description: Why, for the record. Required with V(hold) and V(open_window).
    type: str
    default: ''
  config_dir:
    description: Where the role keeps each client's settings.
    type: path
    default: /etc/worm-sftp/clients
  state_dir:
    description: Where the lifecycle states are kept.
    type: path
    default: /var/lib/worm-sftp/state
notes:
  - Needs root (the state is root's only). The time is the target's clock.
seealso:
  - module: worm.sftp.chattr
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: In check mode the new state is worked out and returned, but not written.
    support: full
  diff_mode:
    description: Returns the state before and after.
    support: full
'''

EXAMPLES = r'''
- name: Place a legal hold
  worm.sftp.client_state:
    client: alice-laptop
    action: hold
    reason: case 2026-42, counsel J. Doe

- name: Open a release window for files older than 180 days, for a day
  worm.sftp.client_state:
    client: alice-laptop
    action: open_window
    older_than: 180d
    window: 24h
    reason: retention
'''

RETURN = r'''
settings:
  description: The client's settings as the sealer reads them (C(name), C(root), C(user), C(exempt)).
  returned: always
  type: dict
state:
  description: The lifecycle state after the action.
  returned: always
  type: dict
  sample: {client: alice-laptop, legal_hold: null, release: null}
state_error:
  description: Why the state file could not be read (then RV(state) starts from no hold and no window), or null.
  returned: always
  type: str
window_open:
  description: Whether a release window is open now (and no legal hold is set).
  returned: always
  type: bool
released_age:
  description: Seconds since the cutoff of the open window (files last written at least that long ago are released),
    or null when no window is open.
  returned: always
  type: int
quarantine:
  description: Where the quarantine keeps the files taken from this client.
  returned: always
  type: str
now:
  description: The target's clock, in seconds since the epoch, as C(epoch), C(iso) and C(stamp) (for file names).
  returned: always
  type: dict
  sample: {epoch: 1796205600, iso: '2026-12-01T10:00:00Z', stamp: 20261201T100000Z}
'''

import json
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.worm.sftp.plugins.module_utils import clients, durations, lifecycle


def settings(config_dir, name):
    path = clients.settings_file(config_dir, name)
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise lifecycle.StateError(
            'client %s is not provisioned on this host (%s is missing): check the name, or provision it first with '
            'playbooks/provision.yml -e client=%s' % (name, path, name))
    except ValueError as exc:
        raise lifecycle.StateError('the settings of client %s (%s) are not JSON: %s' % (name, path, exc))
    if not isinstance(data, dict) or data.get('name') != name or not isinstance(data.get('root'), str):
        raise lifecycle.StateError('the settings of client %s (%s) do not name it and its directory: provision it '
                                   'again with playbooks/provision.yml -e client=%s' % (name, path, name))
    return dict(name=name, root=data['root'], user=data.get('user') or clients.user_of(name),
                exempt=data.get('exempt') or [])


# The actions that go on when the state on disk cannot be read.
UNREADABLE_OK = ('read', 'hold')


def seconds(text, option, minimum=None):
    error = durations.duration_error(text, option, minimum=minimum)
    if error:
        raise lifecycle.StateError(error)
    return durations.parse_duration(text)


def changed_state(params, state, now):
    action = params['action']
    if action == 'hold':
        return lifecycle.hold(state, now, params['reason'])
    if action == 'lift':
        return lifecycle.lift(state)
    if action == 'close_window':
        return lifecycle.close_window(state)
    if action == 'open_window':
        if not params['older_than']:
            raise lifecycle.StateError('say which files to release: older_than, for example 180d')
        older = seconds(params['older_than'], 'older_than (-e older_than)')
        window = seconds(params['window'], 'window (-e window)', minimum='1s')
        return lifecycle.open_window(state, now, params['older_than'], older, window, params['reason'] or 'retention')
    return state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            client=dict(type='str', required=True),
            action=dict(type='str', default='read', choices=['read', 'hold', 'lift', 'open_window', 'close_window']),
            older_than=dict(type='str'),
            window=dict(type='str', default='24h'),
            reason=dict(type='str', default=''),
            config_dir=dict(type='path', default='/etc/worm-sftp/clients'),
            state_dir=dict(type='path', default='/var/lib/worm-sftp/state'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    name = params['client']
    if not clients.is_client_name(name):
        module.fail_json(msg=clients.name_error(name))
    now = int(time.time())
    path = clients.state_file(params['state_dir'], name)
    state_error = None
    try:
        client = settings(params['config_dir'], name)
        try:
            before = lifecycle.read(path, name)
        except lifecycle.StateError as exc:
            # The sealer seals every file meanwhile. Only what cannot release anything goes on
            # from there: reading (for deprovision, quarantine) and placing a hold, which
            # replaces the unreadable state with a readable one.
            if params['action'] not in UNREADABLE_OK:
                raise lifecycle.StateError(
                    '%s (%s). Nothing is released, closed or lifted from a state that cannot be read: repair the file, '
                    'or place a legal hold (which replaces it) and lift it again.' % (exc, path))
            state_error = '%s (%s)' % (exc, path)
            before = lifecycle.empty(name)
        after = changed_state(params, before, now)
        changed = after != before or (state_error is not None and params['action'] == 'hold')
        if changed and not module.check_mode:
            lifecycle.write(path, after)
    except (lifecycle.StateError, OSError) as exc:
        module.fail_json(msg=str(exc))
    cutoff = lifecycle.release_cutoff(after, now)
    result = dict(
        changed=changed, settings=client, state=after, state_error=state_error, window_open=cutoff is not None,
        released_age=None if cutoff is None else now - cutoff,
        quarantine=clients.quarantine_of(client['root'], name),
        now=dict(epoch=now, iso=lifecycle.iso(now), stamp=lifecycle.stamp(now)))
    if module._diff:
        result['diff'] = dict(before=lifecycle.text(before), after=lifecycle.text(after))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
