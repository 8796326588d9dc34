# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's interface: argument specs against defaults, and preflight refusing bad input
before anything changes (run against this machine in check mode, with a scratch root)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml

ROLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                    'roles', 'backup_target')


def load(rel):
    with open(os.path.join(ROLE, rel)) as handle:
        return yaml.safe_load(handle)


ADMIN = os.path.join(os.path.dirname(ROLE), 'backup_admin')


@pytest.mark.parametrize('role, prefix, entry_points', [
    (ROLE, 'backup_target_', ['audit', 'deprovision', 'legal_hold', 'main', 'quarantine', 'release']),
    (ADMIN, 'backup_admin_', ['audit', 'deprovision', 'legal_hold', 'purge', 'quarantine', 'release']),
])
def test_defaults_match_argument_specs_key_for_key(role, prefix, entry_points):
    """Every entry point's options together are exactly the defaults, with the same values; an
    option some entry point requires has no default (so that Ansible can tell it is missing)."""
    with open(os.path.join(role, 'meta', 'argument_specs.yml')) as handle:
        specs = yaml.safe_load(handle)['argument_specs']
    with open(os.path.join(role, 'defaults', 'main.yml')) as handle:
        defaults = yaml.safe_load(handle)
    assert sorted(specs) == entry_points
    required = set(name for spec in specs.values() for name, option in spec['options'].items()
                   if option.get('required'))
    documented = set()
    for entry_point, spec in specs.items():
        assert os.path.exists(os.path.join(role, 'tasks', entry_point + '.yml')), entry_point
        for name, option in spec['options'].items():
            assert 'description' in option and 'type' in option, (entry_point, name)
            assert name.startswith(prefix), name
            if name in required:
                assert name not in defaults, (entry_point, name)
            else:
                assert defaults[name] == option['default'], (entry_point, name)
                documented.add(name)
    assert sorted(defaults) == sorted(documented)


def test_every_client_option_is_typed_and_documented():
    clients = load('meta/argument_specs.yml')['argument_specs']['main']['options']['backup_target_clients']
    assert clients['elements'] == 'dict'
    for name, spec in clients['options'].items():
        assert 'type' in spec and 'description' in spec, name
        assert spec.get('required') or 'default' in spec, name


def test_every_profile_has_requests_exemptions_and_notes():
    profiles = load('vars/main.yml')['__backup_target_profiles']
    notes = load('vars/main.yml')['__backup_target_profile_notes']
    choices = load('meta/argument_specs.yml')['argument_specs']['main']['options']['backup_target_clients'][
        'options']['profile']['choices']
    assert sorted(profiles) == sorted(choices) == sorted(notes)
    for name, profile in profiles.items():
        assert {'open', 'close', 'read', 'write'} <= set(profile['requests']), name
        assert not {'setstat', 'symlink', 'hardlink', 'rmdir', 'lsetstat', 'copy-data'} & set(profile['requests']), name


@pytest.fixture
def scratch_root(workdir):
    return os.path.join(workdir, 'backups')


def run_role(workdir, clients, root, extra=None):
    """Run the role on this machine in check mode; returns (rc, output)."""
    playbook = os.path.join(workdir, 'play.yml')
    variables = dict(backup_target_clients=clients, backup_target_root=root, **(extra or {}))
    with open(playbook, 'w') as handle:
        json.dump([{'name': 'Preflight', 'hosts': 'localhost', 'gather_facts': False, 'vars': variables,
                    'roles': ['worm.sftp.backup_target']}], handle)
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    proc = subprocess.run([ansible_playbook, '--check', '-i', 'localhost,', '-c', 'local', playbook],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=workdir, check=False,
                          env=dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_PYTHON_INTERPRETER=sys.executable))
    return proc.returncode, proc.stdout.decode()


