# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the programs of a target (the sealer, the window closer) find the files they share
with the role. The role defines the paths once (__backup_target_layout in its vars/main.yml)
and writes them to layout.json beside the programs; each program reads that file at start.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

FILE_NAME = 'layout.json'

# The paths, and what each holds.
PATHS = {
    'config_dir': "the clients' settings, <client>.json, written by the role",
    'state_dir': "the clients' lifecycle states (legal hold, release window), written by the admin playbooks",
    'pending_dir': 'the kick files incron (and the window closer) write, one per client',
    'seen_file': "what the sweep saw of unsealed and exempt files, and since when",
    'watch_status_file': "what the watching sealer reports of its directory watches, in its runtime directory",
}


class LayoutError(Exception):
    """The layout file is missing or wrong; the message says what to change."""


class Layout:
    """The shared paths, as attributes (config_dir, state_dir, pending_dir, seen_file, watch_status_file)."""

    def __init__(self, **paths):
        unknown = sorted(set(paths) - set(PATHS))
        missing = sorted(set(PATHS) - set(paths))
        if unknown or missing:
            raise LayoutError('the layout needs exactly %s; %s' % (', '.join(sorted(PATHS)), '; '.join(
                part for part in ('unknown: ' + ', '.join(unknown) if unknown else '',
                                  'missing: ' + ', '.join(missing) if missing else '') if part)))
        for key, path in sorted(paths.items()):
            if not isinstance(path, str) or not os.path.isabs(path):
                raise LayoutError('%s must be an absolute path, not %r' % (key, path))
            setattr(self, key, path)

    def as_dict(self):
        return dict((key, getattr(self, key)) for key in PATHS)


def beside(program):
    """The layout file installed beside a program (its __file__)."""
    return os.path.join(os.path.dirname(os.path.abspath(program)), FILE_NAME)


def load(path):
    """The Layout in a file the role wrote."""
    try:
        with open(path) as handle:
            paths = json.load(handle)
    except (OSError, ValueError) as exc:
        raise LayoutError('cannot read %s (%s): run the worm.sftp.backup_target role again to write it' % (path, exc))
    if not isinstance(paths, dict):
        raise LayoutError('%s must hold a JSON object of paths: run the worm.sftp.backup_target role again' % path)
    return Layout(**paths)
