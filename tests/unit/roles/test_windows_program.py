# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The program that closes ended release windows (roles/backup_target/files/worm_sftp_windows.py),
loaded with the collection's module_utils standing in for the package installed beside it;
the group database and the commands it runs are replaced by recorders."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import functools
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import types

import pytest
import yaml

from ansible_collections.worm.sftp.plugins.module_utils import clients, layout, sealing, windows

PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                       'roles', 'backup_target', 'files', 'worm_sftp_windows.py')
Group = collections.namedtuple('Group', 'gr_name gr_passwd gr_gid gr_mem')


@pytest.fixture
def program(monkeypatch, tmp_path):
    package = types.ModuleType('wormsftp')
    package.windows, package.sealing, package.layout, package.clients = windows, sealing, layout, clients
    monkeypatch.setitem(sys.modules, 'wormsftp', package)
    monkeypatch.setattr(sys, 'path', list(sys.path))
    loader = importlib.machinery.SourceFileLoader('worm_sftp_windows', PROGRAM)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    for name in ('clients', 'state', 'pending'):
        (tmp_path / name).mkdir()
    # The program's paths, as attributes for the tests, and in a layout file as the role writes it.
    module.CONFIG_DIR, module.STATE_DIR, module.PENDING_DIR = (str(tmp_path / n) for n in ('clients', 'state', 'pending'))
    layout_file = str(tmp_path / layout.FILE_NAME)
    with open(layout_file, 'w') as handle:
        json.dump(dict(config_dir=module.CONFIG_DIR, state_dir=module.STATE_DIR, pending_dir=module.PENDING_DIR,
                       seen_file=str(tmp_path / 'seen.json'), watch_status_file=str(tmp_path / 'watches.json')), handle)
    monkeypatch.setattr(module, 'main', functools.partial(module.main, layout_file))
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
    # gpasswd can fail half-way: the sessions are ended all the same.
    assert program.commands[-2:] == [['gpasswd', '-d', 'mallory', windows.WINDOW_GROUP],
                                     ['pkill', '-KILL', '-u', 'mallory']]


def test_a_missing_group_is_an_error(program, monkeypatch):
    def missing(name):
        raise KeyError(name)
    monkeypatch.setattr(program.grp, 'getgrnam', missing)
    assert program.main() == 1
    assert program.logged == ['group %s does not exist' % windows.WINDOW_GROUP]


SCRIPT = r'''
set -e
mount --bind "$ETC_COPY" /etc
for dir in /usr/local/lib /var/lib /run; do mount -t tmpfs tmpfs "$dir"; done
mkdir -p /usr/local/lib/worm-sftp /etc/worm-sftp/clients /var/lib/worm-sftp/state /run/worm-sftp/pending
cp -r "$PROGRAMS"/. /usr/local/lib/worm-sftp/
groupadd -r worm-sftp-window
now=$(date +%s)
for client in ended open; do
  useradd -r -M -s /usr/sbin/nologin "backup-$client"
  printf '{"name": "%s", "root": "/backups/%s", "user": "backup-%s"}' $client $client $client \
    > /etc/worm-sftp/clients/$client.json
  gpasswd -a "backup-$client" worm-sftp-window >/dev/null
done
printf '{"release": {"cutoff_epoch": %d, "until_epoch": %d}}' $now $((now - 1)) > /var/lib/worm-sftp/state/ended.json
printf '{"release": {"cutoff_epoch": %d, "until_epoch": %d}}' $now $((now + 3600)) > /var/lib/worm-sftp/state/open.json
setpriv --reuid backup-ended --regid backup-ended --clear-groups sleep 60 >/dev/null 2>&1 &
setpriv --reuid backup-open --regid backup-open --clear-groups sleep 60 >/dev/null 2>&1 &
sleep 0.3
rc=0
setpriv --bounding-set "$BOUNDING" --inh-caps -all -- /usr/bin/python3 -I /usr/local/lib/worm-sftp/worm-sftp-windows || rc=$?
echo "rc=$rc"
sleep 0.3
echo "members=$(getent group worm-sftp-window | cut -d: -f4)"
echo "ended=$(pgrep -c -u backup-ended || true) open=$(pgrep -c -u backup-open || true)"
echo "kicked=$(ls /run/worm-sftp/pending)"
pkill -u backup-open || true
pkill -u backup-ended || true
'''


@pytest.mark.parametrize('capabilities, narrowed', [
    (None, True),                                 # the unit's bounding set (vars/main.yml)
    # Without CAP_CHOWN gpasswd rewrites /etc/group, then fails on /etc/gshadow: the program
    # reports the failure and still ends the sessions.
    (['CAP_KILL'], False),
])
def test_the_program_closes_a_window_with_the_units_capabilities_only(
        tmp_path, installed_programs, capabilities, narrowed):
    """The installed program, real gpasswd and pkill, in a private mount namespace with a copy
    of /etc (the host's own group database is never touched)."""
    for tool in ('unshare', 'setpriv', 'gpasswd', 'pkill'):
        if shutil.which(tool) is None:
            pytest.skip('%s is not installed' % tool)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(PROGRAM))))
    with open(os.path.join(repo, 'roles', 'backup_target', 'vars', 'main.yml')) as handle:
        unit_capabilities = yaml.safe_load(handle)['__backup_target_windows_capabilities']
    bounding = '-all,' + ','.join('+' + c[4:].lower() for c in (capabilities or unit_capabilities))
    programs = installed_programs()  # the role's own paths: SCRIPT makes them in its namespace
    etc_copy = tmp_path / 'etc'
    subprocess.run(['cp', '-a', '/etc', str(etc_copy)], check=True)
    proc = subprocess.run(['unshare', '-m', '--propagation', 'private', 'sh', '-c', SCRIPT],
                          env=dict(os.environ, ETC_COPY=str(etc_copy), BOUNDING=bounding, PROGRAMS=programs),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, timeout=60)
    output = proc.stdout.decode()
    assert proc.returncode == 0, output
    if narrowed:
        assert 'rc=0' in output and 'members=backup-open\n' in output, output
        assert 'ended=0 open=1' in output and 'kicked=ended\n' in output, output
    else:
        assert 'rc=1' in output and 'members=backup-open\n' in output, output
        assert 'ended=0 open=1' in output and 'kicked=ended\n' in output, output
