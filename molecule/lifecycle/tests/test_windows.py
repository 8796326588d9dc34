# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release windows for the profiles whose maintenance needs wider requests (issue 10 item 3):
duplicity (real duplicity: remove-older-than, cleanup), Duplicati (its compact and delete
reproduced with paramiko: list, get, put new volumes, remove released ones) and rclone
(delete of an old dated folder). restic's forget --prune in a window is tested in
test_lifecycle.py. Outside a window remove is refused; inside one it deletes what was
released; after the window closes (by the admin, or on time by worm-sftp-windows.timer)
remove is refused again and the newest backup of each client restores.

The clients run on this machine and reach the container over SFTP on 127.0.0.1; the tests
run in file order and build on each other.
"""

import hashlib
import io
import json
import os
import shutil
import time
import uuid
import zipfile

import paramiko
import pytest

import worm_testinfra
from worm_client import KEY, connect, dir_of, wait_sealed
from worm_testinfra import fresh_dir, known_hosts, run, ssh_port, work_dir

GROUP = 'worm-sftp-window'
DUP, DPC, RCL = 'win-dup', 'win-dpc', 'win-rcl'
CLIENTS = (DUP, DPC, RCL)


def play(host, name, client, **extra):
    """Run playbook worm.sftp.<name> for client against this container; its output."""
    rc, output = worm_testinfra.playbook(host, name, client=client, **extra)
    assert rc == 0, output[-3000:]
    return output


def members(host):
    return [m for m in host.check_output('getent group %s', GROUP).split(':')[3].split(',') if m]


def force_command(host, client):
    out = host.check_output('sshd -T -C user=backup-%s,host=localhost,addr=127.0.0.1', client)
    return [line for line in out.splitlines() if line.startswith('forcecommand ')][0]


def make_data(host, program, version):
    data = work_dir(host, 'data-' + program)
    os.makedirs(os.path.join(data, 'sub'), exist_ok=True)
    with open(os.path.join(data, 'notes.txt'), 'w') as handle:
        handle.write('version %d\n' % version * version)
    with open(os.path.join(data, 'sub', 'kept.txt'), 'w') as handle:
        handle.write('the same in every version\n')
    with open(os.path.join(data, 'sub', 'blob-%d.bin' % version), 'wb') as handle:
        handle.write(os.urandom(100000))
    return data


def removal_refused(host, client):
    """Upload a new file and try to remove it and a sealed file: True when both are refused."""
    transport, sftp = connect(host, client, in_directory=True)
    try:
        sealed = [name for name in sftp.listdir() if name.startswith(('duplicati-', 'duplicity-'))][:1]
        probe = 'probe-%s' % uuid.uuid4().hex
        sftp.putfo(io.BytesIO(b'probe\n'), probe)
        refused = 0
        for name in [probe] + sealed:
            try:
                sftp.remove(name)
            except IOError:
                refused += 1
        return refused == 1 + len(sealed) and probe in sftp.listdir()
    finally:
        transport.close()


# duplicity: real duplicity 0.8.22 over sftp:// (paramiko backend).

def duplicity(host, *args, check=True):
    if args[0] == 'full':
        time.sleep(1.1)  # duplicity names backup sets by the second
    options = '-oIdentityFile=%s -oUserKnownHostsFile=%s' % (KEY, known_hosts(host))
    return run(['duplicity', '--no-encryption', '--ssh-options=' + options, '--num-retries', '1',
                '--archive-dir', work_dir(host, 'duplicity-cache')] + list(args), check=check)


def dup_url(host):
    return 'sftp://backup-%s@127.0.0.1:%d//%s' % (DUP, ssh_port(host), DUP)


def dup_manifests(host):
    return sorted(n for n in host.check_output('ls /backups/%s', DUP).split() if n.endswith('.manifest'))


# Duplicati: its remote operations reproduced with paramiko. A dblock volume is a zip of
# blocks named by their hash, a dindex lists a dblock's hashes, a dlist maps each file of
# one backup version to its block; names as Duplicati gives them.

def dpc_name(kind):
    if kind == 'dlist':
        return 'duplicati-%s.dlist.zip' % time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    return 'duplicati-%s%s.%s.zip' % ('b' if kind == 'dblock' else 'i', uuid.uuid4().hex, kind)


def dpc_put_volume(sftp, blocks):
    """Upload a dblock with these blocks and its dindex; returns the dblock's name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as volume:
        for digest, content in sorted(blocks.items()):
            volume.writestr(digest, content)
    dblock = dpc_name('dblock')
    sftp.putfo(io.BytesIO(buffer.getvalue()), dblock)
    sftp.putfo(io.BytesIO(json.dumps({'volume': dblock, 'blocks': sorted(blocks)}).encode()), dpc_name('dindex'))
    return dblock


def dpc_index(sftp):
    """block hash -> dblock, and dblock -> its dindex, from the remote dindex files."""
    where, index_of = {}, {}
    for name in sftp.listdir():
        if name.endswith('.dindex.zip'):
            with sftp.open(name) as handle:
                index = json.loads(handle.read())
            index_of[index['volume']] = name
            for digest in index['blocks']:
                where[digest] = index['volume']
    return where, index_of


