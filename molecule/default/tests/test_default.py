# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup target after converge: accounts, directories, incron, sshd, and real
immutability of files uploaded over SFTP from this machine through 127.0.0.1."""

import io
import os
import stat
import subprocess
import sys
import uuid

import pytest

from worm_client import SEAL_WAIT, connect, dir_of, user_of, wait_sealed

CLIENTS = {
    'alice-laptop': dict(profile='duplicati', key=True),
    'bob-server': dict(profile='duplicity', password='duplicity-test-password'),
}


@pytest.fixture(params=sorted(CLIENTS))
def client(request):
    return request.param


@pytest.fixture
def uploaded(host, client):
    """A file the client uploaded over SFTP and the target has sealed; (client, path as seen, host path)."""
    name = 'volume-%s.zip' % uuid.uuid4().hex[:8]
    transport, sftp = connect(host, client, CLIENTS[client].get('password'))
    try:
        sftp.putfo(io.BytesIO(b'backup volume\n'), name)
        seen = sftp.normalize(name)
    finally:
        transport.close()
    host_path = dir_of(client) + '/' + name
    assert wait_sealed(host, host_path) == [], 'not sealed within %d s: %s' % (SEAL_WAIT, host_path)
    return client, seen, host_path


def test_account_is_sftp_only(host, client):
    user = host.user(user_of(client))
    assert user.exists
    assert user.shell == '/usr/sbin/nologin'
    assert user.gecos == 'worm.sftp backup client ' + client
    assert user.groups == [user_of(client)]


def test_directory_is_root_owned_and_group_writable(host, client):
    directory = host.file(dir_of(client))
    assert directory.is_directory and not directory.is_symlink
    assert (directory.user, directory.group, directory.mode) == ('root', user_of(client), 0o1770)


def test_incron_table_runs_a_fixed_command(host, client):
    table = host.file('/etc/incron.d/worm-sftp-' + client)
    assert (table.user, table.mode) == ('root', 0o644)
    lines = table.content_string.strip().splitlines()
    assert lines == ['%s IN_CLOSE_WRITE,IN_MOVED_TO,recursive=false,loopable=true true >> /run/worm-sftp/pending/%s'
                     % (dir_of(client), client)]
    assert '$' not in table.content_string
    allow = host.file('/etc/incron.allow')
    assert allow.content_string.strip() == 'root' and allow.size == len('root\n')


@pytest.mark.parametrize('service', ['incron', 'ssh', 'worm-sftp-sealer', 'worm-sftp-sweep.timer',
                                     'worm-sftp-windows.timer', 'backups-dev-log.mount'])
def test_services_up(host, service):
    assert host.service(service).is_running
    assert host.service(service).is_enabled


def test_sshd_forces_sftp_without_forwarding(host, client):
    effective = dict(line.split(' ', 1) for line in host.check_output(
        'sshd -T -C user=%s,host=client.example,addr=127.0.0.1', user_of(client)).splitlines() if ' ' in line)
    words = effective['forcecommand'].split()
    # sshd hands internal-sftp at most 9 words; one more and an option is silently lost.
    assert words[0] == 'internal-sftp' and len(words) <= 9 and '-lVERBOSE' in words
    allowed = [word[2:].split(',') for word in words if word.startswith('-p')]
    assert len(allowed) == 1 and 'write' in allowed[0]
    assert '-d/' + client in words
    assert effective['disableforwarding'] == 'yes'
    assert effective['permittty'] == 'no'
    assert effective['allowtcpforwarding'] == 'no'
    assert effective['x11forwarding'] == 'no'
    assert effective['chrootdirectory'] == '/backups'
    for request in ('remove', 'rename', 'posix-rename', 'setstat', 'fsetstat', 'symlink', 'hardlink'):
        assert request not in allowed[0]


def test_other_users_unchanged(host):
    effective = dict(line.split(' ', 1) for line in host.check_output(
        'sshd -T -C user=root,host=client.example,addr=127.0.0.1').splitlines() if ' ' in line)
    assert 'forcecommand' not in effective or effective['forcecommand'] == 'none'


@pytest.mark.parametrize('attempt', ['append', 'overwrite', 'truncate', 'remove', 'rename', 'chmod'])
def test_sealed_upload_cannot_change_over_sftp(host, uploaded, attempt):
    client, seen, host_path = uploaded
    transport, sftp = connect(host, client, CLIENTS[client].get('password'))
    try:
        with pytest.raises(IOError):
            if attempt == 'append':
                with sftp.open(seen, 'a') as handle:
                    handle.write(b'tampered')
            elif attempt == 'overwrite':
                with sftp.open(seen, 'w') as handle:
                    handle.write(b'tampered')
            elif attempt == 'truncate':
                sftp.truncate(seen, 0)
            elif attempt == 'remove':
                sftp.remove(seen)
            elif attempt == 'rename':
                sftp.rename(seen, seen + '.renamed')
            else:
                sftp.chmod(seen, 0o777)
        attributes = sftp.stat(seen)
        assert attributes.st_size == len(b'backup volume\n')
        assert stat.S_IMODE(attributes.st_mode) != 0o777
    finally:
        transport.close()
    assert host.file(host_path).content_string.strip() == 'backup volume'


@pytest.mark.parametrize('command', [
    'echo tampered >> {path}', 'echo tampered > {path}', 'truncate -s 0 {path}', 'rm -f {path}',
    'mv {path} {path}.renamed', 'chmod 777 {path}', 'chmod 777 {dir}', 'chattr -i {path}',
])
def test_sealed_upload_cannot_change_as_the_user_in_a_shell(host, uploaded, command):
    client, _seen, host_path = uploaded
    run = host.run("runuser -u %s -- sh -c '%s'" % (user_of(client), command.format(path=host_path, dir=dir_of(client))))
    assert run.rc != 0, command
    assert host.file(host_path).content_string.strip() == 'backup volume'
    assert host.file(dir_of(client)).mode == 0o1770


def test_root_cannot_delete_without_clearing_the_flag(host, uploaded):
    _client, _seen, host_path = uploaded
    assert host.run('rm -f %s', host_path).rc != 0
    assert host.file(host_path).exists


@pytest.mark.parametrize('name', ['x;id>marker;#', '$(touch marker)', '`touch marker`', 'a|touch marker&'])
def test_hostile_names_are_sealed_and_run_nothing(host, client, name):
    name += '-' + uuid.uuid4().hex[:8]  # a fresh file on every run
    transport, sftp = connect(host, client, CLIENTS[client].get('password'))
    try:
        sftp.putfo(io.BytesIO(b'hostile\n'), name)
    finally:
        transport.close()
    host_path = dir_of(client) + '/' + name
    assert wait_sealed(host, host_path) == []
    assert host.run('find / -xdev -name marker -print -quit').stdout.strip() == ''


def test_reprovisioning_keeps_every_byte_and_seal(host):
    """Upload, run the converge playbook again on this host: existing data stays as it was, sealed."""
    client = 'alice-laptop'
    name = 'before-reprovision-%s.zip' % uuid.uuid4().hex[:8]
    transport, sftp = connect(host, client, CLIENTS[client].get('password'))
    try:
        sftp.putfo(io.BytesIO(b'kept\n'), name)
    finally:
        transport.close()
    assert wait_sealed(host, dir_of(client) + '/' + name) == []
    checksums = 'find /backups -xdev -type f ! -path "/backups/dev/*" -exec sha256sum {} + | sort'
    before = host.check_output(checksums)
    converge = os.path.join(os.environ['MOLECULE_SCENARIO_DIRECTORY'], 'converge.yml')
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', os.environ['MOLECULE_INVENTORY_FILE'],
         '--limit', host.backend.get_hostname(), converge],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    assert 'changed=0' in proc.stdout.decode()
    assert host.check_output(checksums) == before
    assert 'i' in host.check_output('lsattr -d %s', dir_of(client) + '/' + name).split()[0]
