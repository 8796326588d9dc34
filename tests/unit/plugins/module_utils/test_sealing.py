# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sealer's logic on a real filesystem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import pwd
import re
import subprocess
import time

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import sealing


def write(root, rel, data=b'x'):
    path = os.path.join(root, rel)
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'wb') as handle:
        handle.write(data)
    return path


@pytest.fixture
def client(workdir):
    root = os.path.join(workdir, 'alice')
    os.mkdir(root)
    return root


def seal(root, exempt=()):
    lines = []
    run = sealing.seal_client(sealing.ClientPolicy('alice', root, exempt), lines.append)
    return run, lines


def test_seals_new_files_everywhere_and_leaves_directories(client, flags_of):
    for rel in ('a.zip', '.hidden', 'sub/b.zip', 'sub/.dot/c.zip'):
        write(client, rel)
    run, lines = seal(client)
    assert run.counts['sealed'] == 4
    assert run.counts['failed'] == 0
    for rel in ('a.zip', '.hidden', 'sub/b.zip', 'sub/.dot/c.zip'):
        assert 'i' in flags_of(os.path.join(client, rel))
    for rel in ('.', 'sub', 'sub/.dot'):
        assert 'i' not in flags_of(os.path.join(client, rel))
    assert len([line for line in lines if line.startswith('sealed ')]) == 4
    run, lines = seal(client)
    assert run.counts['sealed'] == 0 and run.counts['already_sealed'] == 4 and lines == []


def test_file_still_open_for_writing_is_left_until_closed(client, flags_of):
    path = write(client, 'uploading.zip')
    writer = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        run, _lines = seal(client)
        assert run.counts['busy'] == 1 and run.counts['sealed'] == 0
        assert 'i' not in flags_of(path)
        os.write(writer, b'more')
    finally:
        os.close(writer)
    run, _lines = seal(client)
    assert run.counts['sealed'] == 1
    assert 'i' in flags_of(path)


def test_overdue_is_how_long_sweeps_have_seen_a_file_unsealed_not_its_modification_time(client, flags_of):
    """Issue 11 item 6: a file held open and written now and then keeps a fresh modification
    time; it is overdue once sweeps have seen it unsealed for longer than the bound."""
    path = write(client, 'held-open.zip')
    policy = sealing.ClientPolicy('alice', client)
    bound = 900
    with open(path, 'ab') as writer:
        first = sealing.seal_client(policy, lambda line: None, overdue_before=time.time() - bound)
        assert first.counts['busy'] == 1 and first.counts['overdue'] == 0
        inode = str(os.stat(path).st_ino)
        assert list(first.seen['unsealed']) == [inode] and first.seen['exempt'] == {}
        writer.write(b'refreshed')  # the client keeps the modification time fresh
        writer.flush()
        # The next sweep, as if the first had run more than the bound ago.
        seen_long_ago = {'unsealed': {inode: first.seen['unsealed'][inode] - bound - 60}}
        later = sealing.seal_client(policy, lambda line: None, overdue_before=time.time() - bound,
                                    seen_before=seen_long_ago)
        assert later.counts['busy'] == 1 and later.counts['overdue'] == 1
        assert later.seen['unsealed'] == seen_long_ago['unsealed']  # the clock runs from the first sighting
    done = sealing.seal_client(policy, lambda line: None, overdue_before=time.time() - bound,
                               seen_before=seen_long_ago)
    assert done.counts['sealed'] == 1 and done.seen == {'unsealed': {}, 'exempt': {}}
    assert 'i' in flags_of(path)


def test_a_time_from_the_future_in_the_memory_cannot_delay_the_alarm(client):
    path = write(client, 'old.zip')
    os.utime(path, (time.time() - 3600, time.time() - 3600))
    with open(path, 'ab'):
        run = sealing.seal_client(sealing.ClientPolicy('alice', client), lambda line: None,
                                  overdue_before=time.time() - 900,
                                  seen_before={'unsealed': {str(os.stat(path).st_ino): time.time() + 10 ** 9}})
    assert run.counts['overdue'] == 1
    assert run.seen['unsealed'][str(os.stat(path).st_ino)] <= time.time()


