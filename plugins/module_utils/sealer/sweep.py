# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sweep: seal every client (or those named) once, as the timer runs it; keep what it saw
of unsealed and exempt files for the next sweep; with a textfile, write the figures.

It seals first and reports after: a bad bound or a textfile it cannot write is logged and
makes the exit status 1, after every client has been sealed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from .. import atomic, durations, sealing, watches
from . import journal, metrics
from .scan import Memory, all_clients, seal


def read_seen(path):
    """{client: {clock: {inode: first seen}}} from the last sweep; empty when there is none yet
    or it cannot be read (each file's clocks then start now)."""
    try:
        with open(path) as handle:
            seen = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        journal.log('cannot read %s: %s; unsealed and exempt files are timed from now' % (path, exc), journal.ERROR)
        return {}
    return sealing.seen_from_json(seen)


def write_seen(path, memory, names, only_some):
    """Keep what this sweep saw, for the next one; clients that are gone are forgotten
    (unless only some were swept). Logged, never fatal: the clocks then restart."""
    kept = dict((name, clocks) for name, clocks in memory.seen.items() if only_some or name in names)
    try:
        atomic.replace_file(path, json.dumps(kept), 0o600)
    except OSError as exc:
        journal.log('cannot keep what the sweep saw in %s: %s' % (path, exc), journal.ERROR)
        return False
    return True


def write_textfile(path, content):
    """The figures for node_exporter, readable by it."""
    atomic.replace_file(path, content, 0o644)


def watch_status(layout):
    """The watching sealer's status for the figures; None (its series left out) when there is
    none or it cannot be read, which is logged."""
    try:
        return watches.read_status(layout.watch_status_file)
    except (OSError, ValueError) as exc:
        journal.log('cannot read the watch status %s: %s' % (layout.watch_status_file, exc), journal.ERROR)
        return None


def sweep(layout, names=None, bound='15m', textfile=None):
    """Seal the clients named (every client when none) once; the exit status: 0, or 1 when
    a client could not be sealed whole or the report could not be made."""
    started = time.time()
    overdue_before = None
    failed = False
    try:
        overdue_before = started - durations.parse_duration(bound)
    except ValueError as exc:
        journal.log('--bound: %s; sealing anyway, without counting overdue files' % exc, journal.ERROR)
        failed = True
    memory = Memory(read_seen(layout.seen_file))
    chosen = list(names) if names else all_clients(layout)
    results = [seal(layout, name, memory, overdue_before=overdue_before) for name in chosen]
    failed = failed or not all(run is not None and run.counts['failed'] == 0 for _policy, run in results)
    failed = not write_seen(layout.seen_file, memory, chosen, bool(names)) or failed
    if textfile:
        # Without a bound the overdue series is left out rather than written as 0: an alarm
        # must not read as all clear (alert on its absence too).
        try:
            write_textfile(textfile, metrics.text(results, started, overdue_known=overdue_before is not None,
                                                  watch_status=watch_status(layout)))
        except (OSError, ValueError) as exc:
            journal.log('cannot write the figures to %s: %s; the sealing went on as logged above' % (textfile, exc),
                        journal.ERROR)
            failed = True
    return 1 if failed else 0
