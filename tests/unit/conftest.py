# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests run on a real filesystem as root: flags are a kernel feature, not something to mock.

Runnable with plain pytest from a checkout (this file makes the checkout importable as
ansible_collections.worm.sftp) and with ansible-test units.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _make_importable():
    marker = os.sep + os.path.join('ansible_collections', 'worm', 'sftp')
    if REPO.endswith(marker):
        root = REPO[:-len(marker)]
    else:
        root = tempfile.mkdtemp(prefix='worm-sftp-import-')
        os.makedirs(os.path.join(root, 'ansible_collections', 'worm'))
        os.symlink(REPO, os.path.join(root, 'ansible_collections', 'worm', 'sftp'))
    if root not in sys.path:
        sys.path.insert(0, root)
    return root


COLLECTIONS_ROOT = _make_importable()


# Tests that set flags on a real filesystem, mount, or act as other users need root: those that
# use one of these fixtures, and those marked needs_root themselves. The others are pure logic
# and run as anyone; as another user the root ones are skipped, saying so (the test command
# and CI run as root, where nothing is skipped).
ROOT_FIXTURES = frozenset(['workdir', 'tmpfs', 'module_subprocess', 'local_play', 'installed_programs'])


def pytest_configure(config):
    config.addinivalue_line('markers', 'needs_root: sets flags on a real filesystem, mounts, or acts as other users')


def pytest_collection_modifyitems(config, items):
    needs_root = pytest.mark.needs_root
    skip = pytest.mark.skip(reason='needs root: it sets immutable flags on a real filesystem, mounts, or acts as '
                                   'another user (run the unit tests as root for the whole suite)')
    for item in items:
        if ROOT_FIXTURES.intersection(getattr(item, 'fixturenames', ())):
            item.add_marker(needs_root)
        if os.geteuid() != 0 and item.get_closest_marker('needs_root') is not None:
            item.add_marker(skip)


def lsattr_letters(path):
    """Flag letters as e2fsprogs' lsattr shows them: an oracle independent of our code."""
    out = subprocess.run(['lsattr', '-d', path], check=True, stdout=subprocess.PIPE).stdout.decode('utf-8', 'surrogateescape')
    return out.split()[0].replace('-', '')


def release(path):
    """Clear i and a below path so that pytest can delete it."""
    subprocess.run(['chattr', '-R', '-i', '-a', path], check=False, stderr=subprocess.DEVNULL)
    subprocess.run(['chattr', '-i', '-a', path], check=False, stderr=subprocess.DEVNULL)


@pytest.fixture
def flags_of():
    """lsattr(1) as a function: path -> flag letters."""
    return lsattr_letters


@pytest.fixture
def workdir():
    """A scratch directory on the root filesystem (ext4 on the CI machine), released afterwards."""
    path = tempfile.mkdtemp(prefix='worm-sftp-test-', dir='/var/tmp')
    yield path
    release(path)
    subprocess.run(['rm', '-rf', '--one-file-system', path], check=True)


@pytest.fixture
def tmpfs(workdir):
    """A small tmpfs mounted inside workdir (a filesystem that refuses most flags)."""
    mountpoint = os.path.join(workdir, 'tmpfs')
    os.mkdir(mountpoint)
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountpoint], check=True)
    yield mountpoint
    release(mountpoint)
    subprocess.run(['umount', mountpoint], check=True)


@pytest.fixture
def run_module(capsys):
    """Run a module's main() with arguments; returns (failed, result)."""
    from ansible.module_utils.testing import patch_module_args

    def runner(main, check_mode=False, diff=False, **args):
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exited:
                main()
        result = json.loads(capsys.readouterr().out)
        return exited.value.code != 0, result

    return runner


@pytest.fixture
def module_subprocess():
    """Run a module file as its own process (for capability tests); returns (failed, result)."""

    def runner(module_name, args, prefix=()):
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
        env = dict(os.environ, PYTHONPATH=COLLECTIONS_ROOT)
        try:
            proc = subprocess.run(
                list(prefix) + [sys.executable, '-m', 'ansible_collections.worm.sftp.plugins.modules.' + module_name,
                                handle.name],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
        finally:
            os.unlink(handle.name)
        return proc.returncode != 0, json.loads(proc.stdout.decode())

    return runner


@pytest.fixture(scope='session')
def local_play():
    """Run a play (a list, as JSON) on this machine with the collection's own ansible-playbook;
    returns the completed process (output in stdout)."""

    def runner(play, directory, check_mode=False):
        playbook = os.path.join(str(directory), 'play.json')
        with open(playbook, 'w') as handle:
            json.dump(play, handle)
        argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                playbook] + (['--check'] if check_mode else [])
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, cwd=str(directory),
                              env=dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_PYTHON_INTERPRETER=sys.executable))

    return runner


@pytest.fixture
def installed_programs(tmp_path):
    """The target's programs installed as the role installs them (tasks/host.yml): the
    package wormsftp (every Python file of module_utils), the entry points under their
    installed names; install(layout paths) also writes layout.json (the role's own paths when
    none are given) and returns the directory."""
    with open(os.path.join(REPO, 'roles', 'backup_target', 'vars', 'main.yml')) as handle:
        role_vars = yaml.safe_load(handle)
    program_dir = str(tmp_path / 'programs')
    module_utils = os.path.join(REPO, 'plugins', 'module_utils')

    def install(paths=None):
        for directory, _dirs, files in os.walk(module_utils):
            for name in fnmatch.filter(files, '*.py'):
                source = os.path.join(directory, name)
                target = os.path.join(program_dir, 'wormsftp', os.path.relpath(source, module_utils))
                if not os.path.isdir(os.path.dirname(target)):
                    os.makedirs(os.path.dirname(target))
                shutil.copyfile(source, target)
        for source, installed in (('worm_sftp_sealer.py', '__backup_target_sealer'),
                                  ('worm_sftp_windows.py', '__backup_target_windows_program')):
            shutil.copyfile(os.path.join(REPO, 'roles', 'backup_target', 'files', source),
                            os.path.join(program_dir, os.path.basename(role_vars[installed])))
        with open(os.path.join(program_dir, 'layout.json'), 'w') as handle:
            json.dump(paths or role_vars['__backup_target_layout'], handle)
        return program_dir

    return install