@pytest.mark.parametrize('clients, message', [
    ([{'name': '../etc'}], 'names must be lowercase letters'),
    ([{'name': 'Alice'}], 'names must be lowercase letters'),
    ([{'name': 'a' * 26}], 'at most 25 characters'),
    ([{'name': 'dev'}], "'dev' is reserved"),
    ([{'name': 'alice\n'}], 'Client "alice\\n" (user "backup-alice\\n"): names must be lowercase letters'),
    ([{'name': 'alice', 'password_hash': '$6$salt$hash:0:99999'}], 'password_hash is not a crypt(3) hash'),
    ([{'name': 'alice'}, {'name': 'alice'}], 'may appear once'),
    ([{'name': 'alice', 'user': 'root'}], 'User root already exists and was not created by worm.sftp'),
    ([{'name': 'alice', 'ssh_keys': ['ssh-ed25519 not-a-key']}], 'does not parse'),
    ([{'name': 'alice', 'profile': 'ftp'}], 'profile'),
])
def test_preflight_refuses_bad_clients_before_changing_anything(workdir, scratch_root, clients, message):
    rc, output = run_role(workdir, clients, scratch_root)
    assert rc != 0
    assert message in ' '.join(output.split()), output[-3000:]
    assert not os.path.exists(scratch_root)


@pytest.mark.parametrize('extra, message', [
    ({'backup_target_sealing_bound': '15mins'},
     "backup_target_sealing_bound: '15mins' is not a duration: unknown unit 'mins'; write a whole number of seconds (for example 90)"),
    ({'backup_target_sweep_interval': '5s'}, "backup_target_sweep_interval: '5s' is 5 seconds; it must be at least 10s."),
])
def test_preflight_refuses_bad_durations_before_changing_anything(workdir, scratch_root, extra, message):
    rc, output = run_role(workdir, [{'name': 'alice'}], scratch_root, extra)
    assert rc != 0
    assert 'TASK [worm.sftp.backup_target : Check the durations]' in output, output[-3000:]
    assert message in ' '.join(output.split()), output[-3000:]
    assert 'Look up the client accounts' not in output
    assert not os.path.exists(scratch_root)


def test_preflight_refuses_a_symlinked_backup_root(workdir, scratch_root):
    real = os.path.join(workdir, 'real')
    os.mkdir(real)
    os.symlink(real, scratch_root)
    rc, output = run_role(workdir, [{'name': 'alice'}], scratch_root)
    assert rc != 0
    assert 'not a symbolic link' in ' '.join(output.split())
    assert os.listdir(real) == []


def test_preflight_refuses_a_filesystem_without_the_flag(workdir):
    ramfs = os.path.join(workdir, 'ramfs')  # ramfs has no inode flags at all
    os.mkdir(ramfs)
    subprocess.run(['mount', '-t', 'ramfs', 'ramfs', ramfs], check=True)
    try:
        rc, output = run_role(workdir, [{'name': 'alice'}], os.path.join(ramfs, 'backups'))
        leftovers = os.listdir(ramfs)
    finally:
        subprocess.run(['umount', ramfs], check=True)
    assert rc != 0
    assert 'cannot hold the immutable flag' in ' '.join(output.split()), output[-3000:]
    assert 'the ramfs filesystem does not support inode flags' in ' '.join(output.split())
    assert leftovers == []


def test_preflight_refuses_a_host_without_systemd(workdir, scratch_root):
    """This machine runs without systemd as PID 1: nothing would ever seal an upload here."""
    with open('/proc/1/comm') as handle:
        assert handle.read().strip() != 'systemd', 'this test needs a host without systemd as PID 1'
    rc, output = run_role(workdir, [{'name': 'alice'}], scratch_root)
    assert rc != 0
    assert 'is not run by systemd' in ' '.join(output.split()), output[-3000:]
    assert 'nothing was changed' in ' '.join(output.split())
    assert not os.path.exists(scratch_root)


def test_client_directories_get_the_mode_the_sealer_gives_sub_directories():
    from ansible_collections.worm.sftp.plugins.module_utils import sealing
    assert int(load('vars/main.yml')['__backup_target_directory_mode'], 8) == sealing.DIRECTORY_MODE


def test_every_capability_the_role_needs_is_one_preflight_can_check():
    from ansible_collections.worm.sftp.plugins.module_utils import capabilities
    role_vars = load('vars/main.yml')
    needed = [name for key, value in role_vars.items() if key.endswith('_capabilities') for name in value]
    assert len(needed) >= 5
    assert [name for name in needed if name not in capabilities.CAPABILITY_BITS] == []


