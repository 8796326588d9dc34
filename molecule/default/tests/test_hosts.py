# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the role meets its hosts: one on which the sealer could not work is refused before
anything changes, and one reached as an unprivileged admin through sudo is provisioned.

A second, throwaway container from the scenario's own image, with systemd as PID 1 and
the immutable flag allowed (so the filesystem probe passes), but without the other
capabilities the role needs: provisioning must stop in preflight, name what is missing
and how to add it, and leave no account and no backup root behind.
"""

import json
import os
import subprocess
import sys
import time

import pytest

NAME = 'worm-preflight-nocaps'


def podman(*args, check=True):
    return subprocess.run(['podman'] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=check).stdout.decode()


@pytest.fixture(scope='module')
def bare_container():
    image = podman('inspect', '--format', '{{.ImageName}}', 'worm-debian12').strip()
    podman('rm', '-f', NAME, check=False)
    podman('run', '-d', '--name', NAME, '--systemd', 'always', '--cap-add', 'LINUX_IMMUTABLE',
           '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', image, '/lib/systemd/systemd')
    try:
        deadline = time.time() + 60
        while 'running' not in podman('exec', NAME, 'systemctl', 'is-system-running', check=False) \
                and 'degraded' not in podman('exec', NAME, 'systemctl', 'is-system-running', check=False):
            assert time.time() < deadline, 'systemd did not come up in %s' % NAME
            time.sleep(0.5)
        yield NAME
    finally:
        podman('rm', '-f', NAME, check=False)


def test_missing_capabilities_are_named_before_anything_changes(bare_container, tmp_path):
    inventory = tmp_path / 'inventory.json'
    inventory.write_text(json.dumps({'backup_targets': {'hosts': {bare_container: {
        'ansible_connection': 'containers.podman.podman', 'ansible_python_interpreter': '/usr/bin/python3'}}}}))
    key = os.path.join(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'], 'client_key.pub')
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
         'worm.sftp.provision', '-e', 'client=nocaps', '-e', 'ssh_key=' + key],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, cwd=os.environ['MOLECULE_PROJECT_DIRECTORY'],
        env=dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0'))
    output = ' '.join(proc.stdout.decode().split())
    assert proc.returncode != 0, output[-3000:]
    assert 'lacks CAP_DAC_READ_SEARCH, CAP_LEASE, CAP_SYS_ADMIN in its bounding set' in output, output[-3000:]
    assert '--cap-add' in output
    assert 'nothing was changed' in output
    assert podman('exec', bare_container, 'sh', '-c', 'test -e /backups; echo $?').strip() == '1'
    assert podman('exec', bare_container, 'getent', 'passwd', 'backup-nocaps', check=False).strip() == ''


def test_debian13_was_converged_through_sudo_by_an_unprivileged_admin():
    """The converge reached worm-debian13 as worm-admin (molecule.yml) and became root with sudo:
    Ansible's temporary files for that connection live in the admin's home, owned by the admin."""
    owner = podman('exec', 'worm-debian13', 'stat', '-c', '%U', '/home/worm-admin/.ansible/tmp').strip()
    assert owner == 'worm-admin'
