# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The examples the README shows are the files in docs/examples, which the lifecycle scenario
runs (molecule/lifecycle/tests/test_inventory.py): what a reader copies is what was tested."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EXAMPLES = os.path.join(TOP, 'docs', 'examples')


def _read(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


@pytest.mark.parametrize('example', ['site.yml', os.path.join('inventory', 'group_vars', 'backup_targets.yml')])
def test_the_readme_shows_the_example_file_whole(example):
    text = _read(EXAMPLES, example)
    assert text.startswith('---\n')
    assert '```yaml\n%s```\n' % text[len('---\n'):] in _read(TOP, 'README.md')


def test_the_example_inventory_lists_every_kind_of_client():
    clients = yaml.safe_load(_read(EXAMPLES, 'inventory', 'group_vars', 'backup_targets.yml'))['backup_target_clients']
    assert {client.get('state', 'present') for client in clients} == {'present', 'absent'}
    assert any('ssh_keys' not in client and client.get('state') != 'absent' for client in clients)  # a generated password
    hosts = yaml.safe_load(_read(EXAMPLES, 'inventory', 'hosts.yml'))
    assert list(hosts) == ['backup_targets']
