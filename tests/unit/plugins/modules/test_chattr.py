# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""worm.sftp.chattr on a real filesystem; lsattr(1) is the independent oracle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import time

import pytest

from ansible_collections.worm.sftp.plugins.modules import chattr
from ansible_collections.worm.sftp.plugins.module_utils import treewalk


def write(path, data=b'x'):
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    with open(path, 'wb') as handle:
        handle.write(data)
    return path


@pytest.fixture
def backup_tree(workdir):
    """A client directory: files, a dot-file, sub-directories, a symlink to a decoy outside."""
    root = os.path.join(workdir, 'client')
    decoy_dir = os.path.join(workdir, 'decoy')
    write(os.path.join(root, 'top.zip'))
    write(os.path.join(root, '.hidden'))
    write(os.path.join(root, 'sub', 'mid.zip'))
    write(os.path.join(root, 'sub', '.dotdir', 'deep.zip'))
    write(os.path.join(decoy_dir, 'decoy-file'))
    os.symlink(decoy_dir, os.path.join(root, 'sub', 'to-decoy'))
    os.symlink(os.path.join(decoy_dir, 'decoy-file'), os.path.join(root, 'file-link'))
    return dict(root=root, decoy=os.path.join(decoy_dir, 'decoy-file'), decoy_dir=decoy_dir,
                files=['top.zip', '.hidden', 'sub/mid.zip', 'sub/.dotdir/deep.zip'],
                dirs=['.', 'sub', 'sub/.dotdir'])


@pytest.mark.parametrize('start, spec, after, changed', [
    ('', '+i', 'i', True),
    ('i', '+i', 'i', False),
    ('i', '-i', '', True),
    ('', '-i', '', False),
    ('a', '+i', 'ia', True),
    ('ia', '=i', 'i', True),
    ('ia', '-a', 'i', True),
    ('id', '+a', 'iad', True),
    ('i', '=i', 'i', False),
    ('d', '=', '', True),
    ('', '+ia', 'ia', True),
])
def test_single_file_set_clear_idempotence(flags_of, workdir, run_module, start, spec, after, changed):
    path = write(os.path.join(workdir, 'f'))
    if start:
        subprocess.run(['chattr', '+' + start, path], check=True)
    failed, result = run_module(chattr.main, path=path, attributes=spec)
    assert not failed, result
    assert result['changed'] is changed
    # ext4 always shows e; = must keep it rather than try to clear it.
    assert flags_of(path).replace('e', '') == after.replace('e', '')
    assert result['attributes'].replace('e', '') == after
    assert 'e' in flags_of(path)


def test_second_run_reports_no_change(workdir, run_module):
    path = write(os.path.join(workdir, 'f'))
    assert run_module(chattr.main, path=path, attributes='+i')[1]['changed'] is True
    failed, result = run_module(chattr.main, path=path, attributes='+i')
    assert not failed and result['changed'] is False
    assert result['counts']['changed'] == 0


def test_seal_tree_files_only_keeps_directories_writable(flags_of, backup_tree, run_module):
    root = backup_tree['root']
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed, result
    for rel in backup_tree['files']:
        assert 'i' in flags_of(os.path.join(root, rel)), rel
    for rel in backup_tree['dirs']:
        assert 'i' not in flags_of(os.path.join(root, rel)), rel
    assert sorted(result['changed_paths']) == sorted(backup_tree['files'])
    assert result['counts'] == dict(examined=9, changed=4, skipped_symlinks=2, skipped_other=0,
                                    skipped_mounts=0, excluded=0, exempt=0, failed=0, busy=0)
    # New files can still be created in every directory.
    for rel in backup_tree['dirs']:
        write(os.path.join(root, rel, 'new-after-seal'))


def test_symlinks_at_top_and_in_the_middle_are_never_followed(flags_of, backup_tree, run_module):
    root = backup_tree['root']
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True)
    assert not failed, result
    assert 'i' not in flags_of(backup_tree['decoy'])
    assert 'i' not in flags_of(backup_tree['decoy_dir'])
    failed, result = run_module(chattr.main, path=os.path.join(root, 'file-link'), attributes='+i')
    assert failed
    assert 'is a symbolic link' in result['msg']
    failed, result = run_module(chattr.main, path=os.path.join(root, 'sub', 'to-decoy'), attributes='+i', recurse=True)
    assert failed
    assert 'i' not in flags_of(backup_tree['decoy'])


