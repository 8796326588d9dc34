# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one reading of durations in worm.sftp: the role's options, the modules' older_than and
newer_than, the filters and the sealer program all parse them here.

Accepted: a whole number of seconds (90), or one or more parts <whole number><unit>, with
optional spaces between the number and its unit and between parts (90s, 15m, 15min,
1h 30min, 1h30min, 7d, 2w); the parts add up. Units, lowercase only:

    s, sec, second, seconds      m, min, minute, minutes      h, hr, hour, hours
    d, day, days                 w, week, weeks

These are systemd's own spellings of those units (systemd.time(7)), so every accepted text
means the same to systemd; the role still hands systemd plain seconds. Refused: an empty
text, a sign, a fraction (1.5h: write 1h 30min), a bare number after a part (1h 30),
other spellings (15mins, 2hrs: systemd refuses them too), sub-second units (ms, us: nothing
here works below a second), months and years (M, y: not a fixed number of seconds; write
days), uppercase (systemd reads 15M as 15 months), whitespace other than spaces, and
more than 36500d (a century).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

UNITS = {
    's': 1, 'sec': 1, 'second': 1, 'seconds': 1,
    'm': 60, 'min': 60, 'minute': 60, 'minutes': 60,
    'h': 3600, 'hr': 3600, 'hour': 3600, 'hours': 3600,
    'd': 86400, 'day': 86400, 'days': 86400,
    'w': 604800, 'week': 604800, 'weeks': 604800,
}

# Longer is no age a file here can have, and an int this size still converts to a float.
MAX_SECONDS = 36500 * 86400

ACCEPTED_FORMS = ('a whole number of seconds (for example 90) or whole numbers each with a unit, optionally '
                  'separated by spaces (for example 90s, 15m, 15min, 1h 30min, 7d, 2w); units: s, sec, second(s); '
                  'm, min, minute(s); h, hr, hour(s); d, day(s); w, week(s)')

# ASCII digits and spaces only: \d would take other scripts' digits, \s newlines and tabs.
_SECONDS_RE = re.compile(r' *([0-9]+) *\Z')
_PARTS_RE = re.compile(r' *(?:[0-9]+ *[a-z]+ *)+\Z')
_PART_RE = re.compile(r'([0-9]+) *([a-z]+)')


def _shown(text):
    """text as error messages quote it, cut short when long."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + '...'


def parse_duration(text):
    """Seconds (an int) in a duration such as '15m' or '1h 30min'; ValueError naming the
    accepted forms otherwise. Integers are read as seconds."""
    text = str(text)
    match = _SECONDS_RE.match(text)
    if match:
        parts = [(match.group(1), 's')]
    elif _PARTS_RE.match(text):
        parts = _PART_RE.findall(text)
    else:
        raise ValueError('%s is not a duration: write %s' % (_shown(text), ACCEPTED_FORMS))
    seconds = 0
    for number, unit in parts:
        if unit not in UNITS:
            raise ValueError('%s is not a duration: unknown unit %s; write %s'
                             % (_shown(text), _shown(unit), ACCEPTED_FORMS))
        number = number.lstrip('0') or '0'
        # Checked before int(): a long enough string of digits is an error there of its own.
        if len(number) > len(str(MAX_SECONDS)):
            seconds = MAX_SECONDS + 1
            break
        seconds += int(number) * UNITS[unit]
    if seconds > MAX_SECONDS:
        raise ValueError('%s is not a duration: it is longer than %dd (a century); write %s'
                         % (_shown(text), MAX_SECONDS // 86400, ACCEPTED_FORMS))
    return seconds


def duration_error(text, name, minimum=None, maximum=None):
    """'' when text is a duration within [minimum, maximum] (durations too, either may be None),
    else one sentence naming the option (name), the value and what is accepted."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        return '%s: %s.' % (name, exc)
    if minimum is not None and seconds < parse_duration(minimum):
        return '%s: %s is %d seconds; it must be at least %s.' % (name, _shown(str(text)), seconds, minimum)
    if maximum is not None and seconds > parse_duration(maximum):
        return '%s: %s is %d seconds; it must be at most %s.' % (name, _shown(str(text)), seconds, maximum)
    return ''


def newest_allowed(older_than, now=None):
    """The modification time an entry must not exceed to be older than older_than
    (a duration text); None when older_than is None or empty."""
    if older_than is None or older_than == '':
        return None
    return (time.time() if now is None else now) - parse_duration(older_than)
