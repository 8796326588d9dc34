# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Clients from the inventory (issue 13 item 1).

provision.yml without -e client converges every client of the host's backup_target_clients
(host_vars here) and deprovisions the one listed absent, keeping its data; -e client=NAME
handles exactly that client, from its listed entry, and no other; the README's site playbook
(docs/examples/site.yml) with the same inventory finds nothing left to change. The tests run
in file order and leave the converge's clients (archive, win-*) as they were.
"""

import os
import re

import paramiko
import pytest

import worm_testinfra
from worm_client import KEY, Session, connect, dir_of, user_of, wait_sealed

SITE = os.path.join(worm_testinfra.PROJECT, 'docs', 'examples', 'site.yml')
RETIRED = 'retired'  # provisioned by the converge


def key():
    with open(KEY + '.pub') as handle:
        return handle.read().strip()


def inventory_clients():
    return [
        {'name': 'site-gen', 'profile': 'generic', 'ssh_keys': [key()]},
        {'name': 'site-res', 'profile': 'restic', 'ssh_keys': [key()]},
        {'name': RETIRED, 'state': 'absent'},
    ]


def run(host, name, **extra):
    """(rc, output, changed count) of a playbook run with the inventory's clients in host_vars."""
    rc, output = worm_testinfra.playbook(host, name, host_vars={'backup_target_clients': inventory_clients()}, **extra)
    recap = re.search(r'changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)', output)
    return rc, output, int(recap.group(1)) if recap else None


def untouched(host, client):
    """What a run that leaves the client alone leaves as it was: its files' inodes and change
    times, and its account."""
    paths = ['/etc/ssh/sshd_config.d/50-worm-sftp-%s.conf' % client, '/etc/worm-sftp/clients/%s.json' % client,
             '/etc/incron.d/worm-sftp-' + client, '/etc/ssh/worm-sftp/authorized_keys/' + user_of(client)]
    return (host.check_output('stat -c "%%n %%i %%Z"' + ' %s' * len(paths), *paths),
            host.check_output('getent shadow %s', user_of(client)))


def refused(host, client):
    try:
        transport = connect(host, client)[0]
    except paramiko.AuthenticationException:
        return True
    transport.close()
    return False


@pytest.fixture(scope='module')
def retired_data(host):
    """A backup the retired client uploaded before it was listed absent, and its checksum."""
    with Session(host, RETIRED) as sftp:
        with sftp.open('/%s/last-backup.bin' % RETIRED, 'wb') as handle:
            handle.write(os.urandom(4096))
    assert wait_sealed(host, dir_of(RETIRED)) == []
    return host.check_output('sha256sum %s/last-backup.bin', dir_of(RETIRED))


def test_without_a_client_every_listed_client_is_provisioned_and_the_absent_one_deprovisioned(host, retired_data):
    archive = untouched(host, 'archive')
    rc, output, changed = run(host, 'provision')
    assert rc == 0 and changed > 0, output[-3000:]
    for client in ('site-gen', 'site-res'):
        with Session(host, client) as sftp:
            with sftp.open('/%s/first.bin' % client, 'wb') as handle:
                handle.write(b'backup data')
        assert wait_sealed(host, dir_of(client)) == []
    assert refused(host, RETIRED)
    assert not host.file('/etc/ssh/sshd_config.d/50-worm-sftp-%s.conf' % RETIRED).exists
    assert not host.file('/etc/incron.d/worm-sftp-' + RETIRED).exists
    assert host.check_output('sha256sum %s/last-backup.bin', dir_of(RETIRED)) == retired_data
    assert 'i' in host.check_output('lsattr -d %s/last-backup.bin', dir_of(RETIRED)).split()[0]
    assert 'archive' not in output and untouched(host, 'archive') == archive


def test_one_client_given_is_taken_from_the_inventory_and_no_other_is_touched(host):
    others = [untouched(host, client) for client in ('site-res', 'archive')]
    # No -e profile or ssh_key: the listed entry (generic, the key) is what it is provisioned
    # with, so nothing changes; the default profile (duplicati) would have rewritten its files.
    rc, output, changed = run(host, 'provision', client='site-gen')
    assert rc == 0 and changed == 0, output[-3000:]
    assert not re.search(r'site-res|archive|%s' % RETIRED, output), output[-3000:]
    assert [untouched(host, client) for client in ('site-res', 'archive')] == others
    rc, output, changed = run(host, 'provision', client=RETIRED)
    assert rc != 0 and 'Client retired is listed with state: absent' in output, output[-3000:]
    assert refused(host, RETIRED)


def test_the_readme_site_playbook_with_the_same_inventory_changes_nothing(host):
    rc, output, changed = run(host, SITE)
    assert rc == 0 and changed == 0, output[-3000:]
    assert refused(host, RETIRED)
    with Session(host, 'site-res') as sftp:
        assert 'first.bin' in sftp.listdir('/site-res')