def test_directory_swapped_for_symlink_between_listing_and_sealing(flags_of, backup_tree, run_module, monkeypatch):
    """The walk lists 'sub' as a directory; before it is opened, the attacker swaps it for a symlink."""
    root = backup_tree['root']
    real_open_dir = treewalk._open_dir

    def swap_then_open(parent_fd, name, relpath, root_stat, cross):
        if relpath == 'sub':
            os.rename(os.path.join(root, 'sub'), os.path.join(root, 'sub-moved'))
            os.symlink(backup_tree['decoy_dir'], os.path.join(root, 'sub'))
        return real_open_dir(parent_fd, name, relpath, root_stat, cross)

    monkeypatch.setattr(treewalk, '_open_dir', swap_then_open)
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed, result
    assert 'i' not in flags_of(backup_tree['decoy'])
    assert result['counts']['skipped_symlinks'] >= 1
    assert 'i' in flags_of(os.path.join(root, 'top.zip'))


def test_file_swapped_for_symlink_between_listing_and_sealing(flags_of, backup_tree, run_module, monkeypatch):
    root = backup_tree['root']
    real_open_file = treewalk.open_file

    def swap_then_open(entry):
        if entry.relpath == 'top.zip':
            os.unlink(os.path.join(root, 'top.zip'))
            os.symlink(backup_tree['decoy'], os.path.join(root, 'top.zip'))
        return real_open_file(entry)

    monkeypatch.setattr(treewalk, 'open_file', swap_then_open)
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed, result
    assert 'i' not in flags_of(backup_tree['decoy'])
    assert 'top.zip' not in result['changed_paths']


def test_fifo_is_skipped_not_opened(workdir, run_module):
    os.mkfifo(os.path.join(workdir, 'pipe'))
    write(os.path.join(workdir, 'f'))
    failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed, result
    assert result['counts']['skipped_other'] == 1
    assert result['counts']['changed'] == 1


def test_sealing_leaves_uploads_in_flight_alone(flags_of, backup_tree, run_module):
    """Admin operations seal with this module: a file still open for writing stays writable
    (the sealer seals it once closed), so the client's upload or retry is not refused."""
    root = backup_tree['root']
    with open(os.path.join(root, 'sub', 'mid.zip'), 'ab') as upload:
        failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
        assert not failed, result
        assert result['counts']['busy'] == 1 and result['busy_paths'] == ['sub/mid.zip']
        assert sorted(result['changed_paths']) == sorted(set(backup_tree['files']) - {'sub/mid.zip'})
        assert 'i' not in flags_of(os.path.join(root, 'sub', 'mid.zip'))
        upload.write(b'the rest of the upload')
        upload.flush()
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed and result['changed_paths'] == ['sub/mid.zip'] and result['counts']['busy'] == 0
    assert 'i' in flags_of(os.path.join(root, 'sub', 'mid.zip'))


def test_only_sealing_waits_for_writers(flags_of, workdir, run_module):
    path = write(os.path.join(workdir, 'f'))
    subprocess.run(['chattr', '+a', path], check=True)
    with open(path, 'ab'):
        failed, result = run_module(chattr.main, path=path, attributes='-a')  # unsealing a file in use: done
        assert not failed and result['changed'] is True
        failed, result = run_module(chattr.main, path=path, attributes='+i', skip_open_for_writing=False)
        assert not failed and result['changed'] is True and result['counts']['busy'] == 0
    assert 'i' in flags_of(path) and 'a' not in flags_of(path)


def test_check_mode_changes_nothing_on_disk(flags_of, backup_tree, run_module):
    root = backup_tree['root']
    failed, result = run_module(chattr.main, check_mode=True, diff=True, path=root, attributes='+i', recurse=True)
    assert not failed, result
    assert result['changed'] is True
    assert result['counts']['changed'] == len(backup_tree['files']) + len(backup_tree['dirs'])
    for rel in backup_tree['files'] + backup_tree['dirs']:
        assert 'i' not in flags_of(os.path.join(root, rel)), rel


