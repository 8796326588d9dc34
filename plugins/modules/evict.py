#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: evict
short_description: Move selected files out of a backup tree into a quarantine, or delete them, without following links
version_added: 0.1.0
description:
  - Selects regular files below I(path) by relative path, shell pattern and age, and either moves them into I(dest)
    (keeping their relative paths, sealed with the immutable flag there), or, with I(delete=true), deletes them.
  - The admin's tool for quarantine and purge. It clears the immutable and append-only flags of each selected file
    just before moving or deleting it, and seals the file again when it stays.
  - Safe on trees that an untrusted user can write, as M(worm.sftp.chattr) is; links are never followed, the
    file is moved or deleted through its already-open parent directory.
options:
  path:
    description:
      - The directory to select files from, for example a client's backup directory.
    type: path
    required: true
  files:
    description:
      - Paths relative to I(path) of the files to select. A name that is not UTF-8 can be given as the modules and the
        audit print it, each byte that is not UTF-8 as C(\xNN). A listed file that is not there is reported in
        C(not_found), not an error, so that a re-run changes nothing.
    type: list
    elements: str
    default: []
  patterns:
    description:
      - Shell patterns matched against each file's path relative to I(path) (C(*) also matches C(/)).
    type: list
    elements: str
    default: []
  dest:
    description:
      - Directory to move the files into, on the same filesystem as I(path); created with mode 0700 when missing.
      - Required unless I(delete=true).
    type: path
  delete:
    description:
      - Delete the selected files instead of moving them. Nothing else deletes data in this collection.
    type: bool
    default: false
notes:
  - At least one of I(files), I(patterns), I(newer_than) and I(older_than) must be given; a file is selected when
    it matches I(files) or I(patterns) (when either is given) and every age condition.
  - Only regular files are selected; directories, links and special files are left where they are.
seealso:
  - module: worm.sftp.chattr
  - module: worm.sftp.lsattr
extends_documentation_fragment:
  - worm.sftp.tree_walk
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: Selects and reports without moving or deleting.
    support: full
  diff_mode:
    description: The list of evicted files is the result itself.
    support: none
'''

EXAMPLES = r'''
- name: Quarantine the partial upload that blocks Duplicati
  worm.sftp.evict:
    path: /backups/alice-laptop
    files: [duplicati-b7d1e2c3f4a5b6c7d8e9f0a1b2c3d4e5f.dblock.zip.aes]
    dest: /backups/.worm-sftp/quarantine/alice-laptop/20261130T101500Z/files

- name: Delete released files older than 180 days (an explicit purge)
  worm.sftp.evict:
    path: /backups/alice-laptop
    older_than: 180d
    delete: true
'''

RETURN = r'''
evicted:
  description: Up to I(max_paths) files moved or deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Relative to I(path) (and to I(dest) after a move).
      type: str
    size:
      description: Size in bytes.
      type: int
    mtime:
      description: Modification time, seconds since the epoch.
      type: float
    attributes:
      description: Flag letters the file had before.
      type: str
  sample: [ {path: duplicati-b7d1.dblock.zip.aes, size: 1048576, mtime: 1795000000.0, attributes: ie} ]
counts:
  description: Entries examined, files evicted, bytes evicted, and entries skipped for each reason.
  returned: always
  type: dict
  sample: {examined: 12, evicted: 1, evicted_bytes: 1048576, failed: 0}
not_found:
  description: Entries of I(files) that are not below I(path).
  returned: always
  type: list
  elements: str
  sample: []
failures:
  description: Up to I(max_paths) files that could not be evicted, with the reason.
  returned: always
  type: list
  elements: dict
  sample: []
