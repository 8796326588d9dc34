# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: client_layout
short_description: Where a backup client's account, directory and quarantine are
version_added: 0.2.0
description:
  - The one definition of a client's names and paths, the same the sealer and the admin modules use
    (the collection's C(module_utils/clients.py)).
  - The account is C(backup-<name>) unless the client names another C(user); the directory is C(<root>/<name>); the
    quarantine is C(<root>/.worm-sftp/quarantine/<name>).
options:
  _input:
    description: The client, a dict with C(name) and optionally C(user).
    type: dict
    required: true
  root:
    description: The backup root.
    type: path
    required: true
  chroot:
    description: Whether SFTP sessions are chrooted to the backup root (then the client sees its directory as C(/<name>)).
    type: bool
    default: true
  sshd_dropin_dir:
    description: The host's sshd drop-in directory; adds C(sshd_dropin), the client's sshd block.
    type: path
  keys_dir:
    description: Where sshd reads the authorized keys of the accounts; adds C(keys_file).
    type: path
  incron_dir:
    description: incron's system table directory; adds C(incron_table), the client's table.
    type: path
  config_dir:
    description: Where the sealer reads the client settings; adds C(settings_file), the client's.
    type: path
author:
  - worm.sftp contributors (@worm-sftp)
'''

EXAMPLES = r'''
- name: Show where alice-laptop's files go
  ansible.builtin.debug:
    msg: "{{ {'name': 'alice-laptop'} | worm.sftp.client_layout('/backups') }}"
'''

RETURN = r'''
_value:
  description: C(user), C(dir), C(path_seen) (the directory as the client's session sees it) and C(quarantine); with the
    directories given, C(sshd_dropin), C(keys_file), C(incron_table) and C(settings_file).
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.worm.sftp.plugins.module_utils import clients


def client_layout(client, root, chroot=True, sshd_dropin_dir=None, keys_dir=None, incron_dir=None, config_dir=None):
    if not isinstance(client, dict) or not isinstance(client.get('name'), str):
        raise AnsibleFilterError('client_layout expects a client (a dict with name), not %r' % (client,))
    return clients.layout(client, str(root), bool(chroot), sshd_dropin_dir=sshd_dropin_dir, keys_dir=keys_dir,
                          incron_dir=incron_dir, config_dir=config_dir)


class FilterModule(object):
    def filters(self):
        return {'client_layout': client_layout}
