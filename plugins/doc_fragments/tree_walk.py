# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The tree-walk options that worm.sftp.chattr and worm.sftp.lsattr share.
    DOCUMENTATION = r'''
options:
  recurse:
    description:
      - Also act on every entry below I(path) when it is a directory, dot-files and sub-directories included.
    type: bool
    default: false
  entry_types:
    description:
      - Which kinds of entries the task acts on (changes, or lists), I(path) itself included.
      - C([file]) with I(recurse=true) acts on every regular file below a directory and leaves the directory
        and its sub-directories alone, for example to seal uploads while new ones can still arrive.
      - Symbolic links and special files (FIFOs, sockets, devices) are never acted on; they are counted.
    type: list
    elements: str
    choices: [ file, directory ]
    default: [ file, directory ]
  cross_filesystems:
    description:
      - Whether the walk enters sub-directories that are mount points of other filesystems.
    type: bool
    default: false
  exclude:
    description:
      - Shell patterns matched against each entry's path relative to I(path); matching entries are not acted on
        (they are counted as C(excluded)). C(*) also matches C(/), so C(*.partial) matches at any depth and
        C(locks/*) matches everything below C(locks). Excluded directories are still walked.
    type: list
    elements: str
    default: []
  exempt:
    description:
      - Exemptions that describe exactly the files a client program must still rename or remove after closing them
        (the role's profile exemptions, for example restic's temp files and locks). A regular file is not acted on
        (it is counted as C(exempt)) when its whole path relative to I(path) matches a rule's I(path), it has at
        most I(max_bytes) bytes, it was last modified no longer than I(max_age) ago, and the rule has not yet
        covered I(max_count) files in this walk. A file outside any bound is acted on like any other; directories
        are never exempt.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The rule's name.
        type: str
        required: true
      path:
        description: A Python regular expression that the whole relative path must match (it says where the file lives).
        type: str
        required: true
      max_bytes:
        description: The largest exempt file, in bytes.
        type: int
        required: true
      max_age:
        description: The longest time since the file was last modified, a duration such as C(30m).
        type: str
        required: true
      max_count:
        description: How many files the rule covers at most in one walk.
        type: int
        required: true
  older_than:
    description:
      - Only entries last modified longer ago than this are acted on (changed, listed, selected), for example
        C(15m) or C(180d).
      - A duration is a whole number of seconds (C(90)) or whole numbers each with a unit, optionally separated by
        spaces (C(90s), C(15m), C(15min), C(1h 30min), C(7d), C(2w)), units C(s), C(sec), C(second(s)), C(m), C(min),
        C(minute(s)), C(h), C(hr), C(hour(s)), C(d), C(day(s)), C(w), C(week(s)), at most C(36500d).
    type: str
  newer_than:
    description:
      - Only entries last modified less long ago than this are acted on; same forms as I(older_than).
    type: str
  max_paths:
    description:
      - How many entries (and failures) to list in the result; counts are always complete.
    type: int
    default: 100
attributes:
  platform:
    description: Linux filesystems with inode flags (ext4, xfs, btrfs, tmpfs, overlayfs).
    support: full
    platforms: posix
'''
