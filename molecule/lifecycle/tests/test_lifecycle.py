# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin lifecycle against a real restic repository.

restic runs on this machine and reaches the container over SFTP on 127.0.0.1; the
playbooks run by FQCN (worm.sftp.<name>) against the container. The tests run in file
order for each container and build on each other, as an admin's day would.
"""

import json
import os
import re
import subprocess
import time

import pytest

import worm_testinfra
from worm_client import KEY, file_flags, wait_sealed
from worm_testinfra import ssh_port, work_dir

CLIENT = 'archive'
USER = 'backup-archive'
CLIENT_DIR = '/backups/archive'
REPO_DIR = CLIENT_DIR + '/repo'


def restic(host, *args, check=True):
    """Run restic on this machine against the client's repository in the container."""
    ssh = ' '.join([
        'ssh', '-p', str(ssh_port(host)), '-i', KEY,
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
        '-o', 'LogLevel=ERROR', USER + '@127.0.0.1', '-s', 'sftp'])
    env = dict(os.environ, RESTIC_PASSWORD='lifecycle-test-password')
    proc = subprocess.run(['restic', '--no-cache', '-r', 'sftp:%s@127.0.0.1:/%s/repo' % (USER, CLIENT),
                           '-o', 'sftp.command=' + ssh] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False)
    output = proc.stdout.decode(errors='replace')
    if check:
        assert proc.returncode == 0, 'restic %s failed:\n%s' % (' '.join(args), output)
    return proc.returncode, output


def play(host, name, check_mode=False, **extra):
    """Run playbook worm.sftp.<name> for the client against this container; (rc, output, changed count)."""
    rc, output = worm_testinfra.playbook(host, name, check_mode, client=CLIENT, **extra)
    recap = re.search(r'changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)', output)
    return rc, output, int(recap.group(1)) if recap else None


def repo_files(host):
    """{path: flags} of every repository file outside locks/ (which stays mutable)."""
    return file_flags(host, REPO_DIR, exclude=('/locks/',))


def unsealed(files):
    return sorted(path for path, flags in files.items() if 'i' not in flags)


def write_data(host, version):
    data = os.path.join(work_dir(host), 'data')
    os.makedirs(os.path.join(data, 'sub'), exist_ok=True)
    for index in range(5):
        with open(os.path.join(data, 'sub', 'file-%d.txt' % index), 'w') as handle:
            handle.write('version %d of file %d\n' % (version, index) * (index + 1) * 100)
    with open(os.path.join(data, 'only-in-v%d.bin' % version), 'wb') as handle:
        handle.write(os.urandom(200000))
    return data


def snapshots(host):
    return json.loads(restic(host, 'snapshots', '--json')[1].strip().splitlines()[-1])


def wait_all_sealed(host):
    """The repository's files (locks/ aside) once all are sealed, or after worm_client.SEAL_WAIT."""
    wait_sealed(host, REPO_DIR, lambda rel: not rel.startswith(b'locks/'))
    return repo_files(host)


def test_restic_backups_are_sealed_by_the_event_path(host):
    # restic writes into sub-directories: incron does not watch them, the sealer does.
    host.check_output('systemctl stop worm-sftp-sweep.timer')
    try:
        restic(host, 'init')
        restic(host, 'backup', write_data(host, 1))
        restic(host, 'backup', write_data(host, 2))
        files = wait_all_sealed(host)
    finally:
        host.check_output('systemctl start worm-sftp-sweep.timer')
    assert len(files) > 5 and any('/data/' in path for path in files)
    assert unsealed(files) == []
    assert len(snapshots(host)) == 2


def test_prune_cannot_delete_sealed_data(host):
    before = repo_files(host)
    rc, output = restic(host, 'forget', '--keep-last', '1', '--prune', check=False)
    assert rc != 0, output
    assert set(repo_files(host)) >= set(before)
    assert len(snapshots(host)) == 2
    restic(host, 'check')


