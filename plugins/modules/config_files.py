#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: config_files
short_description: Write or remove many small configuration files in one run
version_added: 0.1.0
description:
  - Makes a list of small files hold the given content, owner, group and mode, and removes others,
    all in one module run. The backup_target role uses it for the per-client sshd drop-ins, authorized
    keys, sealer settings and incron tables, so that provisioning 20 clients costs one module run per
    kind of file instead of 20.
  - Each file is written to a temporary file in its directory, validated if asked, then renamed over the
    old one, so a reader never sees half a file.
  - A symbolic link at a destination is replaced, never written through; a directory there is an error.
options:
  files:
    description:
      - The files that must exist with this content.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path; its directory must exist.
        type: path
        required: true
      content:
        description: The whole content of the file.
        type: str
        required: true
      owner:
        description: User name or number.
        type: str
        default: root
      group:
        description: Group name or number.
        type: str
        default: root
      mode:
        description: Octal mode as a string, for example C('0644').
        type: str
        default: '0644'
      validate:
        description:
          - A command run on the new content before it replaces the file, with C(%s) standing for the
            temporary file, for example C(/usr/sbin/sshd -t -f %s). It runs without a shell.
            When it fails nothing is replaced and the task fails.
        type: str
  absent:
    description:
      - Absolute paths of files that must not exist. A directory is an error.
    type: list
    elements: path
    default: []
notes:
  - All paths are checked, and every new content written and validated, before any file is changed;
    when one validation fails, no file is changed.
  - In check mode nothing is written and I(validate) does not run; a file whose directory does not exist yet
    (an earlier task would create it) is reported as a change.
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.template
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: Reports what would change without writing.
    support: full
  diff_mode:
    description: Shows the old and new content of each changed file.
    support: full
'''

EXAMPLES = r'''
- name: Write one sshd drop-in per client, each checked by sshd before it is used
  worm.sftp.config_files:
    files:
      - path: /etc/ssh/sshd_config.d/50-worm-sftp-alice-laptop.conf
        content: "{{ lookup('ansible.builtin.template', 'sshd-client.conf.j2') }}"
        validate: /usr/sbin/sshd -t -f %s
      - path: /etc/ssh/worm-sftp/authorized_keys/backup-alice-laptop
        content: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop\n"
    absent:
      - /etc/ssh/worm-sftp/authorized_keys/backup-bob-server
'''

RETURN = r'''
changed_paths:
  description: The paths that were (or in check mode would be) written, re-owned or removed.
  returned: always
  type: list
  elements: str
  sample: [/etc/incron.d/worm-sftp-alice-laptop]
