# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""worm-sftp-windows: close the release windows that have ended, on time, without an admin.

  python3 -I /usr/local/lib/worm-sftp/worm-sftp-windows

Run as root every minute by worm-sftp-windows.timer. Every member of the group
worm-sftp-window whose client's release window is no longer open (it ended, a legal hold
was placed, or the client's state cannot be read) leaves the group (gpasswd -d), so its
next login gets the profile's everyday requests again; its sessions, opened under the
wider rules, are ended (pkill -KILL -u); and the sealer is kicked for that client, so the
files the window left unsealed are sealed now rather than at the next sweep.

Installed by the worm.sftp.backup_target role, as worm-sftp-windows beside the package
wormsftp (the collection's plugins/module_utils: windows, sealing) and layout.json (the
paths the role and the sealer share).
"""

import grp
import os
import subprocess
import sys
import syslog
import time

# python3 -I puts neither this directory nor the environment's paths on sys.path: the
# package comes from beside this file only (root's, like the file itself).
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from wormsftp import clients as client_files, layout, windows  # noqa: E402  pylint: disable=wrong-import-position


def log(message, priority=syslog.LOG_INFO):
    syslog.syslog(priority, message)


def run(argv):
    """Run a command; returns (exit status, its output as one line)."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    return proc.returncode, ' '.join(proc.stdout.decode('utf-8', 'replace').split())


def narrow(paths, user, client):
    """Take user out of the window group, end its sessions, kick the sealer; True when all worked.

    The sessions are ended and the sealer kicked even when gpasswd fails: it can fail half-way
    (measured: without CAP_CHOWN it rewrites /etc/group, then fails on /etc/gshadow), and a
    session opened under the window's rules must not outlive the window in any case."""
    ok = True
    rc, output = run(['gpasswd', '-d', user, windows.WINDOW_GROUP])
    if rc != 0:
        log('cannot take %s out of %s: %s' % (user, windows.WINDOW_GROUP, output), syslog.LOG_ERR)
        ok = False
    # pkill: 0 = sessions ended, 1 = there were none.
    killed, output = run(['pkill', '-KILL', '-u', user])
    if killed > 1:
        log('cannot end the sessions of %s: %s' % (user, output), syslog.LOG_ERR)
        ok = False
    if ok:
        log('release window closed client=%s user=%s: left %s%s' % (
            client or '?', user, windows.WINDOW_GROUP, ', sessions ended' if killed == 0 else ''))
    if client:
        try:
            with open(os.path.join(paths.pending_dir, client), 'a'):
                pass
        except OSError as exc:  # the sweep seals them within its interval anyway
            log('cannot kick the sealer for %s: %s' % (client, exc), syslog.LOG_WARNING)
    return ok


def main(layout_file):
    syslog.openlog('worm-sftp-windows', 0, syslog.LOG_AUTHPRIV)
    try:
        paths = layout.load(layout_file)
    except layout.LayoutError as exc:
        log(str(exc), syslog.LOG_ERR)
        return 1
    try:
        members = grp.getgrnam(windows.WINDOW_GROUP).gr_mem
    except KeyError:
        log('group %s does not exist' % windows.WINDOW_GROUP, syslog.LOG_ERR)
        return 1
    if not members:
        return 0
    names = client_files.provisioned(paths.config_dir)
    states, clients = windows.client_states(
        paths.config_dir, paths.state_dir, names,
        lambda name, exc: log('client=%s cannot be read: %s' % (name, exc), syslog.LOG_ERR))
    failed = 0
    for user in windows.users_to_narrow(members, states, time.time()):
        failed += not narrow(paths, user, clients.get(user))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(layout.beside(__file__)))
