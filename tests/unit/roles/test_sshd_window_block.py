# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sshd drop-in of each profile as the role renders it: the release window block comes
first (sshd takes the first value of each keyword) and differs from the everyday block only
in the -p allowlist, which grows by exactly the profile's window_requests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.worm.sftp.plugins.module_utils import windows

ROLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                    'roles', 'backup_target')
PROFILES = ['duplicati', 'duplicity', 'restic', 'rclone', 'generic']
KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHp0bmV1dHJhbC10ZXN0LWtleS0wMDAwMDAwMDAwMDAw test'


def role_vars():
    with open(os.path.join(ROLE, 'vars', 'main.yml')) as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope='module')
def dropins(tmp_path_factory, local_play):
    """Render each profile's drop-in through the role's own set_vars.yml: profile -> text."""
    out = tmp_path_factory.mktemp('dropins')
    clients = [{'name': 'c-' + profile, 'profile': profile, 'ssh_keys': [KEY]} for profile in PROFILES]
    play = [{'name': 'Render', 'hosts': 'localhost', 'gather_facts': False,
             'vars': {'backup_target_clients': clients, 'backup_target_root': '/backups'},
             'tasks': [
                 {'name': 'Load the role', 'ansible.builtin.include_role': {
                     'name': 'worm.sftp.backup_target', 'tasks_from': 'set_vars', 'public': True}},
                 {'name': 'Render', 'ansible.builtin.copy': {
                     'content': "{{ lookup('ansible.builtin.template', '%s/templates/sshd-client.conf.j2') }}" % ROLE,
                     'dest': '%s/{{ __backup_target_client.profile }}.conf' % out, 'mode': '0644'},
                  'loop': '{{ __backup_target_clients }}', 'loop_control': {'loop_var': '__backup_target_client'}}]}]
    proc = local_play(play, out)
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    return {profile: (out / (profile + '.conf')).read_text() for profile in PROFILES}


def blocks(text):
    """[(match line, [setting lines])] in order, comments left out."""
    result = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        if stripped.startswith('Match '):
            result.append((stripped, []))
        else:
            assert result, 'a setting outside any Match block: %r' % line
            result[-1][1].append(stripped)
    return result


def allowlist(settings):
    command = [s for s in settings if s.startswith('ForceCommand ')]
    assert len(command) == 1
    words = command[0].split()
    assert len(words) <= 1 + 9, 'sshd passes internal-sftp at most 9 words'
    return [w[2:].split(',') for w in words if w.startswith('-p')][0]


@pytest.mark.parametrize('profile', PROFILES)
def test_window_block_comes_first_and_differs_only_in_the_allowlist(dropins, profile):
    profiles = role_vars()['__backup_target_profiles']
    found = blocks(dropins[profile])
    extra = [r for r in profiles[profile]['window_requests'] if r not in profiles[profile]['requests']]
    everyday = found[-1]
    assert everyday[0] == 'Match User backup-c-%s' % profile
    assert allowlist(everyday[1]) == profiles[profile]['requests']
    if not extra:  # restic: a window adds nothing, so there is no window block
        assert len(found) == 1
        return
    assert len(found) == 2
    window = found[0]
    assert window[0] == 'Match User backup-c-%s Group %s' % (profile, windows.WINDOW_GROUP)
    assert allowlist(window[1]) == profiles[profile]['requests'] + extra
    strip = [s for s in window[1] if not s.startswith('ForceCommand ')]
    assert strip == [s for s in everyday[1] if not s.startswith('ForceCommand ')]
    assert [w for w in window[1] if w.startswith('ForceCommand')][0].replace(
        '-p' + ','.join(allowlist(window[1])), '-p' + ','.join(allowlist(everyday[1]))) == \
        [w for w in everyday[1] if w.startswith('ForceCommand')][0]


@pytest.mark.parametrize('profile, needed', [
    ('duplicati', {'remove'}), ('duplicity', {'remove'}), ('rclone', {'remove'}), ('generic', {'remove'}),
    ('restic', set())])
def test_window_requests_are_what_each_maintenance_needs_and_never_more(profile, needed):
    profile_vars = role_vars()['__backup_target_profiles'][profile]
    assert set(profile_vars['window_requests']) - set(profile_vars['requests']) == needed
    # Never anything that touches a sealed file or a taken-over directory, even in a window.
    assert not {'setstat', 'fsetstat', 'lsetstat', 'rmdir', 'symlink', 'hardlink', 'rename', 'posix-rename'} & (
        set(profile_vars['window_requests']) - set(profile_vars['requests']))


def test_read_only_uploads_stay_in_the_window(dropins):
    for profile in ('duplicati', 'duplicity'):
        for _match, settings in blocks(dropins[profile]):
            assert ' -u0222 ' in [s for s in settings if s.startswith('ForceCommand')][0]


def test_the_group_name_is_one_value():
    assert role_vars()['__backup_target_window_group'] == windows.WINDOW_GROUP