def test_duplicated_write_descriptor_keeps_it_open(client, flags_of):
    path = write(client, 'dup.zip')
    writer = os.open(path, os.O_WRONLY)
    copy = os.dup(writer)
    os.close(writer)
    try:
        assert seal(client)[0].counts['busy'] == 1
    finally:
        os.close(copy)
    assert seal(client)[0].counts['sealed'] == 1


def test_reader_does_not_block_sealing(client, flags_of):
    path = write(client, 'being-read.zip')
    with open(path, 'rb'):
        assert seal(client)[0].counts['sealed'] == 1


ROLE_VARS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))), 'roles', 'backup_target', 'vars', 'main.yml')


def restic_rules():
    """The restic profile's exemptions, as the role writes them into the client's settings."""
    import yaml
    with open(ROLE_VARS) as handle:
        return yaml.safe_load(handle)['__backup_target_profiles']['restic']['exempt']


def restic_seal(root, seen_before=None):
    lines = []
    return sealing.seal_client(sealing.ClientPolicy('alice', root, restic_rules()), lines.append,
                               seen_before=seen_before), lines


HEX64, HEX32 = 'ab' * 32, '0f' * 16


# What restic's sftp backend writes (repository at the top or one directory down): left to it.
RESTIC_MUTABLE = ['locks/' + HEX64, 'repo/locks/' + HEX64, 'config-restic-temp-' + HEX32,
                  'data/ab/%s-restic-temp-%s' % (HEX64, HEX32), 'repo/index/%s-restic-temp-%s' % (HEX64, HEX32),
                  'repo/snapshots/%s-restic-temp-%s' % (HEX64, HEX32), 'keys/%s-restic-temp-%s' % (HEX64, HEX32),
                  'locks/%s-restic-temp-%s' % (HEX64, HEX32)]
# Issue 11 item 1: names that the old shell patterns exempted, or near misses; all sealed.
HIDING_PLACES = ['locks/stolen.zip', 'repo/locks/released-pack', 'index-restic-temp-x/pack',
                 'repo/index-restic-temp-x/pack', 'locks/%s/inside' % ('12' * 32), 'a/b/locks/' + HEX64,
                 'locks/' + HEX64.upper(), 'locks/' + HEX64[:-1], 'data/%s-restic-temp-%s' % (HEX64, HEX32),
                 'data/ab/%s-restic-temp-%s' % (HEX64, HEX32[:-1]), 'data/abc/%s-restic-temp-%s' % (HEX64, HEX32),
                 'blob-restic-temp-77', 'repo/locks/%s.bak' % HEX64, 'config', 'data/ab/' + HEX64]


def test_exemptions_cover_exactly_what_restic_writes(client, flags_of):
    for rel in RESTIC_MUTABLE + HIDING_PLACES:
        write(client, rel)
    run, _lines = restic_seal(client)
    assert run.counts['exempt'] == len(RESTIC_MUTABLE)
    assert run.counts['sealed'] == len(HIDING_PLACES)
    assert [rel for rel in RESTIC_MUTABLE if 'i' in flags_of(os.path.join(client, rel))] == []
    assert [rel for rel in HIDING_PLACES if 'i' not in flags_of(os.path.join(client, rel))] == []
    # restic renames its temp file once complete: the new name is sealed.
    temp = os.path.join(client, 'data/ab/%s-restic-temp-%s' % (HEX64, HEX32))
    os.rename(temp, os.path.join(client, 'data/ab', 'cd' * 32))
    run, _lines = restic_seal(client)
    assert run.counts['sealed'] == 1 and 'i' in flags_of(os.path.join(client, 'data/ab', 'cd' * 32))


def test_exempt_files_beyond_a_bound_are_sealed(client, flags_of):
    big_lock = write(client, 'locks/' + 'cd' * 32, b'x' * 65537)
    old_lock = write(client, 'locks/' + 'ef' * 32)
    os.utime(old_lock, (time.time() - 31 * 60, time.time() - 31 * 60))
    many = [write(client, 'repo/locks/%064x' % index) for index in range(65)]
    run, _lines = restic_seal(client)
    assert 'i' in flags_of(big_lock) and 'i' in flags_of(old_lock)
    assert run.counts['exempt'] == 64 and run.counts['sealed'] == 3
    assert len([path for path in many if 'i' in flags_of(path)]) == 1