def test_release_is_refused_on_legal_hold(host):
    rc, output, _changed = play(host, 'legal_hold', hold=True, reason='case 2026-42')
    assert rc == 0, output
    rc, output, changed = play(host, 'legal_hold', hold=True, reason='case 2026-42')
    assert rc == 0 and changed == 0, output
    # The reason is the admin's: no other local user can read it (issue 11 item 10).
    state = '/var/lib/worm-sftp/state/%s.json' % CLIENT
    assert host.check_output('stat -c "%%U %%a" %s %s', os.path.dirname(state), state).split('\n') == [
        'root 700', 'root 600']
    assert host.run('runuser -u nobody -- cat %s', state).rc != 0
    rc, output, _changed = play(host, 'release', older_than='0s', window='1h')
    assert rc != 0 and 'is on legal hold since' in output and 'case 2026-42' in output, output
    rc, output, _changed = play(host, 'purge', older_than='0s', confirm=CLIENT)
    assert rc != 0 and 'is on legal hold since' in output, output
    rc, output, _changed = play(host, 'release', older_than='0s', purge=True)  # the deprecated form
    assert rc != 0 and 'is on legal hold since' in output, output
    assert unsealed(repo_files(host)) == []
    rc, output, _changed = play(host, 'legal_hold', hold=False, reason='case closed')
    assert rc == 0, output


def test_release_check_mode_changes_nothing(host):
    state_before = host.run('cat /var/lib/worm-sftp/state/%s.json', CLIENT).stdout
    rc, output, changed = play(host, 'release', check_mode=True, older_than='0s', window='1h')
    assert rc == 0 and changed > 0, output
    assert unsealed(repo_files(host)) == []
    assert host.run('cat /var/lib/worm-sftp/state/%s.json', CLIENT).stdout == state_before


def test_release_window_lets_restic_prune_then_seals_again(host):
    rc, output, changed = play(host, 'release', older_than='0s', window='1h')
    assert rc == 0 and changed > 0, output
    assert 'release window open' in output
    assert len(unsealed(repo_files(host))) == len(repo_files(host))
    rc, output, changed = play(host, 'release', older_than='0s', window='1h')
    assert rc == 0 and changed == 0, output
    # The sealer honours the window: a kick from a new upload does not seal the released files.
    host.check_output('systemctl start worm-sftp-sweep.service')
    assert len(unsealed(repo_files(host))) > 0
    restic(host, 'forget', '--keep-last', '1', '--prune')
    assert len(snapshots(host)) == 1
    rc, output, changed = play(host, 'release', close=True)
    assert rc == 0 and changed > 0, output
    assert unsealed(repo_files(host)) == []
    restic(host, 'check', '--read-data')
    restore = os.path.join(work_dir(host), 'restore')
    restic(host, 'restore', 'latest', '--target', restore)
    data = os.path.join(work_dir(host), 'data')
    subprocess.run(['diff', '-r', data, os.path.join(restore, data.lstrip('/'))], check=True)


def test_audit_reports_and_raises_the_alarm(host):
    report = os.path.join(work_dir(host), 'audit.json')
    rc, output, changed = play(host, 'audit', audit_file=report)
    assert rc == 0 and changed == 0, output
    with open(report) as handle:
        audit = json.load(handle)
    client = [c for c in audit['clients'] if c['name'] == CLIENT][0]
    all_files = int(host.check_output('find %s -type f | wc -l', CLIENT_DIR))
    assert client['files'] == all_files and client['bytes'] > 0
    assert client['sealed_files'] + client['unsealed_files'] == all_files
    assert client['unsealed_overdue_files'] == 0 and audit['alarms'] == []
    assert audit['filesystem']['free_bytes'] > 0 and client['last_upload']
    assert 0 < audit['filesystem']['free_inodes'] <= audit['filesystem']['inodes']
    # A file the event path missed (incron and the sealer down), written two hours ago.
    host.check_output('systemctl stop worm-sftp-sweep.timer worm-sftp-sealer.service incron.service')
    try:
        host.check_output("runuser -u %s -- touch -d '2 hours ago' %s/missed.bin", USER, CLIENT_DIR)
        rc, output, changed = play(host, 'audit', audit_file=report)
        assert rc != 0 and '1 file(s) unsealed for longer than 15m' in output, output
        with open(report) as handle:
            client = [c for c in json.load(handle)['clients'] if c['name'] == CLIENT][0]
        assert client['unsealed_overdue_files'] == 1 and client['unsealed_overdue_examples'] == ['missed.bin']
    finally:
        host.check_output('systemctl start incron.service worm-sftp-sealer.service worm-sftp-sweep.timer')
    host.check_output('systemctl start worm-sftp-sweep.service')
    assert 'i' in host.check_output('lsattr -d %s/missed.bin', CLIENT_DIR).split()[0]
    rc, output, changed = play(host, 'audit')
    assert rc == 0, output
    # An upload cut short by a full disk leaves an empty file, sealed: the audit names it and
    # the quarantine that lets the client retry (issue 11 item 10).
    host.check_output('runuser -u %s -- touch %s/cut-short.bin', USER, CLIENT_DIR)
    host.check_output('systemctl start worm-sftp-sweep.service')
    rc, output, changed = play(host, 'audit', audit_file=report)
    assert rc == 0 and 'playbooks/quarantine.yml -e client=archive -e files=' in output, output
    with open(report) as handle:
        client = [c for c in json.load(handle)['clients'] if c['name'] == CLIENT][0]
    # missed.bin, made by touch above, is empty too.
    assert sorted(client['sealed_empty_examples']) == ['cut-short.bin', 'missed.bin']
    assert client['sealed_empty_files'] == 2
    rc, output, changed = play(host, 'quarantine', files='cut-short.bin', reason='interrupted upload')
    assert rc == 0 and not host.file(CLIENT_DIR + '/cut-short.bin').exists, output


