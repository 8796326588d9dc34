#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: lsattr
short_description: Read inode flags of a path or a tree, with filters for audits
version_added: 0.1.0
description:
  - Reads the inode flags that C(lsattr) shows, of one path or of every entry of a tree, without following links.
  - Filters select entries that have or lack flags, or that are older than an age, for example
    "regular files that are not immutable and were last written more than 15 minutes ago".
  - Returns counts over everything examined and a capped list of the matching entries.
options:
  path:
    description:
      - The file or directory to read. A final symbolic link is refused, never followed.
    type: path
    required: true
  having:
    description:
      - Flag letters an entry must all have to match, for example C(i).
    type: str
    default: ''
  lacking:
    description:
      - Flag letters an entry must all lack to match, for example C(i) for files that are not sealed.
    type: str
    default: ''
  largest:
    description:
      - Only regular files of at most this many bytes match (directories never do), for example C(0) for the empty
        files that an upload interrupted by a full disk leaves behind, sealed.
    type: int
  first_seen:
    description:
      - When each unsealed file was first seen unsealed, in seconds since the epoch, by inode number (the sweep's
        memory for one client, which is the C(unsealed) part of its entry in C(/var/lib/worm-sftp/sweep/seen.json)).
      - I(older_than) then counts from the earlier of that time and the file's modification time, so that a file
        its writer keeps rewriting, or holds open, still grows old.
    type: dict
    default: {}
notes:
  - Reading flags needs no capability, only permission to open the entry for reading.
  - Memory use does not grow with the number of entries.
seealso:
  - module: worm.sftp.chattr
  - module: ansible.builtin.stat
extends_documentation_fragment:
  - worm.sftp.tree_walk
author:
  - worm.sftp contributors (@worm-sftp)
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Reads only; there is nothing to show.
    support: none
'''

EXAMPLES = r'''
- name: Read the flags of one file
  worm.sftp.lsattr:
    path: /backups/alice-laptop/duplicati-20261130T101500Z.dlist.zip.aes
  register: flags

- name: Find files that should have been sealed by now
  worm.sftp.lsattr:
    path: /backups/alice-laptop
    recurse: true
    entry_types: [ file ]
    lacking: i
    older_than: 15m
  register: unsealed

- name: Fail when any file is left unsealed
  ansible.builtin.assert:
    that: unsealed.counts.matched == 0
    fail_msg: "{{ unsealed.counts.matched }} files are not sealed, for example {{ unsealed.entries | map(attribute='path') | first }}"
'''

RETURN = r'''
path:
  description: The path given.
  returned: always
  type: str
  sample: /backups/alice-laptop
attributes:
  description: The flag letters of I(path) itself, in lsattr's order.
  returned: always
  type: str
  sample: e
counts:
  description: How many entries were examined, matched, and skipped for each reason.
  returned: always
  type: dict
  sample: {examined: 1204, matched: 2, skipped_symlinks: 0, skipped_other: 0, skipped_mounts: 0, excluded: 0, exempt: 0,
           failed: 0}
matched_bytes:
  description: Total size of the matching regular files.
  returned: always
  type: int
  sample: 52428800
oldest_mtime:
  description: Modification time (seconds since the epoch) of the oldest matching entry, or null when none matched.
  returned: always
  type: float
  sample: 1795000000.0
newest_mtime:
  description: Modification time of the newest matching entry, or null when none matched.
  returned: always
  type: float
  sample: 1795003600.0
entries:
  description: Up to I(max_paths) matching entries.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Relative to I(path); C(.) is I(path) itself.
      type: str
    type:
      description: C(file) or C(directory).
      type: str
    attributes:
      description: Flag letters.
      type: str
    size:
      description: Size in bytes.
      type: int
    mtime:
      description: Modification time, seconds since the epoch.
      type: float
  sample: [ {path: duplicati-b1.dblock.zip.aes, type: file, attributes: e, size: 52428800, mtime: 1795000000.0} ]
