# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules for client names, users and password hashes, and which existing accounts and
groups the role refuses to adopt (issue 11 item 9)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.worm.sftp.plugins.filter.account_conflicts import account_conflicts
from ansible_collections.worm.sftp.plugins.filter.client_errors import client_errors
from ansible_collections.worm.sftp.plugins.module_utils.accounts import is_client_name

MARKER = 'worm.sftp backup client'
SHA512 = '$6$wormsftptest$.Oa/r8OdY7OR9MV.3eYclfW61IVxXWDY9x20A8VsMAZzijhs52..LIIxiyI8Y4J9LIQX5SDBkgF8p0wK/TLZb.'  # openssl passwd -6 -salt wormsftptest secret
YESCRYPT = '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o7pJbQ1wCl6tXlq8uT5rGJqv3Ae0u3uZ9'
BCRYPT = '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'


def client(name='alice', user=None, password_hash=''):
    return {'name': name, 'user': user or 'backup-' + name, 'password_hash': password_hash}


@pytest.mark.parametrize('name', ['alice', 'alice-laptop', 'a', 'a' * 25, 'db-01'])
def test_valid_names(name):
    assert is_client_name(name)
    assert client_errors(client(name)) == []


@pytest.mark.parametrize('name', ['alice\n', '\nalice', 'Alice', '1alice', 'a' * 26, 'dev', '../etc', 'al ice', '',
                                  'alice/x', 'al\u00efce', None, 12])
def test_invalid_names_are_refused_with_what_to_change(name):
    assert not is_client_name(name)
    errors = client_errors({'name': name, 'user': 'backup-x'})
    assert len(errors) == 1
    assert 'names must be lowercase letters, digits and dashes' in errors[0]
    assert 'Rename the client' in errors[0]


def test_a_trailing_newline_is_shown_escaped():
    assert client_errors(client('alice\n'))[0].startswith('Client "alice\\n" (user "backup-alice\\n"): ')


@pytest.mark.parametrize('user', ['root\n', 'Backup', 'b' * 33, 'backup alice'])
def test_invalid_users_are_refused(user):
    assert 'names must be' in client_errors(client('alice', user=user))[0]


@pytest.mark.parametrize('password_hash', [SHA512, YESCRYPT, BCRYPT, '$6$rounds=5000$salt$abc./0'])
def test_crypt_hashes_are_accepted(password_hash):
    assert client_errors(client(password_hash=password_hash)) == []


@pytest.mark.parametrize('password_hash', [
    SHA512 + ':0:99999', SHA512 + '\n', '!' + SHA512, '*', 'plain-password', '$6$salt hash', 'x' + YESCRYPT])
def test_other_password_hashes_are_refused(password_hash):
    errors = client_errors(client(password_hash=password_hash))
    assert len(errors) == 1
    assert 'password_hash is not a crypt(3) hash' in errors[0]
    assert 'mkpasswd' in errors[0]


def passwd(user='backup-alice', gid='990', comment=MARKER + ' alice'):
    return {user: ['x', '990', gid, comment, '/backups/alice', '/usr/sbin/nologin']}


def groups(name='backup-alice', gid='990', members=''):
    return {name: ['x', gid, members]}


def test_nothing_there_or_both_the_roles_own():
    assert account_conflicts(client(), {}, {}, MARKER) == []
    assert account_conflicts(client(), passwd(), groups(), MARKER) == []


def test_an_account_the_role_did_not_create_is_refused():
    errors = account_conflicts(client(), passwd(comment='Alice Smith'), groups(), MARKER)
    assert errors == ['User backup-alice already exists and was not created by worm.sftp for client alice: choose '
                      'another client name or user, this role never takes over an account.']
    # Made by the role for another client: not this one's either.
    assert account_conflicts(client(), passwd(comment=MARKER + ' bob'), groups(), MARKER) != []


def test_a_group_without_the_account_is_never_adopted():
    errors = account_conflicts(client(), {}, groups(), MARKER)
    assert len(errors) == 1
    assert 'Group backup-alice already exists and is not the private group' in errors[0]
    assert 'groupdel backup-alice' in errors[0]


def test_a_group_that_is_not_the_accounts_primary_group_is_refused():
    assert 'is not the private group' in account_conflicts(client(), passwd(gid='991'), groups(), MARKER)[0]


def test_members_of_the_private_group_are_named():
    errors = account_conflicts(client(), passwd(), groups(members='bob,carol'), MARKER)
    assert errors == ['Group backup-alice, the private group of client alice, has members (bob, carol) who could read '
                      'the client\'s backups: take them out (gpasswd -d USER backup-alice) and run again.']