# As the client: a file held open for writing (so neither the sealer nor the sweep seals it)
# until the marker file appears; its writer refreshes its modification time meanwhile.
HOLD_OPEN = r'''
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o640)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.2)
os.close(fd)
'''


def test_audit_ages_a_file_kept_fresh_by_when_the_sweep_first_saw_it_unsealed(host):
    """Overdue by how long the sweep has seen a file unsealed, not by its modification time,
    which its writer refreshes (issue 11 item 6)."""
    path, release = CLIENT_DIR + '/held-open.bin', '/tmp/held-open.release'
    report = os.path.join(work_dir(host), 'audit-held.json')
    host.check_output('rm -f %s', release)
    host.check_output('runuser -u %s -- setsid python3 -c %s %s %s > /dev/null 2>&1 < /dev/null &',
                      USER, HOLD_OPEN, path, release)
    try:
        deadline = time.time() + 30
        while not host.file(path).exists:
            assert time.time() < deadline, 'the holder did not start'
            time.sleep(0.2)
        host.check_output('systemctl start worm-sftp-sweep.service')  # sees it open: unsealed since now
        time.sleep(12)
        host.check_output('runuser -u %s -- touch %s', USER, path)
        rc, output, changed = play(host, 'audit', audit_file=report, sealing_bound='10s')
        assert rc != 0 and 'file(s) unsealed for longer than 10s' in output, output
        with open(report) as handle:
            client = [c for c in json.load(handle)['clients'] if c['name'] == CLIENT][0]
        assert 'held-open.bin' in client['unsealed_overdue_examples']  # its modification time is a second old
    finally:
        host.check_output('touch %s', release)
    deadline = time.time() + 30
    while 'i' not in host.check_output('lsattr -d %s', path).split()[0]:
        assert time.time() < deadline, 'not sealed once closed'
        time.sleep(0.5)


