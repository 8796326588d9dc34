# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one reading of durations: what it accepts, what it refuses and how it says so."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil
import subprocess

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import durations

ACCEPTED = [
    ('90', 90),
    (90, 90),
    ('0', 0),
    ('0s', 0),
    ('000090', 90),
    (' 90 ', 90),
    ('90s', 90),
    ('1sec', 1),
    ('1second', 1),
    ('3seconds', 3),
    ('15m', 900),
    ('15min', 900),
    ('1minute', 60),
    ('2minutes', 120),
    ('5 min', 300),
    ('15 minutes', 900),
    ('2h', 7200),
    ('2hr', 7200),
    ('1hour', 3600),
    ('3hours', 10800),
    ('7d', 604800),
    (' 3 d ', 259200),
    ('1day', 86400),
    ('180days', 15552000),
    ('2w', 1209600),
    ('1week', 604800),
    ('2weeks', 1209600),
    ('1h 30min', 5400),
    ('1h30min', 5400),
    ('1h  30min ', 5400),
    ('1d 2h 3m 4s', 93784),
    ('1w 1w', 1209600),
    ('36500d', 36500 * 86400),
]

REFUSED = [
    '',
    ' ',
    '-5m',
    '+5m',
    '1.5h',
    '1,5h',
    '15mins',
    '15secs',
    '2hrs',
    '15M',
    '2H',
    '10ms',
    '10msec',
    '10us',
    '10usec',
    '1y',
    '3y',
    '1month',
    'm',
    'min',
    '1h 30',
    '1h and 30min',
    '5m\n',
    '5\tm',
    '\u0663s',  # ARABIC-INDIC DIGIT THREE
    '36501d',
    '9' * 5000,
    True,
    None,
    1.5,
    [5],
]


@pytest.mark.parametrize('text, seconds', ACCEPTED)
def test_accepted(text, seconds):
    assert durations.parse_duration(text) == seconds


@pytest.mark.parametrize('text', REFUSED)
def test_refused_with_the_accepted_forms(text):
    with pytest.raises(ValueError) as refused:
        durations.parse_duration(text)
    message = str(refused.value)
    assert 'is not a duration' in message
    assert durations.ACCEPTED_FORMS in message
    assert 'for example 90s, 15m' in message
    assert len(message) < 500


@pytest.mark.parametrize('text, unit', [('15mins', 'mins'), ('10ms', 'ms'), ('1y', 'y')])
def test_an_unknown_unit_is_named(text, unit):
    with pytest.raises(ValueError, match="unknown unit '%s'" % unit):
        durations.parse_duration(text)


@pytest.mark.skipif(shutil.which('systemd-analyze') is None, reason='systemd-analyze is not installed')
@pytest.mark.parametrize('text, seconds', [case for case in ACCEPTED if isinstance(case[0], str)])
def test_systemd_reads_every_accepted_text_the_same(text, seconds):
    """An oracle independent of our code: each accepted text is a systemd time span of the same length."""
    out = subprocess.run(['systemd-analyze', 'timespan', text], check=True, stdout=subprocess.PIPE).stdout.decode()
    micros = [line.split(':', 1)[1].strip() for line in out.splitlines() if line.strip().startswith('\u03bcs:')]
    assert micros == [str(seconds * 1000000)], out


@pytest.mark.parametrize('text, minimum, maximum, expected', [
    ('5m', None, None, ''),
    ('5m', '10s', '1d', ''),
    ('10s', '10s', '1d', ''),
    ('1d', '10s', '1d', ''),
    ('9s', '10s', '1d', "sweep: '9s' is 9 seconds; it must be at least 10s."),
    ('1d 1s', '10s', '1d', "sweep: '1d 1s' is 86401 seconds; it must be at most 1d."),
    ('15mins', None, None, "sweep: '15mins' is not a duration: unknown unit 'mins'; write " + durations.ACCEPTED_FORMS + '.'),
    ('', '10s', None, "sweep: '' is not a duration: write " + durations.ACCEPTED_FORMS + '.'),
])
def test_duration_error_names_the_option_the_value_and_the_forms(text, minimum, maximum, expected):
    assert durations.duration_error(text, 'sweep', minimum, maximum) == expected


@pytest.mark.parametrize('text, expected', [(None, None), ('', None), ('0s', 1000.0), ('15m', 100.0), ('1h 30min', -4400.0)])
def test_newest_allowed(text, expected):
    assert durations.newest_allowed(text, now=1000.0) == expected


def test_newest_allowed_refuses_what_parse_duration_refuses():
    with pytest.raises(ValueError, match='is not a duration'):
        durations.newest_allowed('15mins', now=1000.0)
