# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the molecule scenarios' testinfra tests (imported by their conftest.py).

- host: the same host, reached with `podman exec` instead of an Ansible round trip
  (about ten times faster) when it is one of our podman containers;
- one_platform_host: the Debian 12 container, for tests of what does not differ between
  the platforms (they run once);
- the last journal lines are printed under any failed test;
- ssh_port(host): where the container's SSH is published on 127.0.0.1
  (.config/molecule/config.yml), for tests that connect as a client;
- work_dir, fresh_dir, known_hosts, run and playbook: a scratch directory per scenario and
  container, the container's host keys, a client program run on this machine, and a playbook of
  the collection run by FQCN against the container, as an admin runs it;
- the client's side (SFTP sessions, probes, waiting for seals, running as the client) is in
  worm_client;
- record_figures: measured figures, kept in .cache/ for docs/performance.md and docs/security.md.
"""

import json
import os
import shutil
import subprocess

import pytest
import testinfra
import yaml


def _is_podman_container(name):
    if shutil.which('podman') is None:
        return False
    return subprocess.run(['podman', 'container', 'exists', name], check=False).returncode == 0


def ssh_port(host):
    """The port on 127.0.0.1 where the container's SSH is published (.config/molecule/config.yml)."""
    return connection_settings(host)['ansible_port']


EPHEMERAL = os.environ.get('MOLECULE_EPHEMERAL_DIRECTORY', '')
PROJECT = os.environ.get('MOLECULE_PROJECT_DIRECTORY', os.getcwd())


def work_dir(host, *parts):
    """A scratch directory on this machine for this scenario (the ephemeral directory is the
    scenario's) and container."""
    path = os.path.join(EPHEMERAL, 'scratch-' + host.backend.get_hostname(), *parts)
    os.makedirs(path, exist_ok=True)
    return path


def fresh_dir(host, name):
    """A path in work_dir that does not exist yet (restore programs refuse to overwrite)."""
    path = os.path.join(work_dir(host), name)
    shutil.rmtree(path, ignore_errors=True)
    return path


def run(argv, env=None, check=True, timeout=300):
    """Run a client program on this machine; (rc, output), asserting success unless check=False."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False,
                          timeout=timeout)
    output = proc.stdout.decode(errors='replace')
    if check:
        assert proc.returncode == 0, '%s failed (%d):\n%s' % (' '.join(argv[:3]), proc.returncode, output)
    return proc.returncode, output


def record_figures(host, stem, key, figures):
    """Merge figures under key into .cache/<stem>-<platform>.json in the repository, where the
    figures of docs/performance.md and docs/security.md are read from."""
    path = os.path.join(PROJECT, '.cache', '%s-%s.json' % (stem, host.backend.get_hostname()))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path) as handle:
            recorded = json.load(handle)
    except FileNotFoundError:
        recorded = {}
    recorded.setdefault(key, {}).update(figures)
    with open(path, 'w') as handle:
        json.dump(recorded, handle, indent=2, sort_keys=True)
    print('%s %s: %s' % (stem, key, figures))


def known_hosts(host):
    """The container's SSH host keys, as a known_hosts file (scanned on 127.0.0.1 once)."""
    path = os.path.join(work_dir(host), 'known_hosts')
    if not os.path.exists(path):
        scan = subprocess.run(['ssh-keyscan', '-p', str(ssh_port(host)), '127.0.0.1'], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=True)
        with open(path, 'wb') as handle:
            handle.write(scan.stdout)
    return path


def converge_host_settings():
    """The host-level settings (backup_target_* but the clients) that this scenario's converge
    gives the role, as an operator's inventory would keep them: a playbook run later must not
    reset them to the defaults (the sweep interval, the metrics textfile)."""
    scenario = os.environ.get('MOLECULE_SCENARIO_DIRECTORY') or os.path.join(
        PROJECT, 'molecule', os.environ.get('MOLECULE_SCENARIO_NAME', 'default'))
    try:
        with open(os.path.join(scenario, 'converge.yml')) as handle:
            plays = yaml.safe_load(handle)
    except FileNotFoundError:
        return {}
    return dict((key, value) for play in plays for key, value in (play.get('vars') or {}).items()
                if key.startswith('backup_target_') and key != 'backup_target_clients' and '{{' not in str(value))


def connection_settings(host):
    """How Ansible reaches this container, as root: the host variables of molecule's inventory
    (.config/molecule/config.yml: SSH on 127.0.0.1 with the admin key and pipelining)."""
    path = os.path.join(os.path.dirname(os.environ['MOLECULE_INVENTORY_FILE']), 'host_vars',
                        host.backend.get_hostname())
    with open(path) as handle:
        return dict(yaml.safe_load(handle), ansible_user='root')


def playbook(host, name, check_mode=False, host_vars=None, **extra):
    """Run playbook worm.sftp.<name> (or the playbook file at the path name) against this
    container with extra vars, as an admin runs it, its inventory holding the converge's
    settings and host_vars; (rc, output)."""
    inventory = os.path.join(work_dir(host), 'inventory.json')
    with open(inventory, 'w') as handle:
        json.dump({'backup_targets': {'hosts': {host.backend.get_hostname(): dict(
            converge_host_settings(), **dict(host_vars or {}, **connection_settings(host)))}}}, handle)
    argv = ['ansible-playbook', '-i', inventory, name if os.sep in name else 'worm.sftp.' + name,
            '-e', json.dumps(extra)]
    if check_mode:
        argv.append('--check')
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=PROJECT, check=False,
                          env=dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0'))
    return proc.returncode, proc.stdout.decode(errors='replace')


@pytest.fixture(scope='module')
def host(_testinfra_host):
    name = _testinfra_host.backend.get_hostname()
    if _is_podman_container(name):
        fast = testinfra.get_host('podman://' + name)
        fast.backend.get_hostname = lambda: name
        return fast
    return _testinfra_host


# What is the same on Debian 12 and 13 (the sealer's own logic, on the kernel that both
# containers share) is tested on this container only.
ONE_PLATFORM = 'worm-debian12'


@pytest.fixture(scope='module')
def one_platform_host():
    """The Debian 12 container, for a test that runs once rather than once per platform."""
    one = testinfra.get_host('podman://' + ONE_PLATFORM)
    one.backend.get_hostname = lambda: ONE_PLATFORM
    return one


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, 'rep_' + report.when, report)


@pytest.fixture(autouse=True)
def journal_on_failure(request):
    yield
    report = getattr(request.node, 'rep_call', None)
    if report is not None and report.failed:
        for name in ('host', 'one_platform_host'):
            if name in request.fixturenames:
                print(request.getfixturevalue(name).run('journalctl -n 80 --no-pager').stdout)
