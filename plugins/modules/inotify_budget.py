#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: inotify_budget
short_description: Size the kernel's inotify limits for the sealer from the host's clients
version_added: 0.2.0
description:
  - The watching sealer holds one directory watch per sub-directory of every client, up to O(per_client_cap) per
    client, under its own user. This module sizes C(fs.inotify.max_user_watches) for the host's clients (every client
    with settings in O(config_dir), and O(clients)) as their caps add up plus a quarter, bounded so that watches
    cannot take more than a tenth of the host's memory (about 1 KiB each), and C(fs.inotify.max_queued_events) to 256
    events per client (at least the kernel's default of 16384).
  - It never lowers a limit the host has now. It writes them to a sysctl.d drop-in (applied at boot) and raises the
    running kernel's values to them.
  - Where the running values cannot be changed (C(/proc/sys) read-only, as in a container), it warns and says where to
    set them; the sealer then works with the limit there is, and reports directories left without a watch (the audit
    raises an alarm, and the sweep seals them).
options:
  clients:
    description: The clients of this run, counted with those that already have settings in O(config_dir).
    type: list
    elements: str
    default: []
  config_dir:
    description: Where the role keeps each client's settings.
    type: path
    default: /etc/worm-sftp/clients
  per_client_cap:
    description: Directory watches one client may hold (the role's C(backup_target_max_watches_per_client)).
    type: int
    default: 10000
  dropin:
    description: The sysctl.d file to write.
    type: path
    default: /etc/sysctl.d/60-worm-sftp-inotify.conf
seealso:
  - module: worm.sftp.client_figures
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: Reports what would change without writing.
    support: full
  diff_mode:
    description: Shows the old and new drop-in.
    support: full
'''

EXAMPLES = r'''
- name: Size the sealer's inotify limits for the host's clients
  worm.sftp.inotify_budget:
    clients: [alice-laptop, build-server]
    per_client_cap: 10000
'''

RETURN = r'''
limits:
  description: The limits written (C(max_user_watches), C(max_queued_events)).
  returned: always
  type: dict
  sample: {max_user_watches: 192536, max_queued_events: 16384}
running:
  description: The running kernel's values after this run (before, in check mode).
  returned: always
  type: dict
  sample: {max_user_watches: 192536, max_queued_events: 16384}
clients:
  description: How many clients the budget is for.
  returned: always
  type: int
  sample: 2
needed_watches:
  description: The watches the clients may hold at their caps, with the sealer's own.
  returned: always
  type: int
  sample: 20005
bounded_by_memory:
  description: Whether the limit is below RV(needed_watches) because of the memory bound.
  returned: always
  type: bool
not_applied:
  description: The limits the running kernel would not take (a read-only C(/proc/sys)); a warning says where to set them.
  returned: always
  type: list
  elements: str
  sample: [max_user_watches]
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.worm.sftp.plugins.module_utils import atomic, clients, watches

NAMES = (watches.WATCHES, watches.QUEUED_EVENTS)


def read_file(path):
    """The text of path, or None when there is none; a link there is not followed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None  # none there, a link (ELOOP) or unreadable: replaced whole
    with os.fdopen(fd) as handle:
        return handle.read()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            clients=dict(type='list', elements='str', default=[]),
            config_dir=dict(type='path', default='/etc/worm-sftp/clients'),
            per_client_cap=dict(type='int', default=10000),
            dropin=dict(type='path', default='/etc/sysctl.d/60-worm-sftp-inotify.conf'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    wrong = [clients.name_error(name) for name in params['clients'] if not clients.is_client_name(name)]
    if wrong:
        module.fail_json(msg=' '.join(wrong))
    if params['per_client_cap'] < 1:
        module.fail_json(msg='per_client_cap is %d: give a whole number of at least 1' % params['per_client_cap'])
    try:
        provisioned = clients.provisioned(params['config_dir']) if os.path.isdir(params['config_dir']) else []
        running = dict((name, watches.kernel_limit(name)) for name in NAMES)
        memory = watches.memory_bytes()
    except (OSError, ValueError) as exc:
        module.fail_json(msg='cannot read the inotify limits or the memory of this host: %s' % exc)
    count = len(set(provisioned) | set(params['clients']))
    limits = watches.budget(count, params['per_client_cap'], running[watches.WATCHES], running[watches.QUEUED_EVENTS],
                            memory)
    content = watches.dropin(limits)
    before = read_file(params['dropin'])
    raise_now = [name for name in NAMES if limits[name] > running[name]]
    not_applied = []
    # A raise counts as a change only where it can take (not where /proc/sys is read-only), in
    # check mode as in a run.
    changed = before != content or (module.check_mode and any(
        os.access(os.path.join(watches.PROC_DIR, name), os.W_OK) for name in raise_now))
    if not module.check_mode:
        if before != content:
            try:
                atomic.replace_file(params['dropin'], content, 0o644)
            except OSError as exc:
                module.fail_json(msg='cannot write %s: %s' % (params['dropin'], exc))
        for name in raise_now:
            try:
                with open(os.path.join(watches.PROC_DIR, name), 'w') as handle:
                    handle.write('%d\n' % limits[name])
                running[name] = limits[name]
                changed = True
            except OSError as exc:
                not_applied.append(name)
                module.warn('fs.inotify.%s is %d and the sealer may need %d, but this host cannot change it (%s; in a '
                            'container, /proc/sys is read-only): set it where it can be set, on the machine that runs '
                            'this one. %s sets it at boot. Meanwhile directories left without a watch are reported by '
                            'the audit and sealed by the sweep.' % (name, running[name], limits[name], exc,
                                                                    params['dropin']))
    result = dict(changed=changed, limits=dict((name, limits[name]) for name in NAMES), running=running, clients=count,
                  needed_watches=limits['needed_watches'], bounded_by_memory=limits['bounded_by_memory'],
                  not_applied=not_applied)
    if module._diff and before != content:
        result['diff'] = dict(before=before or '', after=content, before_header=params['dropin'],
                              after_header=params['dropin'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