def test_diff_lists_before_and_after_letters(backup_tree, run_module):
    root = backup_tree['root']
    failed, result = run_module(chattr.main, diff=True, path=root, attributes='+i', recurse=True,
                                entry_types=['file'], max_paths=2)
    assert not failed, result
    before, after = result['diff']['before'], result['diff']['after']
    assert before['path'] == after['path'] == root
    assert len(before['entries']) == len(after['entries']) == 2
    for rel, letters in after['entries'].items():
        assert letters == 'i' + before['entries'][rel]
    assert after['entries_not_listed'] == 2
    assert result['changed_paths_truncated'] is True
    assert result['counts']['changed'] == 4


def test_no_diff_when_nothing_changes(workdir, run_module):
    path = write(os.path.join(workdir, 'f'))
    run_module(chattr.main, path=path, attributes='+i')
    failed, result = run_module(chattr.main, diff=True, path=path, attributes='+i')
    assert not failed and 'diff' not in result


def test_missing_path_fails_clearly(workdir, run_module):
    failed, result = run_module(chattr.main, path=os.path.join(workdir, 'nope'), attributes='+i')
    assert failed
    assert 'does not exist' in result['msg']


@pytest.mark.parametrize('spec, message', [
    ('+iq', "unknown attribute letter(s) 'q'"),
    ('i', 'chattr syntax'),
    ('-e', 'managed by the kernel'),
])
def test_bad_attributes_fail_before_touching_anything(flags_of, workdir, run_module, spec, message):
    path = write(os.path.join(workdir, 'f'))
    failed, result = run_module(chattr.main, path=path, attributes=spec)
    assert failed
    assert message in result['msg']
    assert flags_of(path) == 'e'


def test_filesystem_that_refuses_a_flag_is_named(flags_of, tmpfs, run_module):
    path = write(os.path.join(tmpfs, 'f'))
    failed, result = run_module(chattr.main, path=path, attributes='+j')
    assert failed
    assert "tmpfs filesystem does not support attribute(s) 'j'" in result['msg']
    assert flags_of(path) == ''


def test_walk_does_not_cross_into_another_filesystem_unless_asked(flags_of, workdir, tmpfs, run_module):
    write(os.path.join(tmpfs, 'other-fs-file'))
    write(os.path.join(workdir, 'same-fs-file'))
    failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed, result
    assert result['counts']['skipped_mounts'] == 1
    assert flags_of(os.path.join(tmpfs, 'other-fs-file')) == ''
    failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True, entry_types=['file'],
                                cross_filesystems=True)
    assert not failed, result
    assert 'i' in flags_of(os.path.join(tmpfs, 'other-fs-file'))


def test_without_cap_linux_immutable_says_so(flags_of, workdir, module_subprocess):
    path = write(os.path.join(workdir, 'f'))
    failed, result = module_subprocess(
        'chattr', dict(path=path, attributes='+i'), prefix=['setpriv', '--bounding-set', '-linux_immutable', '--'])
    assert failed
    assert 'CAP_LINUX_IMMUTABLE' in result['msg']
    assert '--cap-add LINUX_IMMUTABLE' in result['msg']
    assert flags_of(path) == 'e'


def test_per_entry_failures_are_collected_and_fail_the_task(backup_tree, run_module, monkeypatch):
    root = backup_tree['root']
    real_open_file = treewalk.open_file

    def refuse_one(entry):
        if entry.relpath == 'sub/mid.zip':
            raise OSError(13, 'Permission denied')
        return real_open_file(entry)

    monkeypatch.setattr(treewalk, 'open_file', refuse_one)
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
    assert failed
    assert result['failures'] == [dict(path='sub/mid.zip', error='Permission denied')]
    assert result['counts']['failed'] == 1
    assert result['counts']['changed'] == 3
    assert '1 of 9 entries' in result['msg']


def test_names_that_are_not_utf8_are_reported_safely(flags_of, workdir, run_module):
    raw = os.path.join(workdir.encode(), b'bad-\xff-name')
    with open(raw, 'wb') as handle:
        handle.write(b'x')
    failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed, result
    assert result['changed_paths'] == ['bad-\\xff-name']
    assert 'i' in flags_of(raw.decode('utf-8', 'surrogateescape'))


def test_program_fallback_where_ioctl_numbers_are_unknown(flags_of, backup_tree, run_module, monkeypatch):
    from ansible_collections.worm.sftp.plugins.module_utils import fsflags
    monkeypatch.setattr(fsflags, '_ioctl_numbers', lambda: None)
    root = backup_tree['root']
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed, result
    assert result['counts']['changed'] == 4
    for rel in backup_tree['files']:
        assert 'i' in flags_of(os.path.join(root, rel)), rel
    assert 'i' not in flags_of(backup_tree['decoy'])
    failed, result = run_module(chattr.main, path=root, attributes='+i', recurse=True, entry_types=['file'])
    assert not failed and result['changed'] is False