entries_truncated:
  description: Whether more entries matched than I(entries) lists.
  returned: always
  type: bool
  sample: false
failures:
  description: Up to I(max_paths) entries that could not be read, with the reason.
  returned: always
  type: list
  elements: dict
  sample: []
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.worm.sftp.plugins.module_utils import fsflags
from ansible_collections.worm.sftp.plugins.module_utils import treewalk


class LsattrRun(treewalk.TreeVisit):
    """One walk that reads flags and keeps counts and a capped list of matches."""

    def __init__(self, having, lacking, params):
        super(LsattrRun, self).__init__(params['entry_types'], params['max_paths'], params['exclude'],
                                        params['older_than'], params['newer_than'], params['exempt'])
        self.having = having
        self.lacking = lacking
        self.largest = params['largest']
        try:
            self.first_seen = dict((str(inode), float(when)) for inode, when in params['first_seen'].items())
        except (TypeError, ValueError):
            raise ValueError('first_seen maps inode numbers to times in seconds since the epoch')
        self.flag_io = fsflags.FlagIO()
        self.counts['matched'] = 0
        self.matched_bytes = 0
        self.oldest = None
        self.newest = None
        self.entries = []

    def visit(self, fd, relpath, kind, st):
        """Read one open entry and record it when it matches; returns its flags."""
        flags = self.flag_io.get(fd, None if self.flag_io.uses_ioctl else self.path_of(relpath))
        if kind not in self.entry_types:
            return flags
        if flags & self.having != self.having or flags & self.lacking:
            return flags
        if not self.in_age(st, self.first_seen.get(str(st.st_ino))):
            return flags
        if self.largest is not None and (kind != treewalk.FILE or st.st_size > self.largest):
            return flags
        self.counts['matched'] += 1
        if kind == treewalk.FILE:
            self.matched_bytes += st.st_size
        self.oldest = st.st_mtime if self.oldest is None else min(self.oldest, st.st_mtime)
        self.newest = st.st_mtime if self.newest is None else max(self.newest, st.st_mtime)
        if len(self.entries) < self.max_paths:
            self.entries.append(dict(path=treewalk.display(relpath), type=kind, size=st.st_size,
                                     mtime=st.st_mtime, attributes=fsflags.bits_to_letters(flags)))
        return flags


def main():
    argument_spec = treewalk.tree_walk_argument_spec()
    argument_spec.update(
        path=dict(type='path', required=True),
        having=dict(type='str', default=''),
        lacking=dict(type='str', default=''),
        largest=dict(type='int'),
        first_seen=dict(type='dict', default={}),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    path = params['path']
    try:
        having = fsflags.known_letters_to_bits(params['having'])
        lacking = fsflags.known_letters_to_bits(params['lacking'])
        if params['max_paths'] < 0:
            raise ValueError('max_paths must be 0 or more')
        run = LsattrRun(having, lacking, params)
    except (ValueError, fsflags.FlagError) as exc:
        module.fail_json(msg=str(exc), path=path)

    try:
        root_flags = run.run(path, params['recurse'], params['cross_filesystems']) or 0
    except (treewalk.WalkError, fsflags.FlagError) as exc:
        module.fail_json(msg=str(exc), path=path)
    except OSError as exc:
        module.fail_json(msg='cannot read attributes of %s: %s' % (path, exc.strerror), path=path)

    result = dict(
        changed=False,
        path=path,
        attributes=fsflags.bits_to_letters(root_flags),
        counts=run.counts,
        matched_bytes=run.matched_bytes,
        oldest_mtime=run.oldest,
        newest_mtime=run.newest,
        entries=run.entries,
        entries_truncated=run.counts['matched'] > len(run.entries),
        failures=run.failures,
    )
    if run.counts['failed']:
        module.fail_json(msg=run.failure_message('could not be read'), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