@pytest.fixture
def local_group():
    """A group named like a client's, made on this machine by someone else; removed afterwards."""
    made = []

    def make(name, members=()):
        subprocess.run(['groupadd', '--system', name], check=True)
        made.append(name)
        for member in members:
            subprocess.run(['gpasswd', '-a', member, name], check=True, stdout=subprocess.DEVNULL)
    yield make
    for name in made:
        subprocess.run(['groupdel', name], check=False)


@pytest.mark.parametrize('members', [(), ('daemon',)])
def test_preflight_never_adopts_an_existing_group(workdir, scratch_root, local_group, members):
    """A local user already in backup-<client> would read the client's backups."""
    local_group('backup-wormtest', members)
    rc, output = run_role(workdir, [{'name': 'wormtest'}], scratch_root)
    assert rc != 0
    text = ' '.join(output.split())
    assert 'Group backup-wormtest already exists and is not the private group of a worm.sftp account' in text, \
        output[-3000:]
    assert 'groupdel backup-wormtest' in text
    assert not os.path.exists(scratch_root)


@pytest.mark.parametrize('linked', ['credentials', 'host', 'file'])
def test_preflight_refuses_a_symlinked_credentials_path(workdir, scratch_root, linked):
    elsewhere = os.path.join(workdir, 'elsewhere')
    os.mkdir(elsewhere)
    credentials = os.path.join(workdir, 'credentials')
    paths = {'credentials': credentials, 'host': os.path.join(credentials, 'localhost'),
             'file': os.path.join(credentials, 'localhost', 'alice.password')}
    os.makedirs(os.path.dirname(paths[linked]), exist_ok=True)
    os.symlink(os.path.join(elsewhere, 'target'), paths[linked])
    rc, output = run_role(workdir, [{'name': 'alice'}], scratch_root, {'backup_target_credentials_dir': credentials})
    assert rc != 0
    text = ' '.join(output.split())
    assert '%s on the controller is a symbolic link' % paths[linked] in text, output[-3000:]
    assert os.listdir(elsewhere) == []
    assert not os.path.exists(scratch_root)


def test_the_role_gives_the_programs_every_path_they_read():
    """The paths the role shares with the sealer and the window closer are defined once, in
    __backup_target_layout; the role's own names for them are that dictionary's entries."""
    from ansible_collections.worm.sftp.plugins.module_utils import layout
    role_vars = load('vars/main.yml')
    paths = layout.Layout(**role_vars['__backup_target_layout']).as_dict()
    for key, var in (('config_dir', 'config_dir'), ('state_dir', 'state_dir'), ('pending_dir', 'pending_dir'),
                     ('seen_file', 'sweep_seen_file')):
        assert role_vars['__backup_target_' + var] == '{{ __backup_target_layout.%s }}' % key
        assert paths[key].startswith('/')
    assert os.path.basename(role_vars['__backup_target_layout_file']) == layout.FILE_NAME


def test_the_installed_sealer_runs_from_its_own_directory_only(installed_programs, workdir):
    """Installed as the role installs it (every module_utils file the role's globs name, the
    entry point, layout.json), the sealer imports all it needs under python3 -I and sweeps."""
    paths = dict((key, os.path.join(workdir, key)) for key in ('config_dir', 'state_dir', 'pending_dir'))
    for path in paths.values():
        os.mkdir(path)
    paths['seen_file'] = os.path.join(workdir, 'seen.json')
    paths['watch_status_file'] = os.path.join(workdir, 'watches.json')
    programs = installed_programs(paths)
    sealer = os.path.join(programs, 'worm-sftp-sealer')
    shown = subprocess.run(['/usr/bin/python3', '-I', sealer, '--help'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           check=False, cwd='/')
    assert shown.returncode == 0 and b'--watch' in shown.stdout, shown.stdout
    swept = subprocess.run(['/usr/bin/python3', '-I', sealer], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           check=False, cwd='/')
    assert swept.returncode == 0, swept.stdout
    with open(paths['seen_file']) as handle:
        assert json.load(handle) == {}
    os.unlink(os.path.join(programs, 'layout.json'))
    refused = subprocess.run(['/usr/bin/python3', '-I', sealer], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             check=False, cwd='/')
    assert refused.returncode == 1 and b'run the worm.sftp.backup_target role again' in refused.stdout, refused.stdout
