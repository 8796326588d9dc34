# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The program that closes ended release windows (roles/backup_target/files/worm-sftp-windows),
loaded with the collection's module_utils standing in for the package installed beside it;
the group database and the commands it runs are replaced by recorders."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
import types

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import sealing, windows

PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                       'roles', 'backup_target', 'files', 'worm-sftp-windows')
Group = collections.namedtuple('Group', 'gr_name gr_passwd gr_gid gr_mem')


@pytest.fixture
def program(monkeypatch, tmp_path):
    package = types.ModuleType('wormsftp')
    package.windows, package.sealing = windows, sealing
    monkeypatch.setitem(sys.modules, 'wormsftp', package)
    monkeypatch.setattr(sys, 'path', list(sys.path))
    loader = importlib.machinery.SourceFileLoader('worm_sftp_windows', PROGRAM)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    for name in ('clients', 'state', 'pending'):
        (tmp_path / name).mkdir()
    module.CONFIG_DIR, module.STATE_DIR, module.PENDING_DIR = (str(tmp_path / n) for n in ('clients', 'state', 'pending'))
    module.commands, module.logged, module.members, module.exit_status = [], [], [], {}

    def run(argv):
        module.commands.append(argv)
        return module.exit_status.get(argv[0], 0), ''

    def getgrnam(name):
        assert name == windows.WINDOW_GROUP
        return Group(name, 'x', 995, list(module.members))

    monkeypatch.setattr(module, 'run', run)
    monkeypatch.setattr(module, 'log', lambda message, priority=None: module.logged.append(message))
    monkeypatch.setattr(module.grp, 'getgrnam', getgrnam)
    return module


def client(program, name, state):
    with open(os.path.join(program.CONFIG_DIR, name + '.json'), 'w') as handle:
        json.dump({'name': name, 'root': '/backups/' + name, 'user': 'backup-' + name}, handle)
    if state is not None:
        with open(os.path.join(program.STATE_DIR, name + '.json'), 'w') as handle:
            json.dump(state, handle)


def window(until):
    return {'legal_hold': None, 'release': {'cutoff_epoch': 0, 'until_epoch': until}}


def test_an_ended_window_is_narrowed_its_sessions_ended_and_the_sealer_kicked(program):
    now = time.time()
    client(program, 'old', window(now - 1))
    client(program, 'open', window(now + 3600))
    client(program, 'quiet', None)
    program.members[:] = ['backup-old', 'backup-open']
    assert program.main() == 0
    assert program.commands == [['gpasswd', '-d', 'backup-old', windows.WINDOW_GROUP],
                                ['pkill', '-KILL', '-u', 'backup-old']]
    assert os.listdir(program.PENDING_DIR) == ['old']
    assert program.logged == ['release window closed client=old user=backup-old: left %s, sessions ended'
                              % windows.WINDOW_GROUP]


def test_nothing_to_do_without_members(program):
    client(program, 'old', window(time.time() - 1))
    assert program.main() == 0
    assert program.commands == [] and program.logged == []


def test_unknown_members_leave_and_a_failure_is_the_exit_status(program):
    client(program, 'held', dict(window(time.time() + 3600), legal_hold={'since': 'x', 'reason': 'case'}))
    program.members[:] = ['backup-held', 'mallory']
    program.exit_status['pkill'] = 1  # no sessions
    assert program.main() == 0
    assert [c[2] for c in program.commands if c[0] == 'gpasswd'] == ['backup-held', 'mallory']
    assert sorted(os.listdir(program.PENDING_DIR)) == ['held']
    program.exit_status['gpasswd'] = 3
    assert program.main() == 1
    assert program.logged[-1].startswith('cannot take mallory out of')
    assert program.commands[-2:] == [['gpasswd', '-d', 'backup-held', windows.WINDOW_GROUP],
                                    ['gpasswd', '-d', 'mallory', windows.WINDOW_GROUP]]  # no pkill after a failure


def test_a_missing_group_is_an_error(program, monkeypatch):
    def missing(name):
        raise KeyError(name)
    monkeypatch.setattr(program.grp, 'getgrnam', missing)
    assert program.main() == 1
    assert program.logged == ['group %s does not exist' % windows.WINDOW_GROUP]
