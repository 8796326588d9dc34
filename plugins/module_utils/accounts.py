# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rules a client's name, user and password hash follow, and when an existing account or
group on the host is not one this collection may take over. The role's preflight applies them
(filters worm.sftp.client_errors and worm.sftp.account_conflicts) before anything changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from .clients import is_client_name

# useradd's own limit is 32; the client name is shorter because it also names files and units.
USER_NAME_RE = re.compile(r'[a-z][a-z0-9-]{0,31}')
# A crypt(3) hash as shadow stores it: $id$[params$]salt$hash (yescrypt $y$, SHA-512 $6$,
# bcrypt $2b$, ...). No ':' (the field separator of /etc/shadow), no whitespace, no lock prefix.
PASSWORD_HASH_RE = re.compile(r'\$[0-9a-z]{1,4}\$[./0-9A-Za-z$=,]+')


def _is_name(value, pattern):
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def client_errors(client):
    """Sentences naming what is wrong with one client's name, user and password hash (empty
    when nothing is). fullmatch: a name with a trailing newline is refused like any other
    character outside the rule ('$' in a regular expression accepts one)."""
    name, user = client.get('name'), client.get('user')
    errors = []
    if not (is_client_name(name) and _is_name(user, USER_NAME_RE)):
        errors.append(
            'Client %s (user %s): names must be lowercase letters, digits and dashes, start with a letter, '
            'at most 25 characters for the client and 32 for the user; no \'/\', \'..\', spaces or line breaks; '
            '\'dev\' is reserved (the chroot\'s /dev). Rename the client, for example alice-laptop.'
            % (_quoted(name), _quoted(user)))
    password_hash = client.get('password_hash') or ''
    if password_hash and not _is_name(password_hash, PASSWORD_HASH_RE):
        errors.append(
            'Client %s: password_hash is not a crypt(3) hash such as $y$j9T$salt$hash or $6$salt$hash (no \':\', '
            'spaces or line breaks, no \'!\' or \'*\' lock prefix): make one with mkpasswd -m yescrypt '
            '(Debian package whois) or openssl passwd -6, or give ssh_keys instead.' % _quoted(name))
    return errors


def _quoted(value):
    text = repr(value) if not isinstance(value, str) else value
    return '"%s"' % text.encode('unicode_escape').decode('ascii').replace('"', '\\"')


def account_conflicts(client, passwd, group, marker):
    """Sentences naming why the host's existing account or group for this client is not one
    the role created for it (empty when there is none, or when both are the role's).

    marker starts the comment (GECOS) field of every account the role creates, the client's
    name ends it. passwd and group are getent's databases as Ansible's getent module returns them:
    passwd[user] = [password, uid, gid, gecos, home, shell], group[name] = [password, gid, members]."""
    name, user = client['name'], client['user']
    account, own_group = passwd.get(user), group.get(user)
    errors = []
    if account is not None and account[3] != '%s %s' % (marker, name):
        errors.append(
            'User %s already exists and was not created by worm.sftp for client %s: choose another client name '
            'or user, this role never takes over an account.' % (user, name))
        return errors
    if own_group is None:
        return errors
    if account is None or str(account[2]) != str(own_group[1]):
        errors.append(
            'Group %s already exists and is not the private group of a worm.sftp account for client %s: its members '
            'would read the client\'s backups, so this role never adopts it. Remove it (groupdel %s) or choose '
            'another client name or user.' % (user, name, user))
    members = [member for member in (own_group[2] or '').split(',') if member]
    if members:
        errors.append(
            'Group %s, the private group of client %s, has members (%s) who could read the client\'s backups: '
            'take them out (gpasswd -d USER %s) and run again.' % (user, name, ', '.join(members), user))
    return errors
