# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capabilities read from a process status, as the role's preflight reads PID 1's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.worm.sftp.plugins.filter.missing_capabilities import missing_capabilities

NEEDED = ['CAP_LINUX_IMMUTABLE', 'CAP_FOWNER', 'CAP_DAC_READ_SEARCH', 'CAP_LEASE', 'CAP_SYS_ADMIN']


def status(bounding):
    return 'Name:\tsystemd\nCapInh:\t0000000000000000\nCapBnd:\t%016x\nCapAmb:\t0000000000000000\n' % bounding


@pytest.mark.parametrize('bounding, missing', [
    (0x000001ffffffffff, []),                                               # a host's PID 1: everything
    (0x00000000800405fb, ['CAP_LINUX_IMMUTABLE', 'CAP_DAC_READ_SEARCH', 'CAP_LEASE', 'CAP_SYS_ADMIN']),  # podman's default
    (0x00000000a80425fb, ['CAP_LINUX_IMMUTABLE', 'CAP_DAC_READ_SEARCH', 'CAP_LEASE', 'CAP_SYS_ADMIN']),  # Docker's default
    (0x00000000800405fb | 1 << 9 | 1 << 2 | 1 << 28, ['CAP_SYS_ADMIN']),    # --cap-add for the sealer only
    (0, NEEDED),
])
def test_names_the_capabilities_whose_bit_is_clear(bounding, missing):
    assert missing_capabilities(status(bounding), NEEDED) == missing


@pytest.mark.needs_root  # root holds every capability the sealer needs
def test_reads_this_process():
    with open('/proc/self/status') as handle:
        text = handle.read()
    # The unit tests run as root on the host: nothing the role needs is missing here.
    assert missing_capabilities(text, NEEDED, 'CapEff') == []


@pytest.mark.parametrize('text, names, message', [
    ('Name:\tx\n', ['CAP_LEASE'], 'no CapBnd line'),
    (status(0), ['CAP_MAKE_COFFEE'], 'unknown capability names: CAP_MAKE_COFFEE'),
])
def test_unreadable_input_is_a_clear_error(text, names, message):
    with pytest.raises(AnsibleFilterError, match=message):
        missing_capabilities(text, names)