def test_an_exempt_file_ages_from_when_the_sealer_first_saw_it_closed(client, flags_of):
    """A client can keep the modification time fresh (restic's profile has fsetstat); the
    sealer's own first sighting bounds the age anyway."""
    lock = write(client, 'locks/' + HEX64)
    first, _lines = restic_seal(client)
    inode = str(os.stat(lock).st_ino)
    assert first.counts['exempt'] == 1 and list(first.seen['exempt']) == [inode]
    future = time.time() + 86400
    os.utime(lock, (future, future))
    # The next sweep, as if the first had run 31 minutes ago.
    seen = {'exempt': {inode: first.seen['exempt'][inode] - 31 * 60}}
    later, _lines = restic_seal(client, seen_before=seen)
    assert later.counts['sealed'] == 1 and 'i' in flags_of(lock)


def test_a_file_being_written_is_not_judged_by_an_exemption_until_closed(client, flags_of):
    temp = write(client, 'data/ab/%s-restic-temp-%s' % (HEX64, HEX32))
    with open(temp, 'ab'):
        run, _lines = restic_seal(client)
    assert run.counts['busy'] == 1 and run.seen['exempt'] == {}
    assert 'i' not in flags_of(temp)


def test_settings_from_an_older_role_exempt_nothing(client, flags_of):
    lock = write(client, 'locks/' + HEX64)
    run = sealing.seal_client(sealing.ClientPolicy('alice', client, ['locks/*', '*-restic-temp-*']), lambda line: None)
    assert run.counts['sealed'] == 1 and 'i' in flags_of(lock)


@pytest.mark.parametrize('change, message', [
    ({'max_age': '15mins'}, "unknown unit 'mins'"),
    ({'path': '(['}, 'is not a regular expression'),
    ({'max_count': -1}, 'max_count must be a whole number'),
    ({'max_bytes': '1k'}, 'max_bytes must be a whole number'),
    ({'extra': 1}, 'an exemption needs exactly'),
])
def test_a_bad_exemption_is_refused_with_what_is_wrong(change, message):
    rule = dict(restic_rules()[0], **change)
    with pytest.raises(ValueError, match=re.escape(message)):
        sealing.ClientPolicy('alice', '/x', [rule])


def test_links_never_followed(client, workdir, flags_of):
    decoy = write(workdir, 'decoy/file')
    os.symlink(os.path.dirname(decoy), os.path.join(client, 'dir-link'))
    os.symlink(decoy, os.path.join(client, 'file-link'))
    run, _lines = seal(client)
    assert run.counts['skipped_symlinks'] == 2 and run.counts['sealed'] == 0
    assert 'i' not in flags_of(decoy)


def test_hard_link_to_someone_elses_file_is_not_sealed(client, workdir, flags_of):
    decoy = write(workdir, 'decoy/shadow')
    os.link(decoy, os.path.join(client, 'linked'))
    lines = []
    nobody = sealing.ClientPolicy('alice', client, user='nobody')
    run = sealing.seal_client(nobody, lines.append)
    assert run.counts['hard_linked'] == 1 and run.counts['sealed'] == 0
    assert 'i' not in flags_of(decoy)
    assert 'hard link' in lines[0] and '"linked"' in lines[0]
    # The client's own file under two names is its data: sealed (root plays the client here).
    run = sealing.seal_client(sealing.ClientPolicy('alice', client, user='root'), lines.append)
    assert run.counts['sealed'] == 1 and 'i' in flags_of(decoy)


@pytest.mark.parametrize('name', ['x;id>marker;#', '$(touch marker)', 'new\nline', 'tab\there', '-leading', '`id`'])
def test_hostile_names_are_sealed_and_logged_escaped(client, flags_of, name):
    path = write(client, name)
    run, lines = seal(client)
    assert run.counts['sealed'] == 1
    assert 'i' in flags_of(path)
    assert len(lines) == 1 and '\n' not in lines[0]
    assert json.dumps(name) in lines[0]
    assert not os.path.exists(os.path.join(client, 'marker'))


