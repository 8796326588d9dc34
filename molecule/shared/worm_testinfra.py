# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the molecule scenarios' testinfra tests (imported by their conftest.py).

- host: the same host, reached with `podman exec` instead of an Ansible round trip
  (about ten times faster) when it is one of our podman containers;
- the last journal lines are printed under any failed test;
- ssh_port(host): where the container's SSH is published on 127.0.0.1
  (.config/molecule/config.yml), for tests that connect as a client.
"""

import shutil
import subprocess

import pytest
import testinfra


def _is_podman_container(name):
    if shutil.which('podman') is None:
        return False
    return subprocess.run(['podman', 'container', 'exists', name], check=False).returncode == 0


# SSH of each container, published on 127.0.0.1 only (.config/molecule/config.yml).
SSH_PORTS = {'worm-debian12': 2222, 'worm-debian13': 2223}


def ssh_port(host):
    return SSH_PORTS[host.backend.get_hostname()]


@pytest.fixture(scope='module')
def host(_testinfra_host):
    name = _testinfra_host.backend.get_hostname()
    if _is_podman_container(name):
        fast = testinfra.get_host('podman://' + name)
        fast.backend.get_hostname = lambda: name
        return fast
    return _testinfra_host


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, 'rep_' + report.when, report)


@pytest.fixture(autouse=True)
def journal_on_failure(request):
    yield
    report = getattr(request.node, 'rep_call', None)
    if report is not None and report.failed and 'host' in request.fixturenames:
        print(request.getfixturevalue('host').run('journalctl -n 80 --no-pager').stdout)
