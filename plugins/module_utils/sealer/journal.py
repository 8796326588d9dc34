# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sealer's log: syslog, tagged worm-sftp-sealer (journalctl -t worm-sftp-sealer)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import syslog

INFO = syslog.LOG_INFO
WARNING = syslog.LOG_WARNING
ERROR = syslog.LOG_ERR


def open_log():
    syslog.openlog('worm-sftp-sealer', syslog.LOG_PID, syslog.LOG_DAEMON)


def log(message, priority=INFO):
    syslog.syslog(priority, message)