'''

import errno
import grp
import os
import pwd
import shlex
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

NOFOLLOW_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Refused(Exception):
    """Bad input or a destination this module will not touch; the message says what to change."""


def resolve_id(value, database, kind):
    if value.isdigit():
        return int(value)
    try:
        return database.getpwnam(value).pw_uid if kind == 'user' else database.getgrnam(value).gr_gid
    except KeyError:
        raise Refused('%s %r does not exist' % (kind, value))


def check_path(path, check_mode):
    """Refuse a bad path; returns whether its directory exists (in check mode an
    earlier task of the same run may be about to create it)."""
    if not os.path.isabs(path) or os.path.normpath(path) != path or path == '/':
        raise Refused('%r is not a normalized absolute file path' % path)
    if os.path.isdir(os.path.dirname(path)):
        return True
    if check_mode:
        return False
    raise Refused('the directory of %s does not exist' % path)


def parse_mode(text, path):
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise Refused('mode %r of %s is not an octal mode such as 0644' % (text, path))
    return mode


def read_current(dir_fd, name, path):
    """(content, stat) of the regular file there, (None, None) if none or a link."""
    try:
        fd = os.open(name, NOFOLLOW_READ, dir_fd=dir_fd)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symbolic link: replaced, never followed
            return None, None
        raise
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise Refused('%s is a directory' % path)
        if not stat.S_ISREG(st.st_mode):
            return None, None
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b''.join(chunks), st
            chunks.append(chunk)
    finally:
        os.close(fd)


class Writer:
    """Stages every change first (temporary files written and validated), then commits
    them, so that one failed validation leaves every file as it was."""

    def __init__(self, module):
        self.module = module
        self.changed_paths = []
        self.diffs = []
        self.staged = []  # (dir_fd, action, name, temp or want)
        self.dir_fds = {}

    def plan(self, spec):
        path = spec['path']
        return dict(path=path, dir_exists=check_path(path, self.module.check_mode),
                    content=to_bytes(spec['content'], errors='surrogate_or_strict'),
                    uid=resolve_id(spec['owner'], pwd, 'user'), gid=resolve_id(spec['group'], grp, 'group'),
                    mode=parse_mode(spec['mode'], path), validate=spec['validate'])

    def stage_file(self, want):
        path = want['path']
        if not want['dir_exists']:
            self.changed(path, None, want['content'])
            return
        dir_fd, name = self.open_dir(path)
        content, st = read_current(dir_fd, name, path)
        if content == want['content']:
            if (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) != (want['uid'], want['gid'], want['mode']):
                self.changed(path, content, content)
                self.staged.append((dir_fd, 'metadata', name, want))
            return
        self.changed(path, content, want['content'])
        if not self.module.check_mode:
            temp = self.write_temp(dir_fd, name, want)
            self.staged.append((dir_fd, 'rename', name, temp))
            if want['validate']:
                self.validate(want, os.path.join(os.path.dirname(path), temp))

    def stage_removal(self, path):
        if not check_path(path, self.module.check_mode):
            return
        dir_fd, name = self.open_dir(path)
        try:
            st = os.lstat(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            raise Refused('%s is a directory, not a file to remove' % path)
        self.changed(path, read_current(dir_fd, name, path)[0], None)
        self.staged.append((dir_fd, 'unlink', name, None))

    def commit(self):
        if self.module.check_mode:
            return
        for dir_fd, action, name, arg in self.staged:
            if action == 'metadata':
                fd = os.open(name, NOFOLLOW_READ, dir_fd=dir_fd)
                try:
                    os.fchown(fd, arg['uid'], arg['gid'])
                    os.fchmod(fd, arg['mode'])
                finally:
                    os.close(fd)
            elif action == 'rename':
                os.rename(arg, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            else:
                os.unlink(name, dir_fd=dir_fd)
        for dir_fd in self.dir_fds.values():
            os.fsync(dir_fd)

    def close(self):
        """Remove temporary files a failed run left and close the directories."""
        for dir_fd, action, _name, arg in self.staged:
            if action == 'rename':
                try:
                    os.unlink(arg, dir_fd=dir_fd)
                except FileNotFoundError:
                    pass
        for dir_fd in self.dir_fds.values():
            os.close(dir_fd)
        self.staged, self.dir_fds = [], {}

    def open_dir(self, path):
        """An fd of the file's directory (opened once per directory) and the file's name in it."""
        directory = os.path.dirname(path)
        if directory not in self.dir_fds:
            self.dir_fds[directory] = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        return self.dir_fds[directory], os.path.basename(path)

    def changed(self, path, before, after):
        self.changed_paths.append(path)
        self.diffs.append(dict(before_header=path, after_header=path,
                               before='' if before is None else to_native(before, errors='surrogate_or_strict'),
                               after='' if after is None else to_native(after, errors='surrogate_or_strict')))

    @staticmethod
    def write_temp(dir_fd, name, want):
        temp = '.%s.worm-sftp-%d.tmp' % (name, os.getpid())
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
        try:
            os.fchown(fd, want['uid'], want['gid'])
            os.fchmod(fd, want['mode'])
            view = memoryview(want['content'])
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(temp, dir_fd=dir_fd)
            raise
        os.close(fd)
        return temp

    def validate(self, want, temp_path):
        argv = [temp_path if word == '%s' else word for word in shlex.split(want['validate'])]
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            raise Refused('validation of %s failed (%s, rc=%d), nothing was changed: %s' % (
                want['path'], want['validate'], rc, (err or out).strip()))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type='list', elements='dict', default=[], options=dict(
                path=dict(type='path', required=True),
                content=dict(type='str', required=True),
                owner=dict(type='str', default='root'),
                group=dict(type='str', default='root'),
                mode=dict(type='str', default='0644'),
                validate=dict(type='str'),
            )),
            absent=dict(type='list', elements='path', default=[]),
        ),
        supports_check_mode=True,
    )
    writer = Writer(module)
    try:
        wanted = [writer.plan(spec) for spec in module.params['files']]
        for spec in wanted:
            if spec['validate'] is not None and '%s' not in shlex.split(spec['validate']):
                raise Refused('validate for %s must name the file as a separate %%s word' % spec['path'])
        for path in module.params['absent']:
            check_path(path, module.check_mode)
        paths = [spec['path'] for spec in wanted] + module.params['absent']
        if len(set(paths)) != len(paths):
            raise Refused('a path is listed more than once: %s' % sorted({p for p in paths if paths.count(p) > 1}))
        try:
            for spec in wanted:
                writer.stage_file(spec)
            for path in module.params['absent']:
                writer.stage_removal(path)
            writer.commit()
        finally:
            writer.close()
    except Refused as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg='cannot write %s: %s' % (exc.filename or 'a file', exc.strerror))
    result = dict(changed=bool(writer.changed_paths), changed_paths=writer.changed_paths)
    if module._diff:
        result['diff'] = writer.diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