def dpc_backup(host, data):
    """Upload the blocks the remote does not have yet, then the version's dlist."""
    transport, sftp = connect(host, DPC, in_directory=True)
    try:
        where, _index_of = dpc_index(sftp)
        files, new = {}, {}
        for top, _dirs, names in os.walk(data):
            for name in names:
                with open(os.path.join(top, name), 'rb') as handle:
                    content = handle.read()
                digest = hashlib.sha256(content).hexdigest()
                files[os.path.relpath(os.path.join(top, name), data)] = digest
                if digest not in where:
                    new[digest] = content
        if new:
            dpc_put_volume(sftp, new)
        time.sleep(1.1)  # one dlist per second
        sftp.putfo(io.BytesIO(json.dumps({'files': files}).encode()), dpc_name('dlist'))
    finally:
        transport.close()


def dpc_restore(host, target):
    """Restore the newest version (newest dlist) into target."""
    transport, sftp = connect(host, DPC, in_directory=True)
    try:
        newest = sorted(n for n in sftp.listdir() if n.endswith('.dlist.zip'))[-1]
        with sftp.open(newest) as handle:
            files = json.loads(handle.read())['files']
        where, _index_of = dpc_index(sftp)
        for rel, digest in files.items():
            with sftp.open(where[digest]) as handle:
                content = zipfile.ZipFile(io.BytesIO(handle.read())).read(digest)
            os.makedirs(os.path.dirname(os.path.join(target, rel)), exist_ok=True)
            with open(os.path.join(target, rel), 'wb') as handle:
                handle.write(content)
    finally:
        transport.close()


def dpc_delete_and_compact(host):
    """Duplicati's delete (every version but the newest) and compact: volumes holding blocks
    no longer needed are downloaded, the blocks still needed are uploaded in a new volume,
    then the old volumes, their indexes and the old versions are removed."""
    transport, sftp = connect(host, DPC, in_directory=True)
    try:
        versions = sorted(n for n in sftp.listdir() if n.endswith('.dlist.zip'))
        with sftp.open(versions[-1]) as handle:
            needed = set(json.loads(handle.read())['files'].values())
        where, index_of = dpc_index(sftp)
        wasteful = sorted(set(volume for digest, volume in where.items() if digest not in needed))
        keep = {}
        for volume in wasteful:
            with sftp.open(volume) as handle:
                archive = zipfile.ZipFile(io.BytesIO(handle.read()))
                keep.update((digest, archive.read(digest)) for digest in archive.namelist() if digest in needed)
        if keep:
            dpc_put_volume(sftp, keep)
        for name in versions[:-1] + wasteful + [index_of[v] for v in wasteful]:
            sftp.remove(name)
        return len(versions) - 1, len(wasteful)
    finally:
        transport.close()


# rclone: dated copies.

def rclone(host, *args, check=True):
    return run(['rclone', '--config', '/dev/null', '--sftp-host', '127.0.0.1', '--sftp-port', str(ssh_port(host)),
                '--sftp-user', 'backup-' + RCL, '--sftp-key-file', KEY, '--sftp-known-hosts-file', known_hosts(host),
                '--sftp-set-modtime=false'] + list(args), check=check)


def restores(host):
    """The newest backup of each client restores and matches its data (diff -r)."""
    restore = fresh_dir(host, 'dup-restore')
    duplicity(host, 'restore', dup_url(host), restore)
    run(['diff', '-r', work_dir(host, 'data-duplicity'), restore])
    restore = fresh_dir(host, 'dpc-restore')
    dpc_restore(host, restore)
    run(['diff', '-r', work_dir(host, 'data-duplicati'), restore])
    restore = fresh_dir(host, 'rcl-restore')
    rclone(host, 'copy', ':sftp:/%s/2026-12-01' % RCL, restore)
    run(['diff', '-r', work_dir(host, 'data-rclone'), restore])


def test_the_window_group_and_its_closer_are_installed(host):
    assert host.group(GROUP).exists
    assert members(host) == []
    timer = host.service('worm-sftp-windows.timer')
    assert timer.is_enabled and timer.is_running
    shown = host.check_output('systemctl show -p Persistent -p AccuracyUSec -p TimersCalendar worm-sftp-windows.timer')
    assert 'Persistent=yes' in shown and 'AccuracyUSec=1s' in shown and '*-*-* *:*:00' in shown, shown
    for client in (DUP, DPC, RCL):
        assert ',remove' not in force_command(host, client)


def test_two_backups_of_each_client_are_sealed(host):
    data = make_data(host, 'duplicity', 1)
    duplicity(host, 'full', data, dup_url(host))
    duplicity(host, 'full', make_data(host, 'duplicity', 2), dup_url(host))
    assert len(dup_manifests(host)) == 2
    dpc_backup(host, make_data(host, 'duplicati', 1))
    dpc_backup(host, make_data(host, 'duplicati', 2))
    rclone(host, 'copy', make_data(host, 'rclone', 1), ':sftp:/%s/2026-11-30' % RCL)
    rclone(host, 'copy', make_data(host, 'rclone', 2), ':sftp:/%s/2026-12-01' % RCL)
    for client in CLIENTS:
        assert wait_sealed(host, dir_of(client)) == [], client


