# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""worm.sftp.config_files on a real filesystem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible_collections.worm.sftp.plugins.modules import config_files


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def test_writes_files_then_changes_nothing(workdir, run_module):
    files = [dict(path=os.path.join(workdir, 'a.conf'), content='alpha\n'),
             dict(path=os.path.join(workdir, 'b.json'), content='{}\n', mode='0600', group='0')]
    failed, result = run_module(config_files.main, files=files)
    assert not failed and result['changed']
    assert sorted(result['changed_paths']) == sorted(f['path'] for f in files)
    assert read(files[0]['path']) == b'alpha\n'
    st = os.stat(files[1]['path'])
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o600, 0, 0)
    assert stat.S_IMODE(os.stat(files[0]['path']).st_mode) == 0o644
    failed, result = run_module(config_files.main, files=files)
    assert not failed and not result['changed'] and result['changed_paths'] == []
    assert not [name for name in os.listdir(workdir) if name.endswith('.tmp')]


def test_mode_only_change_keeps_content(workdir, run_module):
    path = os.path.join(workdir, 'keys')
    with open(path, 'w') as handle:
        handle.write('key\n')
    os.chmod(path, 0o666)
    failed, result = run_module(config_files.main, files=[dict(path=path, content='key\n')])
    assert not failed and result['changed_paths'] == [path]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644 and read(path) == b'key\n'


def test_check_mode_and_diff_change_nothing(workdir, run_module):
    path = os.path.join(workdir, 'a.conf')
    with open(path, 'w') as handle:
        handle.write('old\n')
    gone = os.path.join(workdir, 'gone')
    with open(gone, 'w') as handle:
        handle.write('bye\n')
    failed, result = run_module(config_files.main, check_mode=True, diff=True,
                                files=[dict(path=path, content='new\n')], absent=[gone])
    assert not failed and result['changed'] and result['changed_paths'] == [path, gone]
    assert result['diff'] == [dict(before_header=path, after_header=path, before='old\n', after='new\n'),
                              dict(before_header=gone, after_header=gone, before='bye\n', after='')]
    assert read(path) == b'old\n' and os.path.exists(gone)


def test_absent_removes_files_and_links_but_not_their_targets(workdir, run_module):
    target = os.path.join(workdir, 'target')
    with open(target, 'w') as handle:
        handle.write('keep\n')
    link = os.path.join(workdir, 'link')
    os.symlink(target, link)
    failed, result = run_module(config_files.main, absent=[link, os.path.join(workdir, 'never-there')])
    assert not failed and result['changed_paths'] == [link]
    assert not os.path.lexists(link) and read(target) == b'keep\n'


def test_symlink_at_destination_is_replaced_not_followed(workdir, run_module):
    decoy = os.path.join(workdir, 'decoy')
    with open(decoy, 'w') as handle:
        handle.write('root-owned content\n')
    path = os.path.join(workdir, 'table')
    os.symlink(decoy, path)
    failed, result = run_module(config_files.main, files=[dict(path=path, content='new\n')])
    assert not failed and result['changed']
    assert not os.path.islink(path) and read(path) == b'new\n'
    assert read(decoy) == b'root-owned content\n'


def test_failed_validation_changes_no_file(workdir, run_module):
    first = os.path.join(workdir, 'first')
    with open(first, 'w') as handle:
        handle.write('old first\n')
    second = os.path.join(workdir, 'second')
    failed, result = run_module(config_files.main, files=[
        dict(path=first, content='new first\n', validate='/usr/bin/grep -q first %s'),
        dict(path=second, content='bad\n', validate='/usr/bin/grep -q good %s')])
    assert failed
    assert 'validation of %s failed' % second in result['msg'] and 'nothing was changed' in result['msg']
    assert read(first) == b'old first\n' and not os.path.exists(second)
    assert sorted(os.listdir(workdir)) == ['first']


def test_validation_sees_the_new_content_without_a_shell(workdir, run_module):
    path = os.path.join(workdir, 'x;touch marker')
    failed, result = run_module(config_files.main, files=[
        dict(path=path, content='ok\n', validate='/usr/bin/grep -q ok %s')])
    assert not failed and read(path) == b'ok\n'
    assert sorted(os.listdir(workdir)) == ['x;touch marker']


def test_bad_input_is_refused_before_any_change(workdir, run_module):
    good = os.path.join(workdir, 'good')
    cases = [
        (dict(path='relative/path', content=''), 'not a normalized absolute file path'),
        (dict(path=os.path.join(workdir, 'sub', '..', 'x'), content=''), 'not a normalized absolute file path'),
        (dict(path=os.path.join(workdir, 'missing', 'x'), content=''), 'directory of'),
        (dict(path=os.path.join(workdir, 'x'), content='', mode='rw-r--r--'), 'not an octal mode'),
        (dict(path=os.path.join(workdir, 'x'), content='', owner='no-such-user-here'), 'does not exist'),
        (dict(path=os.path.join(workdir, 'x'), content='', validate='/usr/bin/true'), 'separate %s word'),
    ]
    for bad, message in cases:
        failed, result = run_module(config_files.main, files=[dict(path=good, content='g\n'), bad])
        assert failed and message in result['msg'], (bad, result)
        assert not os.path.exists(good)
    os.mkdir(os.path.join(workdir, 'adir'))
    failed, result = run_module(config_files.main, files=[dict(path=good, content='g\n')],
                                absent=[os.path.join(workdir, 'adir')])
    assert failed and 'is a directory' in result['msg'] and not os.path.exists(good)
    failed, result = run_module(config_files.main, files=[dict(path=good, content='1'), dict(path=good, content='2')])
    assert failed and 'more than once' in result['msg']


def test_check_mode_reports_a_file_whose_directory_a_run_would_create(workdir, run_module):
    path = os.path.join(workdir, 'not-yet', 'table')
    failed, result = run_module(config_files.main, check_mode=True, files=[dict(path=path, content='x\n')],
                                absent=[os.path.join(workdir, 'not-yet', 'keys')])
    assert not failed and result['changed_paths'] == [path]
    assert not os.path.exists(os.path.join(workdir, 'not-yet'))
