# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Linux capabilities as /proc/PID/status shows them (hex bit masks), by name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Bit numbers from linux/capability.h: only the ones this collection needs.
CAPABILITY_BITS = {
    'CAP_CHOWN': 0,
    'CAP_DAC_OVERRIDE': 1,
    'CAP_DAC_READ_SEARCH': 2,
    'CAP_FOWNER': 3,
    'CAP_KILL': 5,
    'CAP_LINUX_IMMUTABLE': 9,
    'CAP_SYS_ADMIN': 21,
    'CAP_LEASE': 28,
}


def status_mask(status_text, field='CapBnd'):
    """The capability mask of one field (CapBnd, CapEff, ...) of a /proc/PID/status text."""
    for line in status_text.splitlines():
        key, _sep, value = line.partition(':')
        if key == field:
            return int(value.strip(), 16)
    raise ValueError('no %s line in the process status' % field)


def missing_capabilities(status_text, names, field='CapBnd'):
    """The names (in the order given) whose bit is not set in that field's mask."""
    mask = status_mask(status_text, field)
    unknown = [name for name in names if name not in CAPABILITY_BITS]
    if unknown:
        raise ValueError('unknown capability names: %s' % ', '.join(unknown))
    return [name for name in names if not mask >> CAPABILITY_BITS[name] & 1]
