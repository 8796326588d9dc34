# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How a client is named and where its things are: the one definition that the role (filter
worm.sftp.client_layout, test worm.sftp.client_name), the admin playbooks (module
worm.sftp.client_state) and the sealer use."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

# Short enough to name the account (backup-<name>), its sshd drop-in, its incron table and
# its files, within useradd's 32 characters.
NAME_RE = re.compile(r'[a-z][a-z0-9-]{0,24}')
# 'dev' is the chroot's /dev (the syslog socket of internal-sftp).
RESERVED_NAMES = ('dev',)
NAME_RULE = ("lowercase letters, digits and dashes, starting with a letter, at most 25 characters, "
             "not 'dev' (the chroot's /dev)")
USER_PREFIX = 'backup-'
# Beside the client directories, root's only: what the admin playbooks keep (the quarantine).
ADMIN_DIR = '.worm-sftp'
SETTINGS_SUFFIX = '.json'


def is_client_name(value):
    """The rule for client names, matched whole (a trailing line break is refused)."""
    return isinstance(value, str) and NAME_RE.fullmatch(value) is not None and value not in RESERVED_NAMES


def name_error(value):
    """A sentence saying what a client name must be, or '' when value is one."""
    if is_client_name(value):
        return ''
    return '%s is not a client name: use %s, for example alice-laptop.' % (_shown(value), NAME_RULE)


def _shown(value):
    return repr(value) if isinstance(value, str) else '%r (a %s)' % (value, type(value).__name__)


def user_of(name):
    """The account a client gets unless its settings name another."""
    return USER_PREFIX + name


def directory(root, name):
    """A client's directory under the backup root."""
    return os.path.join(root, name)


def quarantine_of(client_dir, name):
    """Where the quarantine keeps the files taken from a client whose directory is client_dir."""
    return os.path.join(os.path.dirname(client_dir.rstrip('/')), ADMIN_DIR, 'quarantine', name)


def settings_file(config_dir, name):
    """A client's settings, as the role writes them and the sealer reads them."""
    return os.path.join(config_dir, name + SETTINGS_SUFFIX)


def state_file(state_dir, name):
    """A client's lifecycle state (legal hold, release window), kept by worm.sftp.client_state."""
    return os.path.join(state_dir, name + SETTINGS_SUFFIX)


def name_of_settings_file(file_name):
    """The client a settings file name is for, or None when it is no client's."""
    if file_name.endswith(SETTINGS_SUFFIX) and is_client_name(file_name[:-len(SETTINGS_SUFFIX)]):
        return file_name[:-len(SETTINGS_SUFFIX)]
    return None


def provisioned(config_dir):
    """Every client with a settings file, sorted."""
    return sorted(name for name in (name_of_settings_file(entry.name) for entry in os.scandir(config_dir)) if name)


def layout(client, root, chroot, sshd_dropin_dir=None, keys_dir=None, incron_dir=None, config_dir=None):
    """Where one client's things are, from its entry in backup_target_clients (name, and user
    when not the default), the backup root and whether sessions are chrooted; with the host's
    directories for them, also its sshd block, authorized keys, incron table and settings."""
    name = client['name']
    user = client.get('user') or user_of(name)
    client_dir = directory(root, name)
    paths = dict(
        user=user,
        dir=client_dir,
        # The directory as the client's SFTP session sees it.
        path_seen='/' + name if chroot else client_dir,
        quarantine=quarantine_of(client_dir, name),
    )
    if sshd_dropin_dir:
        paths['sshd_dropin'] = os.path.join(sshd_dropin_dir, '50-worm-sftp-%s.conf' % name)
    if keys_dir:
        paths['keys_file'] = os.path.join(keys_dir, user)
    if incron_dir:
        paths['incron_table'] = os.path.join(incron_dir, 'worm-sftp-' + name)
    if config_dir:
        paths['settings_file'] = settings_file(config_dir, name)
    return paths


def to_provision(listed, name=None, given=None):
    """The clients one run of playbooks/provision.yml handles on a host: every client the host's
    backup_target_clients lists (absent ones included, which the role deprovisions) when no name
    is given; otherwise exactly the named one, its listed entry (when there is one) with what was
    given on the command line (given: option -> value, None when not given) put over it.
    ValueError says what to change."""
    if not isinstance(listed, list):
        raise ValueError('backup_target_clients must be a list of clients, for example [{name: alice-laptop}], '
                         'not %s: correct it in the inventory (group_vars or host_vars).' % _shown(listed))
    if name is None:
        if not listed:
            raise ValueError('No client to provision: give one with -e client=NAME (for example -e client=alice-laptop), '
                             'or list the host\'s clients in backup_target_clients (group_vars or host_vars).')
        return list(listed)
    if not is_client_name(name):
        raise ValueError(name_error(name) + ' Give it with -e client=NAME, or leave -e client out to provision '
                         'the clients listed in backup_target_clients.')
    entries = [entry for entry in listed if isinstance(entry, dict) and entry.get('name') == name]
    if len(entries) > 1:
        raise ValueError('Client %s is listed %d times in backup_target_clients: keep one entry.' % (name, len(entries)))
    if entries and entries[0].get('state', 'present') == 'absent':
        raise ValueError('Client %s is listed with state: absent in backup_target_clients, so the next run from the '
                         'inventory would deprovision it again: set its state to present there (or remove the '
                         'state) and run again.' % name)
    client = dict(entries[0]) if entries else {'name': name}
    client.update((option, value) for option, value in (given or {}).items() if value is not None)
    return [client]
