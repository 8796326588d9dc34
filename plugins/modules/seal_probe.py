#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: seal_probe
short_description: Prove that uploads of backup clients are sealed by the event path
version_added: 0.1.0
description:
  - For every client at once, creates a file as the client's user at the top of its directory and one in a new
    sub-directory, as an upload would, and waits until both carry the immutable flag.
  - Then clears the flag on the probe files and removes them and the sub-directory, so that nothing is left
    that the client sees or that grows with every run. The module reports no change.
  - Fails when a probe is not sealed within I(timeout), and says which part of the event path did not work, from
    what happened to the kick files that incron writes into I(pending_dir) for the sealer.
  - The role C(worm.sftp.backup_target) runs it at the end of provisioning; a host it accepts is a host whose
    uploads are sealed.
options:
  clients:
    description:
      - Names of the clients to probe, as the role provisioned them. Each one's directory and account are read
        from its sealer settings, C(<config_dir>/<name>.json), the same file the sealer reads.
    type: list
    elements: str
    required: true
  config_dir:
    description: Where the role keeps each client's sealer settings.
    type: path
    default: /etc/worm-sftp/clients
  pending_dir:
    description: The directory incron's kick files appear in.
    type: path
    default: /run/worm-sftp/pending
  timeout:
    description: Seconds to wait for both probe files of every client to be sealed.
    type: float
    default: 10
notes:
  - Needs root (to take the client's ids, and to clear the flag again) and the flag ioctls (x86_64, aarch64 and
    other architectures with the generic numbers).
  - The probe files are named C(.worm-sftp-probe-*); the sealer logs their sealing like any other file.
seealso:
  - module: worm.sftp.lsattr
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: In check mode nothing is created and nothing is probed.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
'''

EXAMPLES = r'''
- name: Prove the event path of two clients
  worm.sftp.seal_probe:
    clients: [alice-laptop, nas]
'''

RETURN = r'''
probes:
  description: Per client, seconds from creating the probe files to finding each sealed (null when it was not).
  returned: always
  type: list
  elements: dict
  sample: [{client: alice-laptop, sealed_after: {top: 0.012, sub_directory: 0.031}}]
failures:
  description: Per client whose probe was not sealed in time, which part of the event path did not work.
  returned: always
  type: dict
  sample: {nas: "incron did not report the upload: check that incron is running ..."}
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.worm.sftp.plugins.module_utils import fsflags, probe, sealing


def client_settings(config_dir, name):
    """name, dir and user of a client, from the sealer settings the role wrote."""
    with open(os.path.join(config_dir, name + '.json')) as handle:
        policy = sealing.ClientPolicy.from_json(handle.read())
    if policy.name != name or not policy.user:
        raise ValueError('the sealer settings of client %s do not name it and its user' % name)
    return dict(name=policy.name, dir=policy.root, user=policy.user)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            clients=dict(type='list', elements='str', required=True),
            config_dir=dict(type='path', default='/etc/worm-sftp/clients'),
            pending_dir=dict(type='path', default='/run/worm-sftp/pending'),
            timeout=dict(type='float', default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if module.check_mode:
        module.exit_json(changed=False, probes=[], failures={}, skipped=True)
    try:
        clients = [client_settings(params['config_dir'], name) for name in params['clients']]
        results, failures = probe.run_probes(clients, params['pending_dir'], params['timeout'])
    except (OSError, ValueError, probe.ProbeError, fsflags.FlagError) as exc:
        module.fail_json(msg='the probe could not run: %s' % exc)
    if failures:
        module.fail_json(msg='uploads are not sealed by the event path within %g s, so this host does not protect '
                             'them yet: %s' % (params['timeout'], '; '.join(
                                 'client %s: %s' % item for item in sorted(failures.items()))),
                         probes=results, failures=failures)
    module.exit_json(changed=False, probes=results, failures={})


if __name__ == '__main__':
    main()