@pytest.mark.parametrize('name', ['../etc', 'Alice', 'a/b', '', 'x' * 26])
def test_policy_refuses_names_that_are_not_client_names(name):
    with pytest.raises(ValueError):
        sealing.ClientPolicy.from_json(json.dumps({'name': name, 'root': '/x'}))


def test_policy_reads_the_role_settings():
    policy = sealing.ClientPolicy.from_json(json.dumps(
        {'name': 'a', 'root': '/backups/a', 'exempt': restic_rules(), 'user': 'backup-a'}))
    assert (policy.name, policy.root, policy.user) == ('a', '/backups/a', 'backup-a')
    assert [rule.name for rule in policy.exemptions] == ['restic temp file', 'restic lock']
    assert policy.user_uid() is None


def test_remembered_inodes_skip_sealed_files_without_opening_them(client, flags_of, monkeypatch):
    write(client, 'old.zip')
    write(client, 'sub/older.zip')
    sealed_inodes = {}
    policy = sealing.ClientPolicy('alice', client)
    first = sealing.seal_client(policy, lambda line: None, sealed_inodes)
    assert first.counts['sealed'] == 2
    assert sealed_inodes == {os.stat(os.path.join(client, rel)).st_ino: os.stat(os.path.join(client, rel)).st_ctime_ns
                             for rel in ('old.zip', 'sub/older.zip')}
    write(client, 'new.zip')
    opened = []
    real_open_file = sealing.treewalk.open_file
    monkeypatch.setattr(sealing.treewalk, 'open_file', lambda item: opened.append(item.relpath) or real_open_file(item))
    second = sealing.seal_client(policy, lambda line: None, sealed_inodes)
    assert opened == ['new.zip']
    assert second.counts['sealed'] == 1 and second.counts['already_sealed'] == 2
    assert 'i' in flags_of(os.path.join(client, 'new.zip'))


def test_without_remembered_inodes_every_file_is_checked(client, flags_of):
    write(client, 'a.zip')
    sealed_inodes = {}
    seal_once = sealing.seal_client(sealing.ClientPolicy('alice', client), lambda line: None, sealed_inodes)
    assert seal_once.counts['sealed'] == 1
    # An admin unseals the file: a run with a fresh memory finds and seals it again.
    subprocess.run(['chattr', '-i', os.path.join(client, 'a.zip')], check=True)
    run, _lines = seal(client)
    assert run.counts['sealed'] == 1
    assert 'i' in flags_of(os.path.join(client, 'a.zip'))


def test_remembered_file_that_changed_since_is_checked_again(client, flags_of):
    """The memory is no identity by inode number alone: a file unsealed by root after it was
    remembered, and a new file that got a freed inode number, are both opened and sealed."""
    for rel in ('unsealed-by-root.zip', 'purged.zip'):
        write(client, rel)
    sealed_inodes = {}
    policy = sealing.ClientPolicy('alice', client)
    assert sealing.seal_client(policy, lambda line: None, sealed_inodes).counts['sealed'] == 2
    subprocess.run(['chattr', '-i', os.path.join(client, 'unsealed-by-root.zip')], check=True)
    # A purge frees an inode; the next upload gets the same number from the filesystem
    # (ext4 hands a freed number out again at once; which number cannot be forced, so the
    # memory is given the new file's number under the old file's change time instead).
    purged = os.path.join(client, 'purged.zip')
    old_ctime = os.stat(purged).st_ctime_ns
    subprocess.run(['chattr', '-i', purged], check=True)
    os.unlink(purged)
    write(client, 'new-upload.zip')
    sealed_inodes[os.stat(os.path.join(client, 'new-upload.zip')).st_ino] = old_ctime
    run = sealing.seal_client(policy, lambda line: None, sealed_inodes)
    assert run.counts['sealed'] == 2 and run.counts['already_sealed'] == 0
    assert 'i' in flags_of(os.path.join(client, 'unsealed-by-root.zip'))
    assert 'i' in flags_of(os.path.join(client, 'new-upload.zip'))


def aged(path, days):
    then = time.time() - days * 86400
    os.utime(path, (then, then))
    return path


