# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which release windows to close: the logic of the worm-sftp-windows program.

While a client's release window is open, its account is a member of the window group
(worm-sftp-window), and its sshd block gives members the profile's maintenance requests
(remove, for Duplicati and duplicity). When the window ends, or a legal hold is placed,
the account must leave the group and its sessions, opened under the wider rules, must end.
The admin playbooks do that when they close a window; the program does it on time, every
minute, for windows that simply expire. Installed on the host beside sealing.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from . import lifecycle, sealing

WINDOW_GROUP = 'worm-sftp-window'


def users_to_narrow(members, states, now):
    """The members of the window group that must leave it now, sorted.

    members: the user names in the group. states: user name -> that client's lifecycle
    state (as lifecycle.release_cutoff reads it). A member stays only while its client's
    window is open by that one rule; a member that is no known client's account, or
    whose state could not be read (absent from states), leaves too: the group widens
    what an account may do, so every doubt narrows."""
    return sorted(set(user for user in members if user not in states
                      or not lifecycle.window_open(states[user], now)))


def client_states(config_dir, state_dir, names, on_error):
    """(user name -> state, user name -> client name) of the named clients, read as the
    sealer reads them; on_error(name, exception) hears of a client that cannot be read
    (its account then counts as unknown, and is narrowed)."""
    states, clients = {}, {}
    for name in names:
        try:
            policy, _identity = sealing.load_client(config_dir, state_dir, name)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            on_error(name, exc)
            continue
        if policy.state_error:
            on_error(name, ValueError(policy.state_error))
            continue
        if policy.user:
            states[policy.user] = policy.state
            clients[policy.user] = policy.name
    return states, clients
