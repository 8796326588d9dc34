# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The systemd units of the sealer and the sweep as the role renders them (the template module,
as in tasks/host.yml): every line is whole, so systemd reads each setting of the shared sandbox
(it has no inline comments: a comment glued to a value makes the setting invalid, and systemd
ignores it with a warning, as it did SystemCallErrorNumber in the sweep's unit)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

ROLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                    'roles', 'backup_target')
UNITS = ['worm-sftp-sealer.service', 'worm-sftp-sweep.service']


@pytest.fixture(scope='module')
def units(tmp_path_factory, local_play):
    """unit name -> text, rendered with the role's defaults and vars, the metrics link on."""
    out = tmp_path_factory.mktemp('units')
    play = [{'name': 'Render', 'hosts': 'localhost', 'gather_facts': False,
             'vars': {'backup_target_clients': [], 'backup_target_root': '/backups',
                      'backup_target_prometheus_textfile_dir': '/var/lib/node_exporter'},
             'tasks': [
                 {'name': 'Load the role', 'ansible.builtin.include_role': {
                     'name': 'worm.sftp.backup_target', 'tasks_from': 'set_vars', 'public': True}},
                 {'name': 'Render', 'ansible.builtin.template': {
                     'src': '%s/templates/{{ item }}.j2' % ROLE, 'dest': '%s/{{ item }}' % out, 'mode': '0644'},
                  'loop': UNITS}]}]
    proc = local_play(play, out)
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    return dict((name, (out / name).read_text()) for name in UNITS)


@pytest.mark.parametrize('unit', UNITS)
def test_every_line_of_a_unit_is_whole(units, unit):
    sandbox = []
    for line in units[unit].splitlines():
        if not line.strip() or line.startswith(('#', '[')):
            continue
        assert re.fullmatch(r'[A-Z][A-Za-z]+=\S.*', line), line
        assert '#' not in line, 'a comment glued to a setting: %r' % line
        sandbox.append(line.split('=', 1)[0])
    # The shared sandbox, to its last setting.
    assert 'SystemCallFilter' in sandbox and 'SystemCallErrorNumber' in sandbox, sandbox
