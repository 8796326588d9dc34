# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sealer is not root in all but name (issue 11 item 8). As the sealer's user with the
sealer's capabilities and every other setting of worm-sftp-sealer.service (a unit that systemd
confines the same way), a process can neither read a secret nor re-mode a
root-only file; the same process outside the sandbox can (so the sandbox, not a missing
capability, is what stops it). And nobody but root
can plant a link in the kick directory that root's incron writes into."""

import base64
import os
import shlex

import pytest
import yaml

from worm_testinfra import PROJECT

ROLE_VARS = os.path.join(PROJECT, 'roles', 'backup_target', 'vars', 'main.yml')
ROOT_ONLY = '/etc/worm-sftp-test-root-only'


def sealer_identity():
    with open(ROLE_VARS) as handle:
        role_vars = yaml.safe_load(handle)
    caps = ','.join('+' + name[4:].lower() for name in role_vars['__backup_target_sealer_capabilities'])
    return role_vars['__backup_target_sealer_user'], caps, role_vars['__backup_target_layout']['pending_dir']


# Not copied: what starts the sealer, and its runtime directory, which systemd removes when the
# unit that names it stops (the test unit would take the running sealer's with it).
NOT_SANDBOX = ('Type', 'ExecStart', 'Restart', 'RestartSec', 'RuntimeDirectory', 'RuntimeDirectoryMode')


def sealer_sandbox(host):
    """The [Service] settings of the installed worm-sftp-sealer.service but what starts it:
    its user, capabilities and confinement, as systemd applies them."""
    settings, in_service = [], False
    for line in host.check_output('systemctl cat worm-sftp-sealer.service').splitlines():
        line = line.strip()
        if line.startswith('['):
            in_service = line == '[Service]'
        elif in_service and line and not line.startswith('#') and line.split('=', 1)[0] not in NOT_SANDBOX:
            settings.append(line)
    assert any(setting.startswith('ProtectSystem=') for setting in settings), settings
    return settings


TEST_UNIT = 'worm-sftp-confinement-test.service'
OUTPUT = '/run/worm-sftp-confinement-test'


class Result:
    def __init__(self, rc, stdout, stderr):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr


def as_sealer(host, argv, sandboxed=True):
    """Run argv as the sealer's user with its capabilities: in a unit with every setting of
    the sealer's own unit (sandboxed; a runtime unit, since systemd-run needs a D-Bus that
    the containers lack), or with setpriv alone."""
    if not sandboxed:
        user, caps, _pending = sealer_identity()
        return host.run(' '.join(shlex.quote(word) for word in [
            'setpriv', '--reuid=' + user, '--regid=' + user, '--clear-groups',
            '--inh-caps=' + caps, '--ambient-caps=' + caps, '--'] + argv))
    unit = '\n'.join(['[Service]', 'Type=oneshot', 'ExecStart=' + ' '.join(shlex.quote(word) for word in argv),
                      'StandardOutput=file:%s.out' % OUTPUT, 'StandardError=file:%s.err' % OUTPUT]
                     + sealer_sandbox(host)) + '\n'
    host.check_output('echo %s | base64 -d > /run/systemd/system/%s && systemctl daemon-reload',
                      base64.b64encode(unit.encode()).decode(), TEST_UNIT)
    try:
        host.run('systemctl start %s', TEST_UNIT)  # fails when the command does
        rc = int(host.check_output('systemctl show -p ExecMainStatus --value %s', TEST_UNIT))
        return Result(rc, host.check_output('cat %s.out', OUTPUT), host.check_output('cat %s.err', OUTPUT))
    finally:
        host.run('rm -f /run/systemd/system/%s %s.out %s.err; systemctl daemon-reload; systemctl reset-failed %s',
                 TEST_UNIT, OUTPUT, OUTPUT, TEST_UNIT)


def test_the_sandbox_runs_commands_as_the_sealer(host):
    """The other tests' refusals come from the sandbox, not from a command that never ran."""
    user, _caps, _pending = sealer_identity()
    result = as_sealer(host, ['sh', '-c', 'id -un; grep CapEff /proc/self/status'])
    assert result.rc == 0, result.stderr
    assert result.stdout.split()[0] == user
    assert int(result.stdout.split()[-1], 16) != 0  # its capabilities


@pytest.fixture
def root_only_file(host):
    host.check_output('install -m 0600 -o root -g root /dev/null %s', ROOT_ONLY)
    yield ROOT_ONLY
    host.run('rm -f %s', ROOT_ONLY)


def first_bytes(host, path, sandboxed):
    """The first bytes of path (hex) as the sealer reads them; '' when it reads none. The
    final 'ran' shows the command ran (an inaccessible path may read as an empty file)."""
    result = as_sealer(host, ['sh', '-c', 'head -c 16 %s | od -An -tx1; echo ran' % path], sandboxed=sandboxed)
    assert result.stdout.split()[-1:] == ['ran'], (result.stdout, result.stderr)
    return ''.join(result.stdout.split()[:-1])


@pytest.mark.parametrize('secret', ['/etc/shadow', '/etc/gshadow', '/etc/ssh/ssh_host_ed25519_key'])
def test_the_sealer_cannot_read_secrets(host, secret):
    assert first_bytes(host, secret, sandboxed=False) != ''  # CAP_DAC_READ_SEARCH would let it
    assert first_bytes(host, secret, sandboxed=True) == ''


def test_the_sealer_cannot_change_a_root_only_file(host, root_only_file):
    for argv in (['chmod', '0666', root_only_file], ['chattr', '+i', root_only_file],
                 ['chown', 'nobody', root_only_file]):
        result = as_sealer(host, argv)
        assert result.rc != 0 and 'Read-only file system' in result.stderr, (argv, result.stderr)
    assert host.check_output('stat -c "%%a %%U" %s', root_only_file) == '600 root'
    assert 'i' not in host.check_output('lsattr -d %s', root_only_file).split()[0]
    # Outside the sandbox CAP_FOWNER would have let it.
    assert as_sealer(host, ['chmod', '0644', root_only_file], sandboxed=False).rc == 0


def test_only_root_can_write_in_the_kick_directory(host):
    _user, _caps, pending = sealer_identity()
    assert host.check_output('stat -c "%%U %%G %%a" %s', pending) == 'root root 755'
    host.check_output('test -f %s/gen', pending)  # incron's kick file of client gen, never removed
    for sandboxed in (True, False):
        # Neither a new name for root to follow, nor a client's kick file replaced by a link.
        for argv in (['ln', '-s', ROOT_ONLY, pending + '/planted'], ['rm', '-f', pending + '/gen']):
            result = as_sealer(host, argv, sandboxed=sandboxed)
            assert result.rc != 0 and ('Permission denied' in result.stderr
                                       or 'Read-only file system' in result.stderr), (argv, result.stderr)
    assert not host.file(pending + '/planted').exists and host.file(pending + '/gen').is_file


def test_the_sealer_runs_confined(host):
    properties = host.check_output(
        'systemctl show -p ProtectSystem -p RestrictAddressFamilies -p NoNewPrivileges worm-sftp-sealer.service')
    assert 'ProtectSystem=strict' in properties and 'RestrictAddressFamilies=AF_UNIX' in properties
    assert 'NoNewPrivileges=yes' in properties
