#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: chattr
short_description: Set inode flags such as immutable, idempotently and without following links
version_added: 0.1.0
description:
  - Changes the inode flags that C(chattr) sets and C(lsattr) shows, on one path or on every entry of a tree.
  - Flags are compared as bit sets, so C(+i) on a file that already has C(i) (and ext4's C(e)) reports no change,
    and C(=) never tries to change flags that only the kernel manages (C(e), C(E), C(I), C(N), C(V)).
  - Safe on trees that an untrusted user can write. Every entry is opened relative to its already-open parent
    directory with C(O_NOFOLLOW); symbolic links are never followed at any depth, they are skipped and counted.
    No shell and no process per file are run.
  - Uses the C(FS_IOC_GETFLAGS)/C(FS_IOC_SETFLAGS) ioctls; on architectures whose ioctl numbers are not known
    it falls back to the C(chattr) and C(lsattr) programs.
options:
  path:
    description:
      - The file or directory to change.
      - A final symbolic link is refused, never followed. The parent directories of I(path) are trusted;
        below I(path) nothing is.
    type: path
    required: true
  attributes:
    description:
      - The change in C(chattr) syntax, an operator followed by flag letters, for example C(+i), C(-a), C(=i) or C(+ia).
      - C(+) adds, C(-) removes, C(=) sets exactly these among the flags a user can set and keeps the kernel-managed ones.
      - Letters a user can set are C(s u S D i a d A c j t T C x F P m).
    type: str
    required: true
    aliases: [ attr ]
  skip_open_for_writing:
    description:
      - When I(attributes) adds C(i) or C(a) to a regular file that a process has open for writing (an upload in
        flight), leave that file as it is; it is counted as C(busy) and listed in I(busy_paths), not as a failure. Whether a
        writer exists is the kernel's answer to a read lease request, and the lease is held while the flag is set,
        so no writer can appear in between. The sealer asks the same question.
      - Set to C(false) to set the flag whatever is writing (the writer's next write then fails).
    type: bool
    default: true
notes:
  - Changing C(i) or C(a) needs the C(CAP_LINUX_IMMUTABLE) capability (root has it; containers need
    C(--cap-add LINUX_IMMUTABLE)). Other flags need ownership of the file or C(CAP_FOWNER).
  - ext4, xfs, btrfs, tmpfs (C(i), C(a), C(d), C(A) only) and overlayfs support flags; NFS and CIFS clients do not.
    The module names the filesystem type when it refuses a flag, and reads the flags back after each change so that
    a silently dropped flag is reported.
  - Failures on single entries of a tree are collected and reported, and then the module fails. Entries changed
    before a failure stay changed.
  - Memory use does not grow with the number of entries.
seealso:
  - module: worm.sftp.lsattr
  - module: ansible.builtin.file
    description: Its I(attributes) option compares flags as text and reports a change on every run.
extends_documentation_fragment:
  - worm.sftp.tree_walk
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: Computes and reports every change without making it.
    support: full
  diff_mode:
    description: Shows the flags before and after of each changed entry (capped by I(max_paths)).
    support: full
'''

EXAMPLES = r'''
- name: Make a file immutable
  worm.sftp.chattr:
    path: /backups/alice-laptop/duplicati-20261130T101500Z.dblock.zip.aes
    attributes: +i

- name: Seal every file below a backup directory, dot-files too, keeping directories writable
  worm.sftp.chattr:
    path: /backups/alice-laptop
    attributes: +i
    recurse: true
    entry_types: [ file ]

- name: Release a file for deletion
  worm.sftp.chattr:
    path: /backups/alice-laptop/old.zip
    attributes: -i

- name: Keep exactly append-only among the settable flags (ext4's e stays)
  worm.sftp.chattr:
    path: /var/log/audit.log
    attributes: =a
'''

RETURN = r'''
path:
  description: The path given.
  returned: always
  type: str
  sample: /backups/alice-laptop
attributes:
  description: The flag letters of I(path) itself after the task, in lsattr's order.
  returned: always
  type: str
  sample: ie
counts:
  description: How many entries were examined, changed, and skipped for each reason.
  returned: always
  type: dict
  contains:
    examined:
      description: Entries met, I(path) and skipped entries included.
      type: int
      sample: 1204
    changed:
      description: Entries whose flags changed (or would change in check mode).
      type: int
      sample: 3
    skipped_symlinks:
      description: Symbolic links met and not followed.
      type: int
      sample: 0
    skipped_other:
      description: FIFOs, sockets and devices, which never change.
      type: int
      sample: 0
    skipped_mounts:
      description: Sub-directories on another filesystem that were not entered.
      type: int
      sample: 0
    excluded:
      description: Entries that matched I(exclude).
      type: int
      sample: 0
    exempt:
      description: Regular files left alone by a rule of I(exempt).
      type: int
      sample: 0
    failed:
      description: Entries that could not be examined or changed.
      type: int
      sample: 0
    busy:
      description: Regular files left unchanged because a process had them open for writing (I(skip_open_for_writing)).
      type: int
      sample: 0
  sample: {examined: 1204, changed: 3, skipped_symlinks: 0, skipped_other: 0, skipped_mounts: 0, excluded: 0, exempt: 0,
           failed: 0, busy: 0}
busy_paths:
  description: Up to I(max_paths) files left unchanged because they were open for writing, relative to I(path).
  returned: always
  type: list
  elements: str
  sample: [ duplicati-b2.dblock.zip.aes ]
changed_paths:
  description: Up to I(max_paths) changed entries, relative to I(path) (C(.) is I(path) itself).
  returned: always
  type: list
  elements: str
  sample: [ duplicati-b1.dblock.zip.aes, .hidden, sub/file ]
changed_paths_truncated:
  description: Whether more entries changed than I(changed_paths) lists.
  returned: always
  type: bool
  sample: false
failures:
  description: Up to I(max_paths) entries that failed, with the reason.
  returned: always
  type: list
  elements: dict
  sample: [ {path: sub/file, error: Permission denied} ]
'''


from ansible.module_utils.basic import AnsibleModule
from ansible_collections.worm.sftp.plugins.module_utils import fsflags
from ansible_collections.worm.sftp.plugins.module_utils import treewalk


class ChattrRun(treewalk.TreeVisit):
    """One walk that computes and (outside check mode) applies a flag change."""

    def __init__(self, spec, entry_types, max_paths, check_mode, exclude=(), older_than=None, newer_than=None,
                 skip_open_for_writing=True, exempt=()):
        super(ChattrRun, self).__init__(entry_types, max_paths, exclude, older_than, newer_than, exempt)
        self.spec = spec
        self.check_mode = check_mode
        self.flag_io = fsflags.FlagIO()
        # Sealing (adding i or a) waits for the writer, as the sealer does; other changes do not.
        self.ask_for_writers = skip_open_for_writing and bool(spec.apply(0) & fsflags.PROTECTED_MASK)
        self.counts.update(changed=0, busy=0)
        self.changed_paths = []
        self.busy_paths = []
        self.diff_before = {}
        self.diff_after = {}

    def visit(self, fd, relpath, kind, st):
        """Apply the change to one open entry; returns its flags after."""
        path = None if self.flag_io.uses_ioctl else self.path_of(relpath)
        if kind not in self.entry_types or not self.in_age(st):
            return self.flag_io.get(fd, path)
        if self.ask_for_writers and kind == treewalk.FILE:
            with fsflags.no_writers(fd) as finished:
                if not finished:
                    return self.left_busy(fd, path, relpath)
                before, after = fsflags.update(self.flag_io, fd, path, self.spec, self.check_mode)
        else:
            before, after = fsflags.update(self.flag_io, fd, path, self.spec, self.check_mode)
        if before != after:
            self.counts['changed'] += 1
            if len(self.changed_paths) < self.max_paths:
                shown = treewalk.display(relpath)
                self.changed_paths.append(shown)
                self.diff_before[shown] = fsflags.bits_to_letters(before)
                self.diff_after[shown] = fsflags.bits_to_letters(after)
        return after

    def left_busy(self, fd, path, relpath):
        flags = self.flag_io.get(fd, path)
        if self.spec.apply(flags) != flags:
            self.counts['busy'] += 1
            if len(self.busy_paths) < self.max_paths:
                self.busy_paths.append(treewalk.display(relpath))
        return flags


def main():
    argument_spec = treewalk.tree_walk_argument_spec()
    argument_spec.update(
        path=dict(type='path', required=True),
        attributes=dict(type='str', required=True, aliases=['attr']),
        skip_open_for_writing=dict(type='bool', default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    fsflags.ignore_lease_breaks()
    path = module.params['path']
    if module.params['max_paths'] < 0:
        module.fail_json(msg='max_paths must be 0 or more', path=path)
    try:
        spec = fsflags.FlagSpec(module.params['attributes'])
    except fsflags.FlagError as exc:
        module.fail_json(msg=str(exc), path=path)

    try:
        run = ChattrRun(spec, module.params['entry_types'], module.params['max_paths'], module.check_mode,
                        module.params['exclude'], module.params['older_than'], module.params['newer_than'],
                        module.params['skip_open_for_writing'], module.params['exempt'])
    except ValueError as exc:
        module.fail_json(msg=str(exc), path=path)
    result = dict(path=path)
    try:
        root_after = run.run(path, module.params['recurse'], module.params['cross_filesystems'])
    except treewalk.WalkError as exc:
        module.fail_json(msg=str(exc), path=path)
    except fsflags.FlagError as exc:
        module.fail_json(msg=str(exc), path=path, counts=run.counts, changed_paths=run.changed_paths,
                         failures=run.failures, changed=run.counts['changed'] > 0)
    except OSError as exc:
        module.fail_json(msg='cannot change attributes of %s: %s' % (path, exc.strerror), path=path)

    result.update(
        changed=run.counts['changed'] > 0,
        attributes=fsflags.bits_to_letters(root_after or 0),
        counts=run.counts,
        changed_paths=run.changed_paths,
        changed_paths_truncated=run.counts['changed'] > len(run.changed_paths),
        failures=run.failures,
        busy_paths=run.busy_paths,
    )
    if module._diff and result['changed']:
        result['diff'] = dict(
            before=dict(path=path, entries=run.diff_before),
            after=dict(path=path, entries=run.diff_after,
                       entries_not_listed=run.counts['changed'] - len(run.changed_paths)),
        )
    if run.counts['failed']:
        module.fail_json(msg=run.failure_message('failed'), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
