# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An attacker with the restic or rclone client's own credential, after the backups of
test_clients.py, tries to destroy every file and every directory of the client's area,
deepest first: rename, posix-rename, remove, rmdir, open for writing, setstat. Then every
restic snapshot and every rclone dated copy must restore exactly as before the attack."""

import hashlib
import io
import json
import os
import stat

from test_clients import checksums, rclone, restic
from worm_client import connect, wait_sealed
from worm_testinfra import fresh_dir, run


def entries(sftp, path, depth=0):
    """(depth, path, is_directory) of everything below path, as the client lists it."""
    found = []
    for attr in sftp.listdir_attr(path):
        child = path + '/' + attr.filename
        is_dir = stat.S_ISDIR(attr.st_mode)
        found.append((depth + 1, child, is_dir))
        if is_dir:
            found.extend(entries(sftp, child, depth + 1))
    return found


def attempts(sftp, path, is_dir):
    """Every destructive request on one entry; yields (what, succeeded)."""
    def try_it(action):
        try:
            action()
        except IOError:
            return False
        return True

    def write():
        with sftp.open(path, 'r+b') as handle:
            handle.write(b'ransomware')

    tries = [('chmod', lambda: sftp.chmod(path, 0o777)),
             ('rename', lambda: sftp.rename(path, path + '.moved')),
             ('posix-rename', lambda: sftp.posix_rename(path, path + '.px'))]
    tries += [('rmdir', lambda: sftp.rmdir(path))] if is_dir else [('write', write), ('remove', lambda: sftp.remove(path))]
    for what, action in tries:
        yield what, try_it(action)


def attack(host, client, top):
    """Attack every entry below top (the path the client sees), deepest first; what succeeded."""
    transport, sftp = connect(host, client)
    try:
        targets = sorted(entries(sftp, top), key=lambda item: -item[0])
        won = [(path, what) for _depth, path, is_dir in targets for what, ok in attempts(sftp, path, is_dir) if ok]
    finally:
        transport.close()
    return targets, won


def test_restic_repository_survives_its_own_credential(host):
    snapshots = sorted(item['short_id'] for item in json.loads(restic(host, 'snapshots', '--json')[1].strip().splitlines()[-1]))
    assert len(snapshots) == 2, snapshots
    before = {}
    for snapshot in snapshots:
        before[snapshot] = fresh_dir(host, 'res-before-' + snapshot)
        restic(host, 'restore', snapshot, '--target', before[snapshot])
    repository = checksums(host, '/backups/res/repo')
    targets, won = attack(host, 'res', '/res/repo')
    assert sum(1 for target in targets if target[2]) >= 256 + 5  # data/00..ff, data, index, keys, snapshots, locks
    assert won == []
    assert checksums(host, '/backups/res/repo') == repository
    restic(host, 'check', '--read-data')
    for snapshot in snapshots:
        after = fresh_dir(host, 'res-after-' + snapshot)
        restic(host, 'restore', snapshot, '--target', after)
        run(['diff', '-r', before[snapshot], after])


def test_rclone_copies_survive_their_own_credential(host):
    copies = sorted(name for name in host.check_output('ls /backups/rcl').split() if name.startswith('2026-'))
    assert len(copies) >= 2, copies
    stored = checksums(host, '/backups/rcl')
    targets, won = attack(host, 'rcl', '/rcl')
    assert any(is_dir for _depth, _path, is_dir in targets)
    assert won == []
    assert checksums(host, '/backups/rcl') == stored
    for copy in copies:
        restore = fresh_dir(host, 'rcl-after-' + copy)
        rclone(host, 'copy', ':sftp:/rcl/' + copy, restore)
        local = {}
        for directory, _dirs, files in os.walk(restore):
            for name in files:
                with open(os.path.join(directory, name), 'rb') as handle:
                    local['/backups/rcl/%s/%s' % (copy, os.path.relpath(os.path.join(directory, name), restore))] = \
                        hashlib.sha256(handle.read()).hexdigest()
        server = {line.split(None, 1)[1]: line.split(None, 1)[0] for line in stored.splitlines()
                  if line.split(None, 1)[1].startswith('/backups/rcl/%s/' % copy)}
        assert local == server, copy


def test_restic_credential_cannot_hide_files_behind_its_exemptions(host):
    """Issue 11 item 1: the restic profile leaves to the client only what restic writes (temp
    files and locks of the exact name form, where restic puts them, small, few and young);
    anything renamed or uploaded to look like them is sealed by the event path. In a decoy
    repository, so that the real one stays as restic left it."""
    lock = 'locks/' + '1a' * 32
    temp = 'data/00/%s-restic-temp-%s' % ('2b' * 32, '3c' * 16)
    hiding = ['locks/stolen.zip', 'index-restic-temp-x/pack', 'locks/' + '4d' * 32 + '.zip', 'locks/' + '5e' * 32]
    transport, sftp = connect(host, 'res')
    try:
        for directory in ('/res/decoy', '/res/decoy/locks', '/res/decoy/data', '/res/decoy/data/00',
                          '/res/decoy/index-restic-temp-x', '/res/crowd', '/res/crowd/locks'):
            sftp.mkdir(directory)
        for rel in (lock, temp) + tuple(hiding[:-1]):
            sftp.putfo(io.BytesIO(b'{"time": "2026-12-02T10:00:00Z"}'), '/res/decoy/' + rel)
        sftp.putfo(io.BytesIO(b'x' * 70000), '/res/decoy/' + hiding[-1])  # a lock's name, not a lock's size
        # The event path seals in milliseconds: what is still unsealed after 10 s stays so.
        assert wait_sealed(host, '/backups/res/decoy', timeout=10, at_most=2) == sorted(
            rel.encode() for rel in (lock, temp))
        # What restic writes stays restic's: it removes its own lock and temp file.
        sftp.remove('/res/decoy/' + lock)
        sftp.remove('/res/decoy/' + temp)
        for rel in hiding:
            try:
                sftp.remove('/res/decoy/' + rel)
            except IOError:
                continue
            raise AssertionError('removed %s' % rel)
        for index in range(70):  # more locks than any restic keeps: 64 at most stay the client's
            sftp.putfo(io.BytesIO(b'{}'), '/res/crowd/locks/%064x' % index)
        assert len(wait_sealed(host, '/backups/res/crowd', timeout=10, at_most=64)) == 64
    finally:
        transport.close()
