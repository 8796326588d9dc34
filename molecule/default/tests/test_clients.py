# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real backup programs against the target: duplicity, restic and rclone back up and restore
over SFTP from this machine through 127.0.0.1, every file they leave is sealed, and what
they (or an attacker with the same credential, using OpenSSH's sftp) try to destroy stays."""

import json
import os
import subprocess
import time

import pytest

import worm_testinfra
from worm_client import KEY, PROFILES, file_flags, wait_sealed
from worm_testinfra import fresh_dir, known_hosts, run, ssh_port, work_dir


def make_data(host, program, version):
    """A small tree to back up, changed from one version to the next (content, size and
    modification time all change, so that no program can take a file as unchanged)."""
    data = work_dir(host, 'data-' + program)
    os.makedirs(os.path.join(data, 'sub', 'deeper'), exist_ok=True)
    for rel, text in (('notes.txt', 'version %d\n' % version * version), ('.hidden', 'dot-file %d\n' % version)):
        path = os.path.join(data, rel)
        with open(path, 'w') as handle:
            handle.write(text)
        os.utime(path, (1790000000 + version * 100, 1790000000 + version * 100))
    with open(os.path.join(data, 'sub', 'deeper', 'blob-%d.bin' % version), 'wb') as handle:
        handle.write(os.urandom(150000))
    return data


def checksums(host, directory):
    return host.check_output('find %s -type f -exec sha256sum {} + | sort', directory)


# duplicity (profile duplicity): full, incremental, verify, restore; deleting old chains fails.

def duplicity(host, *args, check=True):
    if args[0] in ('full', 'incremental'):
        # duplicity names backup sets by the second: two backups within one second make
        # chains it cannot tell apart (it fails with an AssertionError in get_sorted_chains).
        time.sleep(1.1)
    options = '-oIdentityFile=%s -oUserKnownHostsFile=%s' % (KEY, known_hosts(host))
    return run(['duplicity', '--no-encryption', '--ssh-options=' + options, '--num-retries', '1'] + list(args),
               check=check)


def dup_url(host):
    return 'sftp://backup-dup@127.0.0.1:%d//dup' % ssh_port(host)


def test_duplicity_backs_up_restores_and_cannot_delete(host):
    data = make_data(host, 'duplicity', 1)
    duplicity(host, 'full', data, dup_url(host))
    make_data(host, 'duplicity', 2)
    duplicity(host, 'incremental', data, dup_url(host))
    _rc, output = duplicity(host, 'verify', dup_url(host), data)
    assert '0 differences found' in output
    restore = fresh_dir(host, 'dup-restore')
    duplicity(host, 'restore', dup_url(host), restore)
    run(['diff', '-r', data, restore])
    assert wait_sealed(host, '/backups/dup') == []
    assert len(file_flags(host, '/backups/dup')) >= 6
    duplicity(host, 'full', data, dup_url(host))
    assert wait_sealed(host, '/backups/dup') == []
    before = checksums(host, '/backups/dup')
    # Two chains now: removing the older one is refused (the profile allows no remove).
    _rc, output = duplicity(host, 'remove-all-but-n-full', '1', '--force', dup_url(host), check=False)
    assert 'Permission denied' in output or 'Failure' in output, output
    assert checksums(host, '/backups/dup') == before
    _rc, output = duplicity(host, 'verify', dup_url(host), data)
    assert '0 differences found' in output


# restic (profile restic): two backups, check --read-data, restore; prune cannot delete.

def restic(host, *args, check=True):
    ssh = 'ssh -p %d -i %s -o UserKnownHostsFile=%s -o BatchMode=yes -o LogLevel=ERROR backup-res@127.0.0.1 -s sftp' % (
        ssh_port(host), KEY, known_hosts(host))
    env = dict(os.environ, RESTIC_PASSWORD='clients-test-password')
    return run(['restic', '--no-cache', '-r', 'sftp:backup-res@127.0.0.1:/res/repo', '-o', 'sftp.command=' + ssh]
               + list(args), env=env, check=check)


def test_restic_backs_up_restores_and_prune_cannot_delete(host):
    data = make_data(host, 'restic', 1)
    restic(host, 'init')
    restic(host, 'backup', data)
    make_data(host, 'restic', 2)
    restic(host, 'backup', data)
    # locks/ stays restic's (the profile's exemption)
    assert wait_sealed(host, '/backups/res/repo', lambda rel: not rel.startswith(b'locks/')) == []
    assert len(file_flags(host, '/backups/res/repo', exclude=('/locks/',))) > 5
    restic(host, 'check', '--read-data')
    restore = fresh_dir(host, 'res-restore')
    restic(host, 'restore', 'latest', '--target', restore)
    run(['diff', '-r', data, os.path.join(restore, data.lstrip('/'))])
    before = checksums(host, '/backups/res/repo/data')
    rc, output = restic(host, 'forget', '--keep-last', '1', '--prune', check=False)
    assert rc != 0 and 'permission denied' in output.lower(), output
    assert checksums(host, '/backups/res/repo/data') == before
    restic(host, 'unlock')
    restic(host, 'check', '--read-data')
    _rc, output = restic(host, 'snapshots', '--json')
    assert len(json.loads(output.strip().splitlines()[-1])) == 2


# rclone (profile rclone): dated copies of a tree, restore; every file sealed.

def rclone(host, *args, check=True):
    return run(['rclone', '--config', '/dev/null', '--sftp-host', '127.0.0.1', '--sftp-port', str(ssh_port(host)),
                '--sftp-user', 'backup-rcl', '--sftp-key-file', KEY, '--sftp-known-hosts-file', known_hosts(host),
                '--sftp-set-modtime=false'] + list(args), check=check)


def test_rclone_copies_dated_trees_and_restores(host):
    data = make_data(host, 'rclone', 1)
    rclone(host, 'copy', data, ':sftp:/rcl/2026-11-30')
    make_data(host, 'rclone', 2)
    rclone(host, 'copy', data, ':sftp:/rcl/2026-12-01')
    assert wait_sealed(host, '/backups/rcl') == []
    assert len(file_flags(host, '/backups/rcl')) >= 7
    restore = fresh_dir(host, 'rcl-restore')
    rclone(host, 'copy', ':sftp:/rcl/2026-12-01', restore)
    run(['diff', '-r', data, restore])
    before = checksums(host, '/backups/rcl')
    rc, _output = rclone(host, 'delete', ':sftp:/rcl/2026-11-30', check=False)
    assert rc != 0
    rc, _output = rclone(host, 'sync', work_dir(host, 'empty'), ':sftp:/rcl/2026-12-01', check=False)
    assert rc != 0
    assert checksums(host, '/backups/rcl') == before


# OpenSSH sftp as an attacker holding each profile's credential.

def sftp(host, client, *commands):
    """Run sftp batch commands as the client; (rc, output)."""
    batch = '\n'.join(('cd /%s' % client,) + commands) + '\n'
    proc = subprocess.run(['sftp', '-b', '-', '-P', str(ssh_port(host)), '-i', KEY, '-o', 'BatchMode=yes',
                           '-o', 'UserKnownHostsFile=' + known_hosts(host), 'backup-%s@127.0.0.1' % client],
                          input=batch.encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
                          timeout=60)
    return proc.returncode, proc.stdout.decode(errors='replace')


@pytest.mark.parametrize('client', sorted(PROFILES))
def test_sftp_attacker_destroys_nothing(host, client):
    local = os.path.join(work_dir(host), 'attack-%s.bin' % client)
    with open(local, 'wb') as handle:
        handle.write(b'original backup volume\n')
    name = 'volume-%s.bin' % client
    target = '/backups/%s/%s' % (client, name)
    rc, output = sftp(host, client, 'put %s %s' % (local, name))
    assert rc == 0, output
    assert wait_sealed(host, target) == []
    mode_before = host.file(target).mode
    with open(local, 'wb') as handle:
        handle.write(b'ransomware was here\n')
    for command in ('rm %s' % name, 'rename %s stolen.bin' % name, 'put %s %s' % (local, name),
                    'put -a %s %s' % (local, name), 'chmod 600 %s' % name, 'symlink %s link.bin' % name,
                    'ln %s hard.bin' % name):
        rc, output = sftp(host, client, command)
        assert rc != 0, (command, output)
    assert host.file(target).content_string == 'original backup volume\n'
    assert host.file(target).mode == mode_before
    for absent in ('stolen.bin', 'link.bin', 'hard.bin'):
        assert not host.file('/backups/%s/%s' % (client, absent)).exists
    rc, output = sftp(host, client, 'mkdir newdir')
    if PROFILES[client] in ('restic', 'rclone', 'generic'):
        assert rc == 0, output
        rc, output = sftp(host, client, 'rmdir newdir')
        assert rc != 0, output
        assert host.file('/backups/%s/newdir' % client).is_directory
    else:
        assert rc != 0, output
        assert not host.file('/backups/%s/newdir' % client).exists


def test_interrupted_upload_is_sealed_and_quarantine_unblocks_the_client(host):
    local = os.path.join(work_dir(host), 'big.bin')
    with open(local, 'wb') as handle:
        handle.write(os.urandom(4 * 1024 * 1024))
    batch = 'cd /gen\nput %s big.bin\n' % local
    # 200 Kbit/s: about three minutes for the file; killed once its first bytes are on the target.
    proc = subprocess.Popen(['sftp', '-l', '200', '-b', '-', '-P', str(ssh_port(host)), '-i', KEY,
                             '-o', 'BatchMode=yes', '-o', 'UserKnownHostsFile=' + known_hosts(host),
                             'backup-gen@127.0.0.1'], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    proc.stdin.write(batch.encode())
    proc.stdin.close()
    deadline = time.time() + 60
    while host.run('stat -c %%s %s', '/backups/gen/big.bin').stdout.strip() in ('', '0') and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    proc.kill()
    proc.wait()
    assert host.file('/backups/gen/big.bin').exists
    left = wait_sealed(host, '/backups/gen/big.bin')
    assert 0 < host.file('/backups/gen/big.bin').size < 4 * 1024 * 1024
    assert left == []
    # The client cannot finish or replace it...
    rc, output = sftp(host, 'gen', 'put %s big.bin' % local)
    assert rc != 0, output
    # ...until the admin quarantines it.
    rc, output = worm_testinfra.playbook(host, 'quarantine', client='gen', files='big.bin', reason='interrupted upload')
    assert rc == 0, output[-3000:]
    rc, output = sftp(host, 'gen', 'put %s big.bin' % local)
    assert rc == 0, output
    assert host.file('/backups/gen/big.bin').size == 4 * 1024 * 1024
