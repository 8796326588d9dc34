# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Durations written as people write them: 90, 90s, 15m, 2h, 7d, 2w."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

_UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
_DURATION_RE = re.compile(r'^\s*(\d+)\s*([smhdw]?)\s*$')


def parse_duration(text):
    """Seconds in a duration such as '15m'; ValueError naming the accepted forms otherwise."""
    match = _DURATION_RE.match(str(text))
    if not match:
        raise ValueError("%r is not a duration: write a whole number with an optional unit "
                         "s, m, h, d or w, for example 90s, 15m, 2h, 7d" % (text,))
    return int(match.group(1)) * _UNITS[match.group(2)]


def newest_allowed(older_than, now=None):
    """The modification time an entry must not exceed to be older than older_than
    (a duration text); None when older_than is None or empty."""
    if older_than is None or older_than == '':
        return None
    return (time.time() if now is None else now) - parse_duration(older_than)