def window_state(cutoff, until, legal_hold=None):
    return json.dumps({'legal_hold': legal_hold, 'release': {'cutoff_epoch': cutoff, 'until_epoch': until}})


def test_open_release_window_leaves_released_files_unsealed_and_seals_new_ones(client, flags_of):
    old = aged(write(client, 'old.zip'), 200)
    new = write(client, 'new.zip')
    now = time.time()
    policy = sealing.ClientPolicy.from_json(json.dumps({'name': 'alice', 'root': client}),
                                            window_state(now - 180 * 86400, now + 3600))
    run = sealing.seal_client(policy, lambda line: None)
    assert run.counts['released'] == 1 and run.counts['sealed'] == 1
    assert 'i' not in flags_of(old) and 'i' in flags_of(new)


def test_closed_window_or_legal_hold_seals_everything(client, flags_of):
    now = time.time()
    for state in (window_state(now - 180 * 86400, now - 1),
                  window_state(now - 180 * 86400, now + 3600, legal_hold={'since': 'x', 'reason': 'y'})):
        path = aged(write(client, 'old-%d.zip' % len(os.listdir(client))), 200)
        policy = sealing.ClientPolicy.from_json(json.dumps({'name': 'alice', 'root': client}), state)
        run = sealing.seal_client(policy, lambda line: None)
        assert run.counts['released'] == 0 and 'i' in flags_of(path)


def test_load_client_identity_follows_settings_and_state(client, workdir):
    config_dir, state_dir = os.path.join(workdir, 'clients'), os.path.join(workdir, 'state')
    os.mkdir(config_dir)
    os.mkdir(state_dir)
    with open(os.path.join(config_dir, 'alice.json'), 'w') as handle:
        json.dump({'name': 'alice', 'root': client, 'exempt': restic_rules()}, handle)
    policy, first = sealing.load_client(config_dir, state_dir, 'alice')
    assert len(policy.exemptions) == 2 and policy.released_up_to(time.time()) is None and first[1] is None
    with open(os.path.join(state_dir, 'alice.json'), 'w') as handle:
        handle.write(window_state(100, time.time() + 60))
    policy, second = sealing.load_client(config_dir, state_dir, 'alice')
    assert second != first and policy.released_up_to(time.time()) == 100
    with pytest.raises(ValueError):
        sealing.load_client(config_dir, state_dir, '../etc/passwd')
    with pytest.raises(FileNotFoundError):
        sealing.load_client(config_dir, state_dir, 'bob')


def test_every_walked_directory_is_reported_with_an_open_fd(client, workdir):
    write(client, 'top.zip')
    write(client, 'data/4a/pack')
    write(client, '.hidden/x')
    os.symlink(workdir, os.path.join(client, 'link-to-outside'))
    seen = []
    sealing.seal_client(sealing.ClientPolicy('alice', client), lambda line: None,
                        on_directory=lambda fd, relpath: seen.append((relpath, os.fstat(fd).st_ino)))
    assert sorted(relpath for relpath, _ino in seen) == ['.', '.hidden', 'data', 'data/4a']
    for relpath, inode in seen:
        assert inode == os.stat(os.path.join(client, relpath)).st_ino


def test_a_file_made_while_its_directory_is_reported_is_in_the_same_walk(client, flags_of):
    """The watching sealer puts a directory under watch when the walk reports it: a file the
    client finishes in that directory just then has no event to come, so the walk must list
    the directory after reporting it (the upload that stayed unsealed in CI: a new
    sub-directory and its file, made between the listing and the watch)."""
    write(client, 'new/first.zip')
    made = []

    def on_directory(fd, relpath):
        if relpath == 'new':
            made.append(write(client, 'new/just-then.zip'))

    run = sealing.seal_client(sealing.ClientPolicy('alice', client), lambda line: None, on_directory=on_directory)
    assert made and 'i' in flags_of(made[0])
    assert run.counts['sealed'] == 2


# Directories: taken over once seen, so the client cannot rename, remove or chmod them.

