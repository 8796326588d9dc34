# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sealer: the program that carries worm.sftp's promise on a target, sealing each finished
upload. Its parts:

- scan: sealing one client, a slice at a time or at once (over the walk of ..sealing), with
  what the process remembers of each client between scans;
- watch: the service incron kicks: one inotify instance for the kicks, the clients'
  sub-directories and their settings, and a scheduler that makes clients take turns;
- sweep: every client once (the timer's run), keeping what it saw for the next sweep;
- metrics: the sweep's figures for node_exporter;
- journal: its log lines; cli: its command line.

The role installs the collection's module_utils as the package wormsftp, with this package
inside, and an entry point (roles/backup_target/files/worm_sftp_sealer.py) that runs cli.main;
the paths it shares with the role come from ..layout.
"""