def test_excluded_paths_are_not_changed_but_walked(flags_of, workdir, run_module):
    for rel in ('locks/lock-1', 'data/ab/blob', 'data/ab/blob-restic-temp-123', 'config'):
        write(os.path.join(workdir, rel))
    failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True, entry_types=['file'],
                                exclude=['locks/*', '*-restic-temp-*'])
    assert not failed, result
    assert sorted(result['changed_paths']) == ['config', 'data/ab/blob']
    assert result['counts']['excluded'] == 2
    assert 'i' not in flags_of(os.path.join(workdir, 'locks/lock-1'))
    assert 'i' not in flags_of(os.path.join(workdir, 'data/ab/blob-restic-temp-123'))


def test_exempt_rules_leave_alone_only_the_files_they_describe(flags_of, workdir, run_module):
    """The role seals with the profile's exemptions (re-provisioning, closing a release
    window): a rule's path is matched whole, and its bounds hold (here age, by mtime)."""
    lock, temp = 'locks/' + 'ab' * 32, 'data/ab/%s-restic-temp-%s' % ('cd' * 32, 'ef' * 16)
    for rel in (lock, temp, 'locks/stolen.zip', 'index-restic-temp-x/pack', 'repo/locks/' + '12' * 32):
        write(os.path.join(workdir, rel))
    old = os.path.join(workdir, 'repo/locks/' + '12' * 32)
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    rules = [dict(name='restic lock', path=r'(?:[^/]+/)?locks/[0-9a-f]{64}', max_bytes=65536, max_age='30m',
                  max_count=64),
             dict(name='restic temp file', path=r'(?:[^/]+/)?data/[0-9a-f]{2}/[0-9a-f]{64}-restic-temp-[0-9a-f]{32}',
                  max_bytes=1024, max_age='15m', max_count=64)]
    failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True, entry_types=['file'],
                                exempt=rules)
    assert not failed, result
    assert result['counts']['exempt'] == 2
    assert sorted(result['changed_paths']) == sorted(['locks/stolen.zip', 'index-restic-temp-x/pack',
                                                      'repo/locks/' + '12' * 32])
    assert 'i' not in flags_of(os.path.join(workdir, lock)) and 'i' not in flags_of(os.path.join(workdir, temp))


def test_a_bad_exempt_rule_fails_before_anything_changes(flags_of, workdir, run_module):
    path = write(os.path.join(workdir, 'f'))
    failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True,
                                exempt=[dict(name='x', path='([', max_bytes=1, max_age='1m', max_count=1)])
    assert failed and 'is not a regular expression' in result['msg']
    assert 'i' not in flags_of(path)


def test_socket_bind_mounted_over_a_file_is_skipped(workdir, run_module):
    import socket
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(os.path.join(workdir, 'real.sock'))
    target = write(os.path.join(workdir, 'sub', 'log'), b'')
    subprocess.run(['mount', '--bind', os.path.join(workdir, 'real.sock'), target], check=True)
    try:
        failed, result = run_module(chattr.main, path=workdir, attributes='+i', recurse=True, entry_types=['file'])
    finally:
        subprocess.run(['umount', target], check=True)
        listener.close()
    assert not failed, result
    assert result['counts']['skipped_other'] == 2
    assert result['counts']['failed'] == 0


def test_older_than_unseals_only_old_files(flags_of, workdir, run_module):
    old, new = write(os.path.join(workdir, 'old.zip')), write(os.path.join(workdir, 'sub', 'new.zip'))
    then = time.time() - 200 * 86400
    os.utime(old, (then, then))
    subprocess.run(['chattr', '+i', old, new], check=True)
    failed, result = run_module(chattr.main, path=workdir, attributes='-i', recurse=True, entry_types=['file'],
                                older_than='180d')
    assert not failed and result['changed_paths'] == ['old.zip']
    assert 'i' not in flags_of(old) and 'i' in flags_of(new)
    failed, result = run_module(chattr.main, path=workdir, attributes='-i', recurse=True, older_than='whenever')
    assert failed and 'is not a duration' in result['msg']