@pytest.fixture
def client_of_nobody(workdir):
    """A client directory as the role makes it, for the user nobody: root's, nobody's group, 1770."""
    nobody = pwd.getpwnam('nobody')
    os.chmod(workdir, 0o711)  # the client reaches its directory by path
    root = os.path.join(workdir, 'nobody-client')
    os.mkdir(root)
    os.chown(root, 0, nobody.pw_gid)
    os.chmod(root, sealing.DIRECTORY_MODE)
    return root, nobody


def as_user(account, action):
    """Run action() in a child process with the account's ids; returns the errno it raised, or 0."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            action()
        except OSError as exc:
            code = exc.errno or 255
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_directories_the_client_made_are_taken_over(client_of_nobody):
    root, nobody = client_of_nobody
    assert as_user(nobody, lambda: (os.makedirs(os.path.join(root, 'repo', 'data', '00'), 0o700),
                                    os.chmod(os.path.join(root, 'repo'), 0o777))) == 0
    subprocess.run(['setfacl', '-m', 'u:root:rwx', '-m', 'd:u:root:rwx', os.path.join(root, 'repo')], check=True)
    run, lines = seal(root)
    assert run.counts['directories_taken_over'] == 3 and run.counts['failed'] == 0
    for rel in ('repo', 'repo/data', 'repo/data/00'):
        st = os.stat(os.path.join(root, rel))
        assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, nobody.pw_gid, sealing.DIRECTORY_MODE), rel
    assert subprocess.run(['getfacl', '-cs', os.path.join(root, 'repo')], stdout=subprocess.PIPE,
                          check=True).stdout == b''
    assert any('took over directory client=alice path="repo/data/00" from uid %d mode 0700' % nobody.pw_uid in line
               for line in lines)
    # What the kernel now refuses the client, deepest first, and what it still allows.
    data = os.path.join(root, 'repo', 'data')
    assert as_user(nobody, lambda: os.rename(os.path.join(data, '00'), os.path.join(data, 'moved'))) == errno.EPERM
    assert as_user(nobody, lambda: os.rmdir(os.path.join(data, '00'))) == errno.EPERM
    assert as_user(nobody, lambda: os.rename(os.path.join(root, 'repo'), os.path.join(root, 'other'))) == errno.EPERM
    assert as_user(nobody, lambda: os.chmod(os.path.join(root, 'repo'), 0o700)) == errno.EPERM
    temp = os.path.join(data, '00', 'pack-restic-temp-1')
    assert as_user(nobody, lambda: (write(os.path.join(data, '00'), 'pack-restic-temp-1'),
                                    os.rename(temp, os.path.join(data, '00', 'pack')),
                                    os.mkdir(os.path.join(data, '01')))) == 0
    assert os.stat(os.path.join(data, '01')).st_gid == nobody.pw_gid  # the client's own group
    # A second scan changes nothing it has already taken over.
    run, _lines = seal(root)
    assert run.counts['directories_taken_over'] == 1  # data/01, new since
    assert seal(root)[0].counts['directories_taken_over'] == 0


# Depth (issue 11 item 5): the walk keeps at most treewalk.MAX_OPEN_DIRS directories open.
def nested(root, depth, name='d'):
    """A chain of depth directories below root, made through fds (no path is ever longer
    than one name); returns the relative path of the deepest."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _level in range(depth):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        with open(os.open('deep.zip', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), 'wb') as handle:
            handle.write(b'deep')
        return os.fstat(fd).st_ino
    finally:
        os.close(fd)


def test_the_client_can_write_in_its_directory_at_every_step_of_the_take_over(client_of_nobody, monkeypatch):
    """A client keeps creating in a directory while the sealer takes it over (rclone, restic,
    a flood of mkdir): after each change the take-over makes, the client can still create there."""
    root, nobody = client_of_nobody
    made = os.path.join(root, 'made')
    assert as_user(nobody, lambda: os.mkdir(made, 0o755)) == 0
    made_inode = os.stat(made).st_ino
    refused = []

    def checked(call):
        def step(fd, *args):
            call(fd, *args)
            if os.fstat(fd).st_ino == made_inode:
                name = os.path.join(made, 'after-%s-%d' % (call.__name__, len(refused)))
                refused.append((call.__name__, as_user(nobody, lambda: os.mkdir(name))))
        return step
    monkeypatch.setattr(sealing.os, 'fchown', checked(os.fchown))
    monkeypatch.setattr(sealing.os, 'fchmod', checked(os.fchmod))
    run, _lines = seal(root)
    # made, and the two directories the client made in it meanwhile (listed after the take-over)
    assert run.counts['directories_taken_over'] == 3
    assert sorted(call for call, _code in refused) == ['fchmod', 'fchown']
    assert [code for _call, code in refused] == [0, 0]


