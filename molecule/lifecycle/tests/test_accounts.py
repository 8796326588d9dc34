# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client account accepts no login that its restrictions do not govern (issue 11 items 3 and 9).

A password client is provisioned by FQCN, as an admin would: check mode writes nothing on the
controller; a run that stops half-way (the sshd drop-in directory made immutable, so the run
fails after the account exists but before its sshd block does) leaves an account that refuses
its password; sessions opened under older rules end when a re-provision changes them; and a
deprovisioned client provisioned again can log in again. The tests run in file order.
"""

import os
import subprocess

import paramiko
import pytest

import worm_testinfra
from worm_client import Session, connect

CLIENT = 'pwacct'
USER = 'backup-' + CLIENT
PASSWORD = 'correct-horse-7-battery'
DROPIN_DIR = '/etc/ssh/sshd_config.d'


def password_hash():
    return subprocess.run(['openssl', 'passwd', '-6', '-salt', 'wormsftptest', PASSWORD], stdout=subprocess.PIPE,
                          check=True).stdout.decode().strip()


def provision(host, check_mode=False, **extra):
    return worm_testinfra.playbook(host, 'provision', check_mode, client=CLIENT, password_hash=password_hash(), **extra)


def session(host):
    """An SFTP session as the client with its password, closed afterwards."""
    return Session(host, CLIENT, PASSWORD)


def refused(host):
    try:
        transport = connect(host, CLIENT, PASSWORD)[0]
    except paramiko.AuthenticationException:
        return True
    transport.close()
    return False


def test_check_mode_writes_nothing_on_the_controller(host):
    credentials = worm_testinfra.work_dir(host, 'credentials')
    rc, output = worm_testinfra.playbook(host, 'provision', True, client=CLIENT,
                                         credentials_dir=credentials)
    assert rc == 0, output[-3000:]
    assert os.listdir(credentials) == []
    assert host.run('getent passwd %s', USER).rc != 0


def test_a_run_that_stops_half_way_leaves_no_login(host):
    host.check_output('chattr +i %s', DROPIN_DIR)
    try:
        rc, output = provision(host)
    finally:
        host.check_output('chattr -i %s', DROPIN_DIR)
    assert rc != 0
    assert 'Restrict SSH access to SFTP for each client' in output, output[-3000:]
    assert host.run('getent passwd %s', USER).rc == 0  # the account exists ...
    assert not host.file('%s/50-worm-sftp-%s.conf' % (DROPIN_DIR, CLIENT)).exists  # ... without its sshd block
    assert refused(host)


def test_provisioned_client_logs_in_with_its_password(host):
    rc, output = provision(host)
    assert rc == 0, output[-3000:]
    with session(host) as sftp:
        assert sftp.listdir('/' + CLIENT) is not None


def test_reprovisioning_ends_sessions_opened_under_older_rules(host):
    with session(host) as sftp:
        sftp.listdir('/' + CLIENT)
        rc, output = provision(host, profile='generic')
        assert rc == 0, output[-3000:]
        with pytest.raises((OSError, EOFError, paramiko.SSHException)):
            sftp.listdir('/' + CLIENT)
    with session(host):  # the new rules let it in again
        pass


def test_deprovisioned_password_client_provisioned_again_logs_in(host):
    rc, output = worm_testinfra.playbook(host, 'deprovision', client=CLIENT)
    assert rc == 0, output[-3000:]
    assert refused(host)
    rc, output = provision(host, profile='generic')
    assert rc == 0, output[-3000:]
    with session(host) as sftp:
        assert sftp.listdir('/' + CLIENT) is not None
