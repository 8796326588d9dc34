# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sealer's inotify budget: how many directory watches and queued events the host's
clients may need (the role's sysctl drop-in, module worm.sftp.inotify_budget), and what the
watching sealer reports of its watches (its status file, read by the sweep's metrics and the
audit, which raises an alarm when directories went unwatched).

fs.inotify.max_user_watches counts the watches of each user: the sealer runs as its own user,
so its watches compete with nobody else's. A directory that gets no watch is still sealed by
the client's next scan and by the sweep, within the sweep interval.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import time

from .clients import is_client_name

PROC_DIR = '/proc/sys/fs/inotify'
WATCHES = 'max_user_watches'
QUEUED_EVENTS = 'max_queued_events'
# The sealer's own watches beside the clients' (sealer/watch.py): the kick directory, the
# settings and the states.
OWN_WATCHES = 3
# A quarter more than the clients' caps add up to.
MARGIN = 1.25
# Kernel memory a watch may cost (an inotify mark and the inode it pins; about 1 KiB on 64-bit):
# the budget never lets watches take more than MEMORY_SHARE of the host's memory.
WATCH_COST = 1024
MEMORY_SHARE = 0.1
# Events the sealer's one inotify instance may have queued before the kernel drops them (and the
# sealer rescans every client): the kernel's default, or per client this many (one per upload
# kick, in a burst), whichever is more.
DEFAULT_QUEUED_EVENTS = 16384
QUEUED_EVENTS_PER_CLIENT = 256


def needed_watches(clients, per_client_cap):
    """Watches the sealer may hold: per client its cap (its top directory among them), and its own."""
    return clients * per_client_cap + OWN_WATCHES


def budget(clients, per_client_cap, current_watches, current_queued, memory_bytes):
    """The limits for the sysctl drop-in: never below what the host has now (another program
    may need it), otherwise the clients' caps with the margin, bounded by memory. A dict with
    max_user_watches, max_queued_events, needed_watches and bounded_by_memory (the budget is
    less than the caps add up to: a client filling its cap can still leave others unwatched,
    and the audit says so)."""
    needed = needed_watches(clients, per_client_cap)
    wanted = int(needed * MARGIN + 0.5)
    affordable = int(memory_bytes * MEMORY_SHARE) // WATCH_COST
    watches = max(current_watches, min(wanted, affordable))
    queued = max(current_queued, DEFAULT_QUEUED_EVENTS, clients * QUEUED_EVENTS_PER_CLIENT)
    return {WATCHES: watches, QUEUED_EVENTS: queued, 'needed_watches': needed, 'bounded_by_memory': watches < needed}


def dropin(limits):
    """The sysctl.d file that sets the limits at boot."""
    return ('# worm.sftp: the sealer watches every sub-directory of every client (module worm.sftp.inotify_budget).\n'
            'fs.inotify.%s = %d\nfs.inotify.%s = %d\n' % (WATCHES, limits[WATCHES], QUEUED_EVENTS, limits[QUEUED_EVENTS]))


def kernel_limit(name, proc_dir=None):
    """The running kernel's value of fs.inotify.<name>."""
    with open(os.path.join(proc_dir or PROC_DIR, name)) as handle:
        return int(handle.read().strip())


MEMINFO = '/proc/meminfo'


def memory_bytes(meminfo=None):
    """The host's memory (MemTotal)."""
    with open(meminfo or MEMINFO) as handle:
        for line in handle:
            key, _sep, value = line.partition(':')
            if key == 'MemTotal':
                return int(value.split()[0]) * 1024
    raise ValueError('no MemTotal in %s' % (meminfo or MEMINFO))


# Why a directory has no watch: the client is at its cap (by design: its scans and the sweep
# seal there), the kernel's limit is reached, or the kernel refused for another reason.
REASONS = ('over_cap', 'limit_reached', 'failed')
# Not read past this: the file is the sealer's user's, whom root's readers do not trust.
MAX_STATUS_BYTES = 1 << 20


def status(watches, limit, unwatched, per_client_cap, now=None):
    """What the watching sealer reports: the watches it holds, the kernel's limit, and per
    reason (REASONS) and client the directories its last scan of the client left unwatched
    (unwatched: reason -> {client: count})."""
    value = {
        'updated_epoch': int(now if now is not None else time.time()),
        'watches': watches,
        'limit': limit,
        'per_client_cap': per_client_cap,
    }
    for reason in REASONS:
        value['unwatched_' + reason] = dict(
            (name, count) for name, count in sorted((unwatched.get(reason) or {}).items()) if count)
    return value


def read_status(path):
    """The sealer's status, or None when there is none (the sealer is not running, or has not
    written one yet). Read as what it is, a file of a less trusted user: no link followed, a
    regular file only, its size bounded, every value checked (ValueError otherwise)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, 'rb') as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError('%s is not a regular file' % path)
        data = handle.read(MAX_STATUS_BYTES + 1)
    if len(data) > MAX_STATUS_BYTES:
        raise ValueError('%s is larger than %d bytes' % (path, MAX_STATUS_BYTES))
    return checked(json.loads(data.decode('utf-8')), path)


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def checked(value, path):
    """value if it is a status as status() makes it, else ValueError."""
    problem = None
    if not isinstance(value, dict):
        problem = 'no status object'
    elif not all(_count(value.get(key)) for key in ('updated_epoch', 'watches', 'per_client_cap')):
        problem = 'updated_epoch, watches and per_client_cap must be counts'
    elif value.get('limit') is not None and not _count(value['limit']):
        problem = 'limit must be a count or null'
    else:
        for reason in REASONS:
            counts = value.get('unwatched_' + reason, {})
            if not isinstance(counts, dict) or not all(is_client_name(name) and _count(count)
                                                       for name, count in counts.items()):
                problem = 'unwatched_%s must map client names to counts' % reason
                break
    if problem:
        raise ValueError('%s: %s' % (path, problem))
    return value


def of_clients(watch_status, names):
    """The status with only the named clients' unwatched directories."""
    if not watch_status:
        return watch_status
    kept = dict(watch_status)
    for reason in REASONS:
        key = 'unwatched_' + reason
        kept[key] = dict((name, count) for name, count in (watch_status.get(key) or {}).items() if name in names)
    return kept


def notices(watch_status):
    """One sentence per client at its cap of watches: by design (its scans and the sweep seal
    there), worth knowing, not an alarm."""
    if not watch_status:
        return []
    return ['%s: %s beyond its cap of %s watches: files there are sealed by its scans and the sweep, not within '
            'milliseconds; raise backup_target_max_watches_per_client if that is too slow' % (
                name, _directories(count), watch_status.get('per_client_cap'))
            for name, count in sorted(watch_status.get('unwatched_over_cap', {}).items())]


def alarms(watch_status):
    """One sentence per client with directories the kernel would not let the sealer watch."""
    if not watch_status:
        return []
    said = []
    for name, count in sorted(watch_status.get('unwatched_limit_reached', {}).items()):
        said.append('%s: %s without a watch: the sealer reached fs.inotify.max_user_watches (%s, %s in use); files '
                    'there are sealed only by scans and the sweep: run the worm.sftp.backup_target role again to size '
                    'the limit, or raise it' % (name, _directories(count), watch_status.get('limit'),
                                                watch_status.get('watches')))
    for name, count in sorted(watch_status.get('unwatched_failed', {}).items()):
        said.append('%s: %s the sealer could not watch (see journalctl -t worm-sftp-sealer); files there are sealed '
                    'only by scans and the sweep' % (name, _directories(count)))
    return said


def _directories(count):
    return '1 directory' if count == 1 else '%d directories' % count