'''

import errno
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.worm.sftp.plugins.module_utils import fsflags
from ansible_collections.worm.sftp.plugins.module_utils import treewalk

UNPROTECT = fsflags.FlagSpec('-ia')
SEAL = fsflags.FlagSpec('+i')


class EvictRun(treewalk.TreeVisit):
    """One walk that moves (or deletes) every selected file."""

    def __init__(self, params, check_mode):
        super(EvictRun, self).__init__([treewalk.FILE], params['max_paths'], params['exclude'],
                                       params['older_than'], params['newer_than'], params['exempt'])
        self.files = set(os.path.normpath(name) for name in params['files'])
        self.patterns = tuple(params['patterns'])
        self.check_mode = check_mode
        self.dest = params['dest']
        self.dest_fd = None
        self.flag_io = fsflags.FlagIO()
        self.found = set()
        self.evicted = []
        self.counts.update(evicted=0, evicted_bytes=0)

    def listed(self, relpath):
        """The entry of files that names relpath: its own name or, for a name that is not
        UTF-8, the form the modules and the audit print (each such byte as \\xNN)."""
        if relpath in self.files:
            return relpath
        shown = treewalk.display(relpath)
        return shown if shown != relpath and shown in self.files else None

    def selected(self, relpath, st):
        if (self.files or self.patterns) and not (
                self.listed(relpath) is not None or treewalk.is_excluded(relpath, self.patterns)):
            return False
        return self.in_age(st)

    def visit(self, fd, relpath, kind, st):
        if kind != treewalk.FILE or not self.selected(relpath, st):
            return
        self.found.add(self.listed(relpath) or relpath)
        path = None if self.flag_io.uses_ioctl else self.path_of(relpath)
        before = self.flag_io.get(fd, path)
        if not self.check_mode:
            fsflags.update(self.flag_io, fd, path, UNPROTECT, before=before)
            gone = False
            try:
                gone = self.move(relpath, st) if self.dest is not None else self.unlink(st)
            finally:
                if not gone and before & fsflags.PROTECTED_MASK:
                    # It stays where it was: put its i and a flags back.
                    fsflags.update(self.flag_io, fd, path, fsflags.FlagSpec(
                        '+' + fsflags.bits_to_letters(before & fsflags.PROTECTED_MASK)))
                elif self.dest is not None:
                    fsflags.update(self.flag_io, fd, path and os.path.join(self.dest, relpath), SEAL)
        self.counts['evicted'] += 1
        self.counts['evicted_bytes'] += st.st_size
        if len(self.evicted) < self.max_paths:
            self.evicted.append(dict(path=treewalk.display(relpath), size=st.st_size, mtime=st.st_mtime,
                                     attributes=fsflags.bits_to_letters(before)))

    def unlink(self, st):
        entry = self.entry
        # The name must still be the file that was opened (the client can write this directory).
        if os.stat(entry.name, dir_fd=entry.parent_fd, follow_symlinks=False).st_ino != st.st_ino:
            raise OSError(errno.ESTALE, 'replaced while being deleted')
        os.unlink(entry.name, dir_fd=entry.parent_fd)
        return True

    def move(self, relpath, st):
        entry = self.entry
        parts = relpath.split('/')
        if self.dest_fd is None:
            # Created on the first file, so that a run that selects nothing creates nothing.
            self.dest_fd = open_dest(self.dest, self.root_path)
        dir_fd = self.dest_fd
        opened = []
        try:
            for part in parts[:-1]:
                try:
                    os.mkdir(part, 0o700, dir_fd=dir_fd)
                except FileExistsError:
                    pass
                dir_fd = os.open(part, treewalk.DIR_FLAGS, dir_fd=dir_fd)
                opened.append(dir_fd)
            try:
                os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
                raise OSError(errno.EEXIST, 'already in the destination')
            except FileNotFoundError:
                pass
            os.rename(entry.name, parts[-1], src_dir_fd=entry.parent_fd, dst_dir_fd=dir_fd)
            if os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False).st_ino != st.st_ino:
                # The client swapped the name between open and rename: what moved is its own
                # new file, kept in the quarantine; the selected file stays and is sealed again.
                raise OSError(errno.ESTALE, 'replaced while being moved; the replacement was quarantined')
            return True
        finally:
            for fd in opened:
                os.close(fd)


def open_dest(dest, root_path):
    """Open (creating it when missing) the destination directory on the tree's filesystem."""
    old_umask = os.umask(0o077)
    try:
        os.makedirs(dest, 0o700, exist_ok=True)
    finally:
        os.umask(old_umask)
    fd = os.open(dest, treewalk.DIR_FLAGS)
    if os.fstat(fd).st_dev != os.stat(root_path).st_dev:
        os.close(fd)
        raise treewalk.WalkError('dest %s is not on the filesystem of %s: a quarantine must be on the same '
                                 'filesystem so that files move without being copied' % (dest, root_path))
    return fd


def main():
    argument_spec = treewalk.tree_walk_argument_spec()
    argument_spec.update(
        path=dict(type='path', required=True),
        files=dict(type='list', elements='str', default=[]),
        patterns=dict(type='list', elements='str', default=[]),
        newer_than=dict(type='str'),
        dest=dict(type='path'),
        delete=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[('dest', 'delete')])
    params = module.params
    path = params['path']
    if not (params['files'] or params['patterns'] or params['older_than'] or params['newer_than']):
        module.fail_json(msg='select files with files, patterns, older_than or newer_than; '
                             'this module never evicts a whole tree by default', path=path)
    if not params['delete'] and not params['dest']:
        module.fail_json(msg='give dest (a quarantine directory) or delete=true', path=path)
    for name in params['files']:
        if os.path.isabs(name) or name in ('', '.') or '..' in name.split('/'):
            module.fail_json(msg='files must be paths relative to %s without "..": %r' % (path, name), path=path)
    run = None
    try:
        run = EvictRun(params, module.check_mode)
        run.run(path, recurse=True, cross_filesystems=False)
    except ValueError as exc:
        module.fail_json(msg=str(exc), path=path)
    except (treewalk.WalkError, fsflags.FlagError) as exc:
        module.fail_json(msg=str(exc), path=path)
    except OSError as exc:
        module.fail_json(msg='cannot evict from %s: %s' % (path, exc.strerror), path=path)
    finally:
        if run is not None and run.dest_fd is not None:
            os.close(run.dest_fd)
    result = dict(changed=run.counts['evicted'] > 0, path=path, dest=params['dest'], evicted=run.evicted,
                  counts=run.counts, failures=run.failures,
                  not_found=sorted(treewalk.display(name) for name in run.files - run.found))
    if run.counts['failed']:
        module.fail_json(msg=run.failure_message('could not be evicted'), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