def test_outside_a_window_nothing_can_be_removed(host):
    for client in CLIENTS:
        assert removal_refused(host, client), client
    _rc, output = duplicity(host, 'remove-older-than', '1s', '--force', dup_url(host), check=False)
    assert len(dup_manifests(host)) == 2, output
    rc, _output = rclone(host, 'delete', ':sftp:/%s/2026-11-30' % RCL, check=False)
    assert rc != 0


def test_in_a_window_each_maintenance_deletes_what_was_released(host):
    for client in CLIENTS:
        output = play(host, 'release', client, older_than='0s', window='1h')
        assert 'release window open' in output
    assert sorted(members(host)) == sorted('backup-' + c for c in CLIENTS)
    for client in CLIENTS:
        assert ',remove' in force_command(host, client), client
    # duplicity: the older chain goes; the chain of the newest backup stays.
    duplicity(host, 'remove-older-than', '1s', '--force', dup_url(host))
    duplicity(host, 'cleanup', '--force', dup_url(host))
    assert len(dup_manifests(host)) == 1
    # Duplicati: delete the older version and compact.
    assert dpc_delete_and_compact(host) == (1, 1)
    # rclone: the old dated folder's files go, its directories stay (no rmdir).
    rclone(host, 'delete', ':sftp:/%s/2026-11-30' % RCL)
    assert host.check_output('find /backups/%s/2026-11-30 -type f', RCL) == ''
    assert host.file('/backups/%s/2026-11-30' % RCL).is_directory
    restores(host)


def test_after_the_close_remove_is_refused_and_the_newest_backups_restore(host):
    for client in CLIENTS:
        output = play(host, 'release', client, close=True)
        assert 'release window closed' in output
    assert members(host) == []
    for client in CLIENTS:
        assert ',remove' not in force_command(host, client), client
        assert wait_sealed(host, dir_of(client)) == [], client
        assert removal_refused(host, client), client
    restores(host)


def test_a_legal_hold_closes_the_window(host):
    play(host, 'release', RCL, older_than='0s', window='1h')
    assert members(host) == ['backup-' + RCL]
    play(host, 'legal_hold', RCL, hold=True, reason='case 2026-43')
    assert members(host) == []
    assert wait_sealed(host, dir_of(RCL)) == []
    assert removal_refused(host, RCL)
    play(host, 'legal_hold', RCL, hold=False, reason='case closed')


def user_processes(host, user):
    return [line for line in host.check_output('ps -eo user:32=').split() if line == user]


def test_a_window_closes_on_time_without_an_admin(host):
    # The timer itself is checked in the first test; here the service it starts is started
    # by hand, once inside the window and once just after it, to keep the wall time short.
    assert host.service('worm-sftp-windows.timer').is_running
    duplicity(host, 'full', make_data(host, 'duplicity', 3), dup_url(host))
    assert wait_sealed(host, dir_of(DUP)) == []
    play(host, 'release', DUP, older_than='0s', window='30s')
    until = json.loads(host.check_output('cat /var/lib/worm-sftp/state/%s.json', DUP))['release']['until_epoch']
    assert members(host) == ['backup-' + DUP]
    transport, sftp = connect(host, DUP, in_directory=True)  # opened under the window's rules, kept open across its end
    try:
        host.check_output('systemctl start worm-sftp-windows.service')
        assert time.time() < until, 'the release playbook took longer than the window'
        assert members(host) == ['backup-' + DUP]  # an open window stays open
        sftp.listdir()
        time.sleep(max(0, until - time.time()) + 1)
        host.check_output('systemctl start worm-sftp-windows.service')
        assert members(host) == []
        deadline = time.time() + 5
        while user_processes(host, 'backup-' + DUP) and time.time() < deadline:
            time.sleep(0.2)
        assert user_processes(host, 'backup-' + DUP) == []
        with pytest.raises((IOError, EOFError, paramiko.SSHException)):
            sftp.listdir()
    finally:
        transport.close()
    assert 'release window closed client=%s user=backup-%s' % (DUP, DUP) in host.check_output(
        'journalctl -t worm-sftp-windows --no-pager')
    assert ',remove' not in force_command(host, DUP)
    assert wait_sealed(host, dir_of(DUP)) == []
    assert removal_refused(host, DUP)
    restore = fresh_dir(host, 'dup-restore-timed')
    duplicity(host, 'restore', dup_url(host), restore)
    run(['diff', '-r', work_dir(host, 'data-duplicity'), restore])


@pytest.fixture(autouse=True)
def _clients_present():
    for program in ('duplicity', 'rclone'):
        if shutil.which(program) is None:
            pytest.fail('%s is not installed on this machine; scripts/test installs it' % program)
