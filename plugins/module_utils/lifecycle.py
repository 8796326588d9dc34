# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A client's lifecycle state: its legal hold and its release window. The one place that reads,
checks, changes and writes it. The admin playbooks change it through the module
worm.sftp.client_state; the sealer and worm-sftp-windows read it (sealing.load_client) and apply
release_cutoff.

On disk, <state_dir>/<client>.json:
  {"client": "alice-laptop",
   "legal_hold": null | {"since": "2026-12-01T10:00:00Z", "reason": "case 2026-42"},
   "release": null | {"opened": ISO time, "older_than": "180d", "cutoff_epoch": int,
                      "until_epoch": int, "until": ISO time, "reason": "retention"}}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from . import atomic

HOLD_KEYS = ('since', 'reason')
RELEASE_KEYS = ('opened', 'older_than', 'cutoff_epoch', 'until_epoch', 'until', 'reason')


class StateError(ValueError):
    """A state that does not follow the format above; the message says what is wrong."""


def iso(epoch):
    """UTC time as the state and the playbooks' reports write it."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def stamp(epoch):
    """UTC time as a file name (the quarantine's directories)."""
    return time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(epoch))


def empty(name):
    """The state of a client with no hold and no window: every file is sealed."""
    return {'client': name, 'legal_hold': None, 'release': None}


def is_time(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check(name, data):
    """The state of client name from data (parsed JSON), complete; StateError when it is not one."""
    if not isinstance(data, dict):
        raise StateError('the lifecycle state of %s is not a JSON object' % name)
    state = empty(name)
    hold, release = data.get('legal_hold'), data.get('release')
    if hold is not None:
        if not (isinstance(hold, dict) and all(isinstance(hold.get(key), str) for key in HOLD_KEYS)):
            raise StateError('the legal hold of %s must have since and reason (text): %r' % (name, hold))
        state['legal_hold'] = dict((key, hold[key]) for key in HOLD_KEYS)
    if release is not None:
        # The sealer needs the two times; the rest is for people.
        if not (isinstance(release, dict) and all(is_time(release.get(key)) for key in ('cutoff_epoch', 'until_epoch'))):
            raise StateError('the release window of %s must have cutoff_epoch and until_epoch (seconds since the '
                             'epoch): %r' % (name, release))
        state['release'] = dict((key, release[key]) for key in RELEASE_KEYS if key in release)
    return state


def parse(name, text):
    """The state of client name from the text of its file (None: no file, the empty state)."""
    if text is None:
        return empty(name)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StateError('the lifecycle state of %s is not JSON: %s' % (name, exc))
    return check(name, data)


def release_cutoff(state, now):
    """The one rule for release windows. While a window is open and no legal hold is set,
    files last modified at or before the returned time stay unsealed; None when every file
    is to be sealed."""
    release = (state or {}).get('release') or {}
    if (state or {}).get('legal_hold') or release.get('until_epoch') is None or now >= release['until_epoch']:
        return None
    return release.get('cutoff_epoch')


def window_open(state, now):
    return release_cutoff(state, now) is not None


def hold(state, now, reason):
    """A legal hold placed (kept as it was if one is already set); any release window ends."""
    if not reason:
        raise StateError('say why the client is held, for the record')
    new = dict(state, release=None)
    new['legal_hold'] = state['legal_hold'] or {'since': iso(now), 'reason': reason}
    return new


def lift(state):
    """The legal hold lifted: release windows can be opened again."""
    return dict(state, legal_hold=None)


def open_window(state, now, older_than, older_than_seconds, window_seconds, reason):
    """A release window for files last written more than older_than (text, as given; its
    seconds) ago, open for window_seconds. Asking again for the same age while the window is
    open keeps that window (a re-run changes nothing); another age, or a window that has
    closed, opens a new one. Refused while on legal hold."""
    if state['legal_hold']:
        raise StateError('client %s is on legal hold since %s (%s): nothing is released or purged. Lift the hold first '
                         'with playbooks/legal_hold.yml -e client=%s -e hold=false -e reason=...'
                         % (state['client'], state['legal_hold']['since'], state['legal_hold']['reason'],
                            state['client']))
    if window_open(state, now) and state['release'].get('older_than') == older_than:
        return state
    until = int(now) + int(window_seconds)
    return dict(state, release={
        'opened': iso(now), 'older_than': older_than, 'cutoff_epoch': int(now) - int(older_than_seconds),
        'until_epoch': until, 'until': iso(until), 'reason': reason})


def close_window(state):
    """The release window closed now (nothing keeps a window from closing)."""
    return dict(state, release=None)


def text(state):
    """The file's content: sorted keys, so that the same state is the same bytes."""
    return json.dumps(state, indent=4, sort_keys=True) + '\n'


def read(path, name):
    """The state of client name kept at path (the empty state when there is no file)."""
    try:
        with open(path) as handle:
            content = handle.read()
    except FileNotFoundError:
        content = None
    return parse(name, content)


def write(path, state):
    """Keep state at path, root's only, replaced whole (a reader never sees half a file);
    False when the file already held it."""
    content = text(state)
    try:
        with open(path) as handle:
            if handle.read() == content:
                return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.mkdir(directory, 0o700)
    atomic.replace_file(path, content, 0o600)
    return True
