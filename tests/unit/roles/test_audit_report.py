# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's report as the role renders it (audit.json.j2): a backup filesystem nearly out of
space or of inodes is an alarm (issue 11 item 10: out of inodes, uploads fail with plenty of
bytes free)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

ROLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                    'roles', 'backup_target')


def audit(local_play, tmp_path, df_line):
    """The audit JSON for a host without clients whose df prints df_line."""
    out = tmp_path / 'audit.json'
    play = [{'name': 'Render', 'hosts': 'localhost', 'gather_facts': False,
             'vars': {'__backup_target_audit_clients': [],
                      '__backup_target_audit_df': {'stdout_lines': ['Avail Size IFree Inodes', df_line]},
                      '__backup_target_audit_clock': {'stdout': '1796256000 2026-12-02T00:00:00Z'},
                      'backup_target_sealing_bound': '15m'},
             'tasks': [
                 {'name': 'Load the role variables', 'ansible.builtin.include_vars': os.path.join(ROLE, 'vars', 'main.yml')},
                 {'name': 'Render', 'ansible.builtin.copy': {
                     'content': "{{ lookup('ansible.builtin.template', '%s/templates/audit.json.j2') }}" % ROLE,
                     'dest': str(out), 'mode': '0644'}}]}]
    proc = local_play(play, tmp_path)
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize('df_line, alarm', [
    ('50000 100000 500 1000', None),
    ('900 100000 500 1000', '900 bytes free of 100000, less than 1%'),
    ('50000 100000 9 1000', '9 inodes free of 1000, less than 1%'),
])
def test_a_nearly_full_filesystem_is_an_alarm(local_play, tmp_path, df_line, alarm):
    report = audit(local_play, tmp_path, df_line)
    free, size, free_inodes, inodes = (int(word) for word in df_line.split())
    assert report['filesystem'] == {'free_bytes': free, 'size_bytes': size, 'free_inodes': free_inodes,
                                    'inodes': inodes}
    if alarm is None:
        assert report['alarms'] == []
    else:
        assert len(report['alarms']) == 1 and alarm in report['alarms'][0]