def test_sweep_writes_the_figures_for_node_exporter(host):
    host.check_output('systemctl start worm-sftp-sweep.service')
    link = host.file('/var/lib/prometheus/node-exporter/worm_sftp.prom')
    assert link.is_symlink and link.linked_to == '/var/lib/worm-sftp/metrics/worm_sftp.prom'
    series = {}
    for line in host.check_output('cat /var/lib/prometheus/node-exporter/worm_sftp.prom').splitlines():
        if line and not line.startswith('#'):
            name, value = line.rsplit(' ', 1)
            series[name] = float(value)
    # Every file counts; restic's locks (a profile exemption) are the only ones left unsealed.
    files = int(host.check_output('find %s -type f | wc -l', CLIENT_DIR))
    sealable = int(host.check_output("find %s -type f -not -path '%s/locks/*' | wc -l", CLIENT_DIR, REPO_DIR))
    assert series['worm_sftp_files{client="archive"}'] == files
    assert series['worm_sftp_sealed_files{client="archive"}'] == sealable
    assert series['worm_sftp_unsealed_files{client="archive",reason="exempt"}'] == files - sealable
    assert series['worm_sftp_unsealed_overdue_files{client="archive"}'] == 0
    assert series['worm_sftp_legal_hold{client="archive"}'] == 0
    assert series['worm_sftp_bytes{client="archive"}'] > 0
    assert series['worm_sftp_filesystem_free_bytes{path="/backups"}'] > 0
    assert series['worm_sftp_filesystem_free_inodes{path="/backups"}'] > 0
    assert series['worm_sftp_sweep_failed_clients'] == 0
    # The watching sealer's directory watches (restic's repository has hundreds of directories), under the
    # limit, none left unwatched. The role's sysctl drop-in holds a budget for every client of the host at
    # its cap (10,000 by default), never below the running value; in this container /proc/sys is read-only,
    # so the running value is the test machine's.
    dropin = dict(line.split(' = ') for line in host.file('/etc/sysctl.d/60-worm-sftp-inotify.conf').content_string
                  .splitlines() if ' = ' in line)
    limit = int(host.check_output('cat /proc/sys/fs/inotify/max_user_watches'))
    clients = len(host.check_output('ls /etc/worm-sftp/clients').split())
    assert int(dropin['fs.inotify.max_user_watches']) >= max(limit, clients * 10000)
    assert series['worm_sftp_sealer_watches_limit'] == limit
    assert int(host.check_output('find %s -type d | wc -l', REPO_DIR)) < series['worm_sftp_sealer_watches'] < limit
    assert not any(name.startswith('worm_sftp_sealer_unwatched_directories') for name in series)


def test_quarantine_moves_a_file_out_of_reach_and_keeps_it_sealed(host):
    host.check_output("runuser -u %s -- sh -c 'echo partial > %s/partial.bin'", USER, CLIENT_DIR)
    assert wait_sealed(host, CLIENT_DIR + '/partial.bin') == []  # sealed, as every upload, before the quarantine
    rc, output, changed = play(host, 'quarantine', files='partial.bin,never-there.bin', reason='partial upload',
                               check_mode=True)
    assert rc == 0 and host.file(CLIENT_DIR + '/partial.bin').exists, output
    rc, output, changed = play(host, 'quarantine', files='partial.bin,never-there.bin', reason='partial upload')
    assert rc == 0 and changed > 0, output
    assert not host.file(CLIENT_DIR + '/partial.bin').exists
    moved = host.check_output('find /backups/.worm-sftp/quarantine/%s -name partial.bin', CLIENT).splitlines()
    assert len(moved) == 1
    assert 'i' in host.check_output('lsattr -d %s', moved[0]).split()[0]
    assert host.file(moved[0]).content_string == 'partial\n'
    manifest = json.loads(host.file(os.path.dirname(os.path.dirname(moved[0])) + '/MANIFEST.json').content_string)
    assert manifest['reason'] == 'partial upload' and [f['path'] for f in manifest['files']] == ['partial.bin']
    for path in ('/backups/.worm-sftp', '/backups/.worm-sftp/quarantine', '/backups/.worm-sftp/quarantine/' + CLIENT):
        assert host.file(path).mode == 0o700 and host.file(path).user == 'root'
    assert host.run('runuser -u %s -- ls /backups/.worm-sftp', USER).rc != 0
    # The client can upload that name again; a second run finds nothing left to move.
    host.check_output("runuser -u %s -- sh -c 'echo again > %s/partial.bin'", USER, CLIENT_DIR)
    rc, output, changed = play(host, 'quarantine', files='never-there.bin', reason='partial upload')
    assert rc == 0 and changed == 0 and 'never-there.bin' in output, output


def test_deprovision_keeps_every_byte_and_provision_restores_access(host):
    checksum = 'find %s -type f -exec sha256sum {} + | sort' % CLIENT_DIR
    before = host.check_output(checksum)
    rc, output, changed = play(host, 'deprovision')
    assert rc == 0 and changed > 0, output
    rc, output, changed = play(host, 'deprovision')
    assert rc == 0 and changed == 0, output
    rc, output = restic(host, 'snapshots', check=False)
    assert rc != 0
    assert not host.file('/etc/ssh/sshd_config.d/50-worm-sftp-%s.conf' % CLIENT).exists
    assert not host.file('/etc/incron.d/worm-sftp-%s' % CLIENT).exists
    assert host.check_output(checksum) == before
    assert unsealed(repo_files(host)) == []
    rc, output, changed = play(host, 'provision', profile='restic',
                               ssh_key=KEY + '.pub')
    assert rc == 0, output
    assert host.check_output(checksum) == before
    assert len(snapshots(host)) == 1
    restic(host, 'check')