def test_a_chmod_by_the_client_during_the_take_over_does_not_last(client_of_nobody, monkeypatch):
    """Between the sealer's chmod and its chown the client still owns the directory and may
    chmod it (0777, no sticky bit): once root's, the sealer sets the mode again."""
    root, nobody = client_of_nobody
    made = os.path.join(root, 'made')
    assert as_user(nobody, lambda: os.mkdir(made, 0o755)) == 0
    real_fchown = os.fchown

    def chmod_first(fd, uid, gid):
        assert as_user(nobody, lambda: os.chmod(made, 0o777)) == 0
        real_fchown(fd, uid, gid)
    monkeypatch.setattr(sealing.os, 'fchown', chmod_first)
    run, _lines = seal(root)
    assert run.counts['directories_taken_over'] == 1
    st = os.stat(made)
    assert (st.st_uid, st.st_mode & 0o7777) == (0, sealing.DIRECTORY_MODE)


def test_a_flood_of_directories_is_logged_by_count(client_of_nobody):
    """Beyond max_paths take-overs a run logs only its count: one client's ten thousand
    directories must not push the journal into its rate limit (which drops every client's lines)."""
    root, nobody = client_of_nobody
    assert as_user(nobody, lambda: [os.mkdir(os.path.join(root, 'd%02d' % n)) for n in range(30)]) == 0
    run, lines = seal(root)
    assert run.counts['directories_taken_over'] == 30
    assert sum('took over directory' in line for line in lines) == 20


def deepest_file_fd(root, depth, name='d'):
    """An fd of the file at the bottom of nested(), reached one name at a time (no path an
    ordinary tool could use is short enough)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _level in range(depth):
        child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        os.close(fd)
        fd = child
    try:
        return os.open('deep.zip', os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
    finally:
        os.close(fd)


def test_a_file_at_any_depth_is_sealed_with_few_descriptors(client):
    import resource
    from ansible_collections.worm.sftp.plugins.module_utils import fsflags
    depth = 1000  # two descriptors per level, as the walk held them before, would need 2000
    nested(client, depth)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    try:
        run, _lines = seal(client)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert (run.counts['sealed'], run.counts['failed']) == (1, 0), run.failures
    fd = deepest_file_fd(client, depth)
    try:
        flag_io = fsflags.FlagIO()
        assert flag_io.get(fd, None) & fsflags.IMMUTABLE
        fsflags.update(flag_io, fd, None, fsflags.FlagSpec('-i'))  # so that the scratch tree can go
    finally:
        os.close(fd)


def test_a_closed_ancestor_swapped_for_a_link_is_never_followed(client, workdir, flags_of, monkeypatch):
    """The walk climbs back to a directory it had closed by name: if the client moved it and
    put a link (or another directory) in its place, that part is reported, nothing followed."""
    from ansible_collections.worm.sftp.plugins.module_utils import treewalk
    monkeypatch.setattr(treewalk, 'MAX_OPEN_DIRS', 2)
    nested(os.path.join(client), 0)
    os.makedirs(os.path.join(client, 'a', 'b', 'c', 'd'))
    write(client, 'a/zz-after.zip')  # read after the walk climbs back to a
    decoy = write(workdir, 'decoy/zz-after.zip')
    swapped = []

    def on_directory(fd, relpath):
        if relpath == 'a/b/c/d' and not swapped:
            os.rename(os.path.join(client, 'a'), os.path.join(client, 'a-moved'))
            os.symlink(os.path.dirname(decoy), os.path.join(client, 'a'))
            swapped.append(relpath)

    run = sealing.seal_client(sealing.ClientPolicy('alice', client), lambda line: None, on_directory=on_directory)
    assert swapped
    assert 'i' not in flags_of(decoy)
    assert [failure['path'] for failure in run.failures] == ['a']
