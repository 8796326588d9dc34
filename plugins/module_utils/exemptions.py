# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Profile exemptions: the few files a profile's client program must still rename or remove
after closing them (restic's temp files and locks), described exactly, so that nothing else
can hide behind them.

A rule names the file's whole path relative to the client directory (a regular expression
matched in full, so it says where the file lives and the exact form of its name), and bounds
its size, its age and how many files it covers. Only regular files are ever exempt, never a
directory or anything below one. A file outside any bound is sealed like any other.

The age of a file is counted from the earlier of its modification time and the moment the
sealer first saw it closed (when the caller remembers that): a client can make the
modification time older (and so lose the exemption sooner), never keep its own file young.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from . import durations

RULE_KEYS = ('name', 'path', 'max_bytes', 'max_age', 'max_count')


class Rule:
    """One exemption, from a dict with RULE_KEYS; raises ValueError naming what is wrong."""

    def __init__(self, spec):
        if not isinstance(spec, dict) or sorted(spec) != sorted(RULE_KEYS):
            raise ValueError('an exemption needs exactly %s, not %r' % (', '.join(RULE_KEYS), spec))
        self.name = str(spec['name'])
        try:
            self.pattern = re.compile(spec['path'])
        except (re.error, TypeError) as exc:
            raise ValueError('exemption %s: path %r is not a regular expression (%s)' % (self.name, spec['path'], exc))
        for key in ('max_bytes', 'max_count'):
            if not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 0:
                raise ValueError('exemption %s: %s must be a whole number of 0 or more, not %r' % (
                    self.name, key, spec[key]))
        self.max_bytes = spec['max_bytes']
        self.max_count = spec['max_count']
        self.max_age = durations.parse_duration(spec['max_age'])


def parse_rules(specs):
    """Rules from their dicts (the profile's exempt list); raises ValueError."""
    return [Rule(spec) for spec in specs or ()]


class Exemptions:
    """Decides, file by file during one walk, which files the rules leave mutable, and counts
    them per rule so that max_count holds for the walk."""

    def __init__(self, rules, now):
        self.rules = rules
        self.now = now
        self.used = dict((rule.name, 0) for rule in rules)

    def rule_for(self, relpath, st, first_seen_closed=None):
        """The rule that leaves this regular file (relpath, its fstat st) mutable, or None.
        first_seen_closed: when the caller first saw the file closed, if it remembers."""
        for rule in self.rules:
            if rule.pattern.fullmatch(relpath) is None:
                continue
            born = min(st.st_mtime, self.now if first_seen_closed is None else first_seen_closed)
            if st.st_size > rule.max_bytes or self.now - born > rule.max_age or self.used[rule.name] >= rule.max_count:
                return None
            self.used[rule.name] += 1
            return rule
        return None
