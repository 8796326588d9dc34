#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: client_figures
short_description: Count the files of backup clients as the sweep's metrics do, and say what needs the admin
version_added: 0.2.0
description:
  - Walks each client's directory once, without following links and without changing anything, and returns the
    figures the sweep also writes for node_exporter, from the same code, so that both agree by construction. Files,
    bytes, sealed and unsealed files (by reason), overdue files, sealed empty files, released and quarantined files,
    legal hold, release window and last upload, per client; free space and inodes of each backup filesystem.
  - A file is overdue when it is unsealed although the sealer should have sealed it (open for writing, a hard link,
    or closed and due) and it was last written, or first seen unsealed by a sweep, longer ago than O(sealing_bound);
    files that cannot be read count as overdue too. A profile exemption or an open release window is not overdue.
  - Returns the alarms (overdue files, clients that could not be walked, a backup filesystem almost full, directories
    the kernel would not let the watching sealer watch in a client's last scan), and notices (directories beyond a
    client's cap of watches, sealed by its scans and the sweep by design).
options:
  clients:
    description: The clients to count; every provisioned client (a settings file in O(config_dir)) when empty.
    type: list
    elements: str
    default: []
  sealing_bound:
    description: How long a file may stay unsealed before it is overdue, a duration such as C(15m).
    type: str
    default: 15m
  full_percent:
    description: An alarm when less than this share (in percent) of a backup filesystem's space or inodes is free.
    type: int
    default: 1
  max_paths:
    description: How many example paths to return per client for overdue and for sealed empty files.
    type: int
    default: 10
  root:
    description: The backup root, whose filesystem is reported when there is no client.
    type: path
    default: /backups
  config_dir:
    description: Where the role keeps each client's settings.
    type: path
    default: /etc/worm-sftp/clients
  state_dir:
    description: Where the lifecycle states are kept.
    type: path
    default: /var/lib/worm-sftp/state
  seen_file:
    description: What the sweep has seen unsealed, and since when (a file its writer keeps fresh still grows old).
    type: path
    default: /var/lib/worm-sftp/sweep/seen.json
  watch_status_file:
    description: What the watching sealer reports of its directory watches; none when the sealer is not running.
    type: path
    default: /run/worm-sftp-sealer/watches.json
notes:
  - Needs root to read every client's files and flags. Whether an unsealed file is still open for writing is asked
    of the kernel with a read lease, as the sealer does; a client opening that file for writing at that moment waits
    the microseconds until the lease is given back.
seealso:
  - module: worm.sftp.lsattr
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: Changes nothing, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
'''

EXAMPLES = r'''
- name: Count every client's files
  worm.sftp.client_figures:
    sealing_bound: 15m
  register: figures

- name: Fail on an alarm
  ansible.builtin.assert:
    that: figures.alarms | length == 0
    fail_msg: "{{ figures.alarms | join('; ') }}"
'''

RETURN = r'''
clients:
  description: Per client, its figures (the same names as the sweep's metrics, without the C(worm_sftp_) prefix).
  returned: always
  type: list
  elements: dict
  sample:
    - {name: alice-laptop, path: /backups/alice-laptop, files: 12, bytes: 52428800, sealed_files: 11,
       unsealed_files: 1, unsealed_by_reason: {open_for_writing: 1, released: 0, exempt: 0, hard_link: 0, failed: 0,
       pending: 0}, unsealed_overdue_files: 0, unsealed_overdue_examples: [], failures: [], released_files: 0,
       sealed_empty_files: 0, sealed_empty_examples: [], quarantined_files: 0, quarantined_bytes: 0,
       last_upload_epoch: 1796205600, last_upload: '2026-12-01T10:00:00Z', legal_hold: null, release_window: null,
       release_window_open: false}
filesystem:
  description: Free and total bytes and inodes of the backup filesystem (of the first client, or of O(root)).
  returned: always
  type: dict
  sample: {path: /backups, free_bytes: 1073741824, size_bytes: 10737418240, free_inodes: 600000, inodes: 655360}
filesystems:
  description: The same for every filesystem that holds a client's directory.
  returned: always
  type: list
  elements: dict
watches:
  description:
    - What the watching sealer last reported of its directory watches (C(watches), the kernel's C(limit),
      C(per_client_cap), and per client the directories its last scan left without a watch, C(unwatched_over_cap),
      C(unwatched_limit_reached) and C(unwatched_failed)); null when the sealer is not running or has not reported yet.
  returned: always
  type: dict
  sample: {updated_epoch: 1796205600, watches: 1523, limit: 192536, per_client_cap: 10000, unwatched_over_cap: {},
           unwatched_limit_reached: {}, unwatched_failed: {}}
notices:
  description: One sentence per thing worth knowing that needs no action now (a client beyond its cap of watches).
  returned: always
  type: list
  elements: str
alarms:
  description: One sentence per reason to act now.
  returned: always
  type: list
  elements: str
at:
  description: When the count started, the target's clock (UTC).
  returned: always
  type: str
'''

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.worm.sftp.plugins.module_utils import clients, durations, figures, fsflags
from ansible_collections.worm.sftp.plugins.module_utils import lifecycle, sealing, treewalk, watches

WALK_ERRORS = (OSError, ValueError, KeyError, TypeError, treewalk.WalkError, fsflags.FlagError)


def read_seen(path, warn):
    try:
        with open(path) as handle:
            return sealing.seen_from_json(json.load(handle))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        warn('cannot read what the sweep has seen (%s): %s; unsealed files are aged by their modification time only'
             % (path, exc))
        return {}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            clients=dict(type='list', elements='str', default=[]),
            sealing_bound=dict(type='str', default='15m'),
            full_percent=dict(type='int', default=1),
            max_paths=dict(type='int', default=10),
            root=dict(type='path', default='/backups'),
            config_dir=dict(type='path', default='/etc/worm-sftp/clients'),
            state_dir=dict(type='path', default='/var/lib/worm-sftp/state'),
            seen_file=dict(type='path', default='/var/lib/worm-sftp/sweep/seen.json'),
            watch_status_file=dict(type='path', default='/run/worm-sftp-sealer/watches.json'),
        ),
        supports_check_mode=True,
    )
    fsflags.ignore_lease_breaks()
    params = module.params
    bound_error = durations.duration_error(params['sealing_bound'], 'sealing_bound')
    if bound_error:
        module.fail_json(msg=bound_error)
    wrong = [clients.name_error(name) for name in params['clients'] if not clients.is_client_name(name)]
    if wrong:
        module.fail_json(msg=' '.join(wrong))
    started = time.time()
    names = params['clients'] or clients.provisioned(params['config_dir'])
    missing = [name for name in names if not os.path.exists(clients.settings_file(params['config_dir'], name))]
    if missing:
        module.fail_json(msg='not provisioned on this host: %s (no settings in %s); check the name, or provision it '
                             'first with playbooks/provision.yml -e client=NAME'
                             % (', '.join(missing), params['config_dir']))
    seen = read_seen(params['seen_file'], module.warn)
    overdue_before = started - durations.parse_duration(params['sealing_bound'])
    per_client, failed = [], []
    for name in names:
        try:
            policy, _identity = sealing.load_client(params['config_dir'], params['state_dir'], name)
            run = figures.walk(policy, overdue_before, seen_before=(seen.get(name) or {}), seal=False,
                               max_paths=params['max_paths'])
        except WALK_ERRORS as exc:
            failed.append((name, 'cannot be walked: %s' % exc))
            continue
        if policy.state_error:
            failed.append((name, '%s; the sealer seals every file meanwhile, repair it or place a legal hold'
                           % policy.state_error))
        per_client.append(figures.of_client(policy, run, started))
    roots = sorted(set(os.path.dirname(f['path']) for f in per_client)) or [params['root']]
    filesystems = []
    for root in roots:
        try:
            filesystems.append(figures.filesystem(root))
        except OSError as exc:
            failed.append(('backup filesystem ' + root, 'cannot be read: %s' % exc))
    try:
        watch_status = watches.read_status(params['watch_status_file'])
    except (OSError, ValueError) as exc:
        watch_status = None
        failed.append(("the sealer's watch status " + params['watch_status_file'], 'cannot be read: %s' % exc))
    # Only the clients audited: a host-wide audit covers them all.
    audited = watches.of_clients(watch_status, names)
    module.exit_json(
        changed=False, at=lifecycle.iso(started), sealing_bound=params['sealing_bound'], clients=per_client,
        filesystem=filesystems[0] if filesystems else None, filesystems=filesystems, watches=watch_status,
        notices=watches.notices(audited),
        alarms=figures.alarms(per_client, failed, filesystems, params['sealing_bound'], params['full_percent'])
        + watches.alarms(audited))


if __name__ == '__main__':
    main()
