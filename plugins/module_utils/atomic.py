# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files replaced whole: the lifecycle states, the sweep's memory and figures, the sealer's
watch status, the sysctl drop-in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


def replace_file(path, content, mode):
    """Replace path atomically (a reader never sees half a file), through a new temporary
    file beside it (never a link someone planted), synced before the rename; no temporary
    file is left behind."""
    temp = '%s.%d.tmp' % (path, os.getpid())
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
        with os.fdopen(fd, 'w') as handle:
            handle.write(content)
            handle.flush()
            os.fchmod(handle.fileno(), mode)  # whatever the umask
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
