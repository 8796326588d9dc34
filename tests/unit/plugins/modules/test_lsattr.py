# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import time

import pytest

from ansible_collections.worm.sftp.plugins.modules import lsattr


@pytest.fixture
def audit_tree(workdir):
    """Two sealed files, two unsealed (one old, one fresh, one hidden), a sub-directory, a link."""
    def make(rel, sealed=False, age=0):
        path = os.path.join(workdir, rel)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as handle:
            handle.write(b'12345')
        if age:
            then = time.time() - age
            os.utime(path, (then, then))
        if sealed:
            subprocess.run(['chattr', '+i', path], check=True)
    make('sealed-1', sealed=True, age=7200)
    make('sub/sealed-2', sealed=True)
    make('old-unsealed', age=3600)
    make('sub/.fresh-unsealed')
    os.symlink('/etc/passwd', os.path.join(workdir, 'link'))
    return workdir


@pytest.mark.parametrize('args, matched, paths', [
    (dict(lacking='i'), 2, ['old-unsealed', 'sub/.fresh-unsealed']),
    (dict(lacking='i', older_than='15m'), 1, ['old-unsealed']),
    (dict(having='i'), 2, ['sealed-1', 'sub/sealed-2']),
    (dict(having='i', older_than='1h'), 1, ['sealed-1']),
    (dict(newer_than='30m'), 2, ['sub/.fresh-unsealed', 'sub/sealed-2']),
    (dict(older_than='30m', newer_than='90m'), 1, ['old-unsealed']),
    (dict(having='ie'), 2, ['sealed-1', 'sub/sealed-2']),
    (dict(), 4, ['old-unsealed', 'sealed-1', 'sub/.fresh-unsealed', 'sub/sealed-2']),
])
def test_filters(audit_tree, run_module, args, matched, paths):
    failed, result = run_module(lsattr.main, path=audit_tree, recurse=True, entry_types=['file'], **args)
    assert not failed, result
    assert result['counts']['matched'] == matched
    assert sorted(entry['path'] for entry in result['entries']) == paths
    assert result['matched_bytes'] == 5 * matched
    assert result['counts']['skipped_symlinks'] == 1
    assert result['changed'] is False


def test_largest_finds_the_sealed_empty_files_a_full_disk_leaves(audit_tree, run_module):
    empty = os.path.join(audit_tree, 'sub', 'cut-short.zip')
    open(empty, 'wb').close()
    subprocess.run(['chattr', '+i', empty], check=True)
    open(os.path.join(audit_tree, 'empty-unsealed'), 'wb').close()
    failed, result = run_module(lsattr.main, path=audit_tree, recurse=True, having='i', largest=0)
    assert not failed, result
    assert [entry['path'] for entry in result['entries']] == ['sub/cut-short.zip']
    failed, result = run_module(lsattr.main, path=audit_tree, recurse=True, entry_types=['file'], having='i', largest=5)
    assert result['counts']['matched'] == 3


def test_oldest_mtime_tells_since_when(audit_tree, run_module):
    failed, result = run_module(lsattr.main, path=audit_tree, recurse=True, entry_types=['file'], lacking='i')
    assert not failed
    assert result['oldest_mtime'] == pytest.approx(time.time() - 3600, abs=60)
    assert result['newest_mtime'] == pytest.approx(time.time(), abs=60)


def test_a_file_kept_fresh_is_overdue_by_when_it_was_first_seen_unsealed(audit_tree, run_module):
    """The sweep's memory says since when a file is unsealed; rewriting it (a fresh mtime) does
    not make it young again. A file the memory does not know is judged by its mtime."""
    fresh = os.path.join(audit_tree, 'sub', '.fresh-unsealed')
    seen = {str(os.stat(fresh).st_ino): time.time() - 1800, '999999999': time.time() - 86400}
    failed, result = run_module(lsattr.main, path=audit_tree, recurse=True, entry_types=['file'], lacking='i',
                                older_than='15m', first_seen=seen)
    assert not failed, result
    assert sorted(entry['path'] for entry in result['entries']) == ['old-unsealed', 'sub/.fresh-unsealed']
    failed, result = run_module(lsattr.main, path=audit_tree, recurse=True, lacking='i', first_seen={'1': 'soon'})
    assert failed and 'first_seen maps inode numbers to times' in result['msg']


def test_single_path_reports_letters(audit_tree, run_module):
    failed, result = run_module(lsattr.main, path=os.path.join(audit_tree, 'sealed-1'))
    assert not failed
    assert result['attributes'] == 'ie'
    assert result['counts']['examined'] == 1


def test_cap_on_listed_entries(audit_tree, run_module):
    failed, result = run_module(lsattr.main, path=audit_tree, recurse=True, max_paths=1)
    assert not failed
    assert len(result['entries']) == 1
    assert result['entries_truncated'] is True
    assert result['counts']['matched'] == 6


@pytest.mark.parametrize('args, message', [
    (dict(lacking='q'), "unknown attribute letter(s) 'q'"),
    (dict(older_than='soon'), 'is not a duration'),
])
def test_bad_filters(audit_tree, run_module, args, message):
    failed, result = run_module(lsattr.main, path=audit_tree, **args)
    assert failed
    assert message in result['msg']


def test_symlink_path_refused(audit_tree, run_module):
    failed, result = run_module(lsattr.main, path=os.path.join(audit_tree, 'link'))
    assert failed
    assert 'symbolic link' in result['msg']


def test_filesystem_without_flags_is_named(workdir, run_module):
    ramfs = os.path.join(workdir, 'ramfs')
    os.mkdir(ramfs)
    subprocess.run(['mount', '-t', 'ramfs', 'ramfs', ramfs], check=True)
    try:
        failed, result = run_module(lsattr.main, path=ramfs)
    finally:
        subprocess.run(['umount', ramfs], check=True)
    assert failed
    assert 'the ramfs filesystem does not support inode flags' in result['msg']
