# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sealer's command line (see the entry point's usage)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import os

from .. import fsflags, layout
from . import journal, sweep, watch


def parser():
    found = argparse.ArgumentParser(prog='worm-sftp-sealer',
                                    description='Seal finished uploads of worm.sftp backup clients.')
    found.add_argument('--client', action='append', default=[], help='seal only this client (repeatable)')
    found.add_argument('--watch', action='store_true', help='run as the service that incron kicks')
    found.add_argument('--textfile', help='also write the figures of every client to this .prom file')
    found.add_argument('--bound', default='15m', help='unsealed files older than this are overdue (with --textfile)')
    found.add_argument('--max-watches', type=int, default=watch.MAX_WATCHES_PER_CLIENT,
                       help='directory watches one client may hold (with --watch)')
    return found


def main(layout_file, argv=None):
    """Run the sealer with the paths in layout_file; returns the exit status (the service
    returns only when it cannot run)."""
    args = parser().parse_args(argv)
    journal.open_log()
    try:
        paths = layout.load(layout_file)
    except layout.LayoutError as exc:
        journal.log(str(exc), journal.ERROR)
        return 'worm-sftp-sealer: %s' % exc
    fsflags.ignore_lease_breaks()
    os.umask(0o077)
    if args.watch:
        try:
            watch.watch(paths, args.max_watches)
        except watch.WatchError as exc:
            journal.log(str(exc), journal.ERROR)
            return 'worm-sftp-sealer: %s' % exc
    return sweep.sweep(paths, args.client, args.bound, args.textfile)