def test_purge_deletes_only_old_files_and_only_when_asked(host):
    for name, age in (('ancient.bin', '200 days ago'), ('recent.bin', '1 hour ago')):
        host.check_output('runuser -u %s -- touch -d %s %s/%s', USER, age, CLIENT_DIR, name)
    host.check_output('systemctl start worm-sftp-sweep.service')
    repo_before = host.check_output('find %s -type f -not -path "%s/locks/*" -exec sha256sum {} + | sort',
                                    REPO_DIR, REPO_DIR)
    # Its own playbook, asked for with the client's name twice (issue 12 item 3).
    for extra in ({}, {'confirm': 'someone-else'}):
        rc, output, changed = play(host, 'purge', older_than='180d', **extra)
        assert rc != 0 and 'confirm' in output and host.file(CLIENT_DIR + '/ancient.bin').exists, output
    rc, output, changed = play(host, 'purge', check_mode=True, older_than='180d', confirm=CLIENT)
    assert rc == 0 and changed > 0 and host.file(CLIENT_DIR + '/ancient.bin').exists, output
    rc, output, changed = play(host, 'purge', older_than='180d', confirm=CLIENT)
    assert rc == 0 and changed > 0 and 'purged 1 file(s)' in output, output
    assert not host.file(CLIENT_DIR + '/ancient.bin').exists
    assert 'i' in host.check_output('lsattr -d %s/recent.bin', CLIENT_DIR).split()[0]
    assert host.check_output('find %s -type f -not -path "%s/locks/*" -exec sha256sum {} + | sort',
                             REPO_DIR, REPO_DIR) == repo_before
    # The deprecated form still purges, and says where purging went.
    rc, output, changed = play(host, 'release', older_than='180d', purge=True)
    assert rc == 0 and changed == 0 and 'playbooks/purge.yml' in output, output


def inodes(host, pattern):
    return set(host.check_output("find %s -maxdepth 1 -name %s -printf '%%i\\n'", CLIENT_DIR, pattern).split())


def test_uploads_that_reuse_purged_inode_numbers_are_sealed_by_the_event_path(host):
    """Issue 11 item 2: the filesystem hands a purged file's inode number to the next upload;
    the sealer's memory of sealed files must not take the new file for the old one."""
    # touch sets the old time on the descriptor it created the file with, before the close.
    host.check_output("runuser -u %s -- sh -c 'for i in $(seq -w 1 20); do touch -d \"200 days ago\" %s/old-$i.bin; "
                      "done'", USER, CLIENT_DIR)
    host.check_output('systemctl start worm-sftp-sweep.service')
    purged = inodes(host, 'old-*.bin')
    assert len(purged) == 20
    rc, output, _changed = play(host, 'purge', older_than='180d', confirm=CLIENT)
    assert rc == 0 and 'purged 20 file(s)' in output, output
    host.check_output('systemctl stop worm-sftp-sweep.timer')
    try:
        host.check_output("runuser -u %s -- sh -c 'for i in $(seq -w 1 20); do echo new > %s/new-$i.bin; done'",
                          USER, CLIENT_DIR)
        # The event path seals in milliseconds; the sweep is stopped.
        unsealed_now = wait_sealed(host, CLIENT_DIR, lambda rel: re.fullmatch(rb'new-[0-9]+\.bin', rel) is not None,
                                   timeout=5)
    finally:
        host.check_output('systemctl start worm-sftp-sweep.timer')
    reused = inodes(host, 'new-*.bin') & purged
    worm_testinfra.record_figures(host, 'lifecycle-inode-reuse', 'after a purge', dict(
        uploads=20, with_a_purged_inode_number=len(reused), unsealed_after_5s=len(unsealed_now)))
    assert unsealed_now == []


@pytest.fixture(autouse=True)
def _restic_present():
    if subprocess.run(['restic', 'version'], stdout=subprocess.DEVNULL, check=False).returncode != 0:
        pytest.fail('restic is not installed on this machine; scripts/test installs it')
