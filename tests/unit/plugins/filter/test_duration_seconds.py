# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The duration filters as playbooks see them: the same reading as module_utils.durations."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.worm.sftp.plugins.filter import duration_error, duration_seconds
from ansible_collections.worm.sftp.plugins.module_utils import durations


@pytest.mark.parametrize('text, seconds', [('90', 90), (90, 90), ('15m', 900), ('5min', 300), ('1h 30min', 5400),
                                           ('7d', 604800), ('2weeks', 1209600)])
def test_duration_seconds(text, seconds):
    assert duration_seconds.duration_seconds(text) == seconds


@pytest.mark.parametrize('text', ['15mins', '', '1.5h', '-1m', '10ms', '15M'])
def test_duration_seconds_fails_naming_the_accepted_forms(text):
    with pytest.raises(AnsibleFilterError) as failed:
        duration_seconds.duration_seconds(text)
    assert durations.ACCEPTED_FORMS in str(failed.value)


def test_the_filters_are_registered_by_name():
    assert duration_seconds.FilterModule().filters() == {'duration_seconds': duration_seconds.duration_seconds}
    assert duration_error.FilterModule().filters() == {'duration_error': durations.duration_error}


@pytest.mark.parametrize('text, kwargs, expected', [
    ('15m', {}, ''),
    ('20s', {'minimum': '10s', 'maximum': '1d'}, ''),
    ('15mins', {}, "backup_target_sealing_bound: '15mins' is not a duration"),
    ('5s', {'minimum': '10s'}, "backup_target_sealing_bound: '5s' is 5 seconds; it must be at least 10s."),
])
def test_duration_error(text, kwargs, expected):
    message = duration_error.FilterModule().filters()['duration_error'](text, 'backup_target_sealing_bound', **kwargs)
    assert message.startswith(expected) if expected else message == ''
