# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""worm.sftp.evict on a real filesystem: quarantine moves keep files sealed, purges delete
only what was selected, links are never followed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import time

import pytest

from ansible_collections.worm.sftp.plugins.modules import evict


def write(path, data=b'x', age=0, seal=False):
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    with open(path, 'wb') as handle:
        handle.write(data)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    if seal:
        subprocess.run(['chattr', '+i', path], check=True)
    return path


@pytest.fixture
def tree(workdir):
    """A client directory with sealed and unsealed files, old and new, and a link to a decoy."""
    root = os.path.join(workdir, 'client')
    write(os.path.join(root, 'partial.dblock'), b'partial', seal=True)
    write(os.path.join(root, 'old.zip'), b'old', age=200 * 86400, seal=True)
    write(os.path.join(root, 'sub', 'older.zip'), b'older', age=300 * 86400, seal=True)
    write(os.path.join(root, 'new.zip'), b'new', seal=True)
    write(os.path.join(root, 'open.tmp'), b'tmp')
    decoy = write(os.path.join(workdir, 'decoy', 'secret'), b'secret', age=400 * 86400)
    os.symlink(os.path.dirname(decoy), os.path.join(root, 'link'))
    return root


def test_quarantine_moves_named_files_and_keeps_them_sealed(tree, workdir, run_module, flags_of):
    dest = os.path.join(workdir, 'quarantine', 'client', 'stamp', 'files')
    failed, result = run_module(evict.main, path=tree, files=['partial.dblock', 'sub/older.zip', 'gone.zip'],
                                dest=dest)
    assert not failed, result
    assert result['changed'] and result['counts']['evicted'] == 2
    assert sorted(e['path'] for e in result['evicted']) == ['partial.dblock', 'sub/older.zip']
    assert result['not_found'] == ['gone.zip']
    for rel, data in (('partial.dblock', b'partial'), ('sub/older.zip', b'older')):
        assert not os.path.exists(os.path.join(tree, rel))
        moved = os.path.join(dest, rel)
        with open(moved, 'rb') as handle:
            assert handle.read() == data
        assert 'i' in flags_of(moved)
    assert oct(os.stat(dest).st_mode & 0o777) == oct(0o700)
    assert 'i' in flags_of(os.path.join(tree, 'old.zip'))
    failed, result = run_module(evict.main, path=tree, files=['partial.dblock'], dest=dest)
    assert not failed and not result['changed'] and result['not_found'] == ['partial.dblock']


def test_a_name_that_is_not_utf8_is_quarantined_by_the_name_the_audit_prints(tree, workdir, run_module, flags_of):
    """Issue 11 item 10: the modules print such a name with each byte that is not UTF-8 as
    \\xNN; that printed form selects the file."""
    raw = os.path.join(os.fsencode(tree), b'caf\xe9.zip')
    with open(raw, 'wb') as handle:
        handle.write(b'odd name')
    dest = os.path.join(workdir, 'quarantine', 'client', 'stamp', 'files')
    failed, result = run_module(evict.main, path=tree, files=['caf\\xe9.zip'], dest=dest)
    assert not failed, result
    assert [entry['path'] for entry in result['evicted']] == ['caf\\xe9.zip'] and result['not_found'] == []
    assert not os.path.exists(raw)
    with open(os.path.join(os.fsencode(dest), b'caf\xe9.zip'), 'rb') as handle:
        assert handle.read() == b'odd name'


def test_check_mode_moves_nothing_and_creates_nothing(tree, workdir, run_module, flags_of):
    dest = os.path.join(workdir, 'quarantine')
    failed, result = run_module(evict.main, check_mode=True, path=tree, patterns=['*.zip'], dest=dest)
    assert not failed and result['changed'] and result['counts']['evicted'] == 3
    assert not os.path.exists(dest)
    assert os.path.exists(os.path.join(tree, 'new.zip')) and 'i' in flags_of(os.path.join(tree, 'new.zip'))


def test_selection_by_pattern_and_age(tree, workdir, run_module):
    dest = os.path.join(workdir, 'q')
    failed, result = run_module(evict.main, path=tree, patterns=['*.zip'], older_than='180d', dest=dest)
    assert not failed
    assert sorted(e['path'] for e in result['evicted']) == ['old.zip', 'sub/older.zip']
    failed, result = run_module(evict.main, path=tree, newer_than='1h', dest=dest)
    assert not failed
    assert sorted(e['path'] for e in result['evicted']) == ['new.zip', 'open.tmp', 'partial.dblock']


def test_purge_deletes_only_selected_files_and_never_through_a_link(tree, workdir, run_module):
    failed, result = run_module(evict.main, path=tree, older_than='180d', delete=True)
    assert not failed and result['counts']['evicted'] == 2
    assert not os.path.exists(os.path.join(tree, 'old.zip'))
    assert not os.path.exists(os.path.join(tree, 'sub', 'older.zip'))
    assert os.path.exists(os.path.join(tree, 'new.zip')) and os.path.exists(os.path.join(tree, 'partial.dblock'))
    assert os.path.exists(os.path.join(workdir, 'decoy', 'secret'))
    assert result['counts']['skipped_symlinks'] == 1


def test_refuses_requests_that_select_everything_or_escape(tree, workdir, run_module):
    cases = [
        (dict(path=tree, delete=True), 'select files'),
        (dict(path=tree, files=['old.zip']), 'give dest'),
        (dict(path=tree, files=['../decoy/secret'], delete=True), 'without ".."'),
        (dict(path=tree, files=['/etc/passwd'], delete=True), 'without ".."'),
        (dict(path=tree, older_than='soon', delete=True), 'is not a duration'),
    ]
    for args, message in cases:
        failed, result = run_module(evict.main, **args)
        assert failed and message in result['msg'], (args, result)
    assert os.path.exists(os.path.join(tree, 'old.zip'))


def test_quarantine_on_another_filesystem_is_refused_and_the_file_stays_sealed(tree, tmpfs, run_module, flags_of):
    failed, result = run_module(evict.main, path=tree, files=['partial.dblock'], dest=os.path.join(tmpfs, 'q'))
    assert failed and 'same filesystem' in result['msg']
    assert 'i' in flags_of(os.path.join(tree, 'partial.dblock'))
