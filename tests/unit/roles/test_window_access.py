# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin role's window_access.yml (what release, legal_hold and deprovision run) on this machine,
with real gpasswd and pkill, in a private mount namespace with a copy of /etc: opening
adds the account to the window group once, closing takes it out and ends its sessions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys

import pytest

SCRIPT = r'''
set -e
mount --bind "$ETC_COPY" /etc
groupadd -r worm-sftp-window
useradd -r -M -s /usr/sbin/nologin backup-alice
run() {
  "$PLAYBOOK" -i localhost, -c local "$WORK/play.json" -e "{\"access\": $1}" > "$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt"; exit 1; }
  echo "$1 $(grep -o 'changed=[0-9]*' "$WORK/out.txt") members=$(getent group worm-sftp-window | cut -d: -f4)"
}
run true
run true
setpriv --reuid backup-alice --regid backup-alice --clear-groups sleep 60 >/dev/null 2>&1 &
sleep 0.3
run false
echo "sessions=$(pgrep -c -u backup-alice || true)"
run false
'''


@pytest.mark.needs_root  # a private mount namespace, accounts in a copy of /etc
def test_window_access_opens_once_and_closing_ends_the_sessions(tmp_path):
    for tool in ('unshare', 'setpriv', 'gpasswd', 'pkill', 'groupadd', 'useradd'):
        if shutil.which(tool) is None:
            pytest.skip('%s is not installed' % tool)
    play = [{'name': 'Window access', 'hosts': 'localhost', 'gather_facts': False,
             'vars': {'backup_admin_client': 'alice', '__backup_admin_settings': {'user': 'backup-alice'}},
             'tasks': [{'name': 'Layout', 'ansible.builtin.include_role': {
                 'name': 'worm.sftp.backup_admin', 'tasks_from': 'layout'}},
                 {'name': 'Window access', 'ansible.builtin.include_role': {
                     'name': 'worm.sftp.backup_admin', 'tasks_from': 'window_access'},
                  'vars': {'__backup_admin_window_access': '{{ access | bool }}'}}]}]
    (tmp_path / 'play.json').write_text(json.dumps(play))
    subprocess.run(['cp', '-a', '/etc', str(tmp_path / 'etc')], check=True)
    proc = subprocess.run(
        ['unshare', '-m', '--propagation', 'private', 'sh', '-c', SCRIPT],
        env=dict(os.environ, ETC_COPY=str(tmp_path / 'etc'), WORK=str(tmp_path), ANSIBLE_NOCOLOR='1',
                 ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                 PLAYBOOK=os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, timeout=180)
    output = proc.stdout.decode()
    assert proc.returncode == 0, output[-3000:]
    assert output.splitlines() == [
        'true changed=1 members=backup-alice',
        'true changed=0 members=backup-alice',
        'false changed=2 members=',
        'sessions=0',
        'false changed=0 members=',
    ], output
