# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sealer package (plugins/module_utils/sealer), as the role installs and runs it: the
service's watching and turns, the sweep, its figures, on a real filesystem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import json
import os
import struct
import time

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import layout, sealing, watches
from ansible_collections.worm.sftp.plugins.module_utils.sealer import cli, journal, metrics, watch


def series(text):
    values = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            name, value = line.rsplit(' ', 1)
            values[name] = float(value)
    return values


def policy(root, name, state):
    return sealing.ClientPolicy.from_json(json.dumps({'name': name, 'root': os.path.join(root, name)}),
                                          json.dumps(state) if state else None)


def test_metrics_show_legal_hold_and_release_window_per_client(workdir):
    now = time.time()
    window = {'cutoff_epoch': now - 86400, 'until_epoch': now + 3600}
    clients = [policy(workdir, 'held', {'legal_hold': {'since': 'x', 'reason': 'case'}, 'release': window}),
               policy(workdir, 'released', {'legal_hold': None, 'release': window}),
               policy(workdir, 'plain', None)]
    results = []
    for client in clients:
        os.mkdir(client.root)
        with open(os.path.join(client.root, 'volume.zip'), 'wb') as handle:
            handle.write(b'data')
        results.append((client, sealing.seal_client(client, lambda line: None)))
    values = series(metrics.text(results, now))
    assert [values['worm_sftp_legal_hold{client="%s"}' % c.name] for c in clients] == [1, 0, 0]
    assert [values['worm_sftp_release_window_open{client="%s"}' % c.name] for c in clients] == [0, 1, 0]
    assert [values['worm_sftp_files{client="%s"}' % c.name] for c in clients] == [1, 1, 1]
    assert values['worm_sftp_sweep_failed_clients'] == 0
    assert values['worm_sftp_filesystem_free_inodes{path="%s"}' % workdir] == os.statvfs(workdir).f_favail


@pytest.fixture
def settings(workdir, monkeypatch):
    """The sealer's directories in a scratch tree, and their layout (paths['layout'])."""
    paths = {}
    for key in ('config', 'state', 'pending'):
        paths[key] = os.path.join(workdir, key)
        os.mkdir(paths[key])
    paths['root'] = os.path.join(workdir, 'backups')
    os.mkdir(paths['root'])
    paths['layout'] = layout.Layout(config_dir=paths['config'], state_dir=paths['state'],
                                    pending_dir=paths['pending'], seen_file=os.path.join(workdir, 'seen.json'),
                                    watch_status_file=os.path.join(workdir, 'watches.json'))
    monkeypatch.setattr(journal, 'log', lambda message, priority=None: None)
    return paths


def scheduler_of(settings, **watcher_options):
    return watch.Scheduler(watch.Watcher(settings['layout'], **watcher_options))


def provision(paths, name):
    """What the role does for a new client: its directory, then its settings, written atomically."""
    os.mkdir(os.path.join(paths['root'], name))
    temp = os.path.join(paths['config'], '.%s.json.tmp' % name)
    with open(temp, 'w') as handle:
        json.dump({'name': name, 'root': os.path.join(paths['root'], name)}, handle)
    os.replace(temp, os.path.join(paths['config'], name + '.json'))


def upload(path):
    with open(path, 'wb') as handle:
        handle.write(b'volume')


def drain_events(scheduler):
    """Read what has arrived (the sealer's loop, minus the blocking wait) and seal."""
    scheduler.watcher.read(0.2)
    scheduler.drain()


def test_a_client_provisioned_while_the_sealer_runs_is_watched_at_once(settings, flags_of):
    """No kick from incron (its first upload goes into a new sub-directory, which incron
    does not report): the new settings file alone puts the client under watch."""
    scheduler = scheduler_of(settings)
    drain_events(scheduler)  # the service's first scan: no client yet
    provision(settings, 'late')
    drain_events(scheduler)
    dated = os.path.join(settings['root'], 'late', '2026-12-02')
    os.mkdir(dated)
    drain_events(scheduler)
    upload(os.path.join(dated, 'blob.bin'))
    drain_events(scheduler)
    assert 'i' in flags_of(os.path.join(dated, 'blob.bin'))


def test_a_changed_lifecycle_state_rescans_the_client(settings, flags_of):
    provision(settings, 'kept')
    scheduler = scheduler_of(settings)
    scheduler.watcher.kicked.update(watch.all_clients(settings['layout']))
    drain_events(scheduler)
    path = os.path.join(settings['root'], 'kept', 'left-unsealed.bin')
    upload(path)  # as if incron and the sweep had both missed it
    drain_events(scheduler)
    assert 'i' not in flags_of(path)
    with open(os.path.join(settings['state'], 'kept.json'), 'w') as handle:
        json.dump({'legal_hold': {'since': 'now', 'reason': 'case'}, 'release': None}, handle)
    drain_events(scheduler)
    assert 'i' in flags_of(path)


def kick(settings, name):
    with open(os.path.join(settings['pending'], name), 'a'):
        pass


def test_a_kick_is_an_event_and_its_file_stays(settings, flags_of):
    """incron appends to pending/<client> as root; the sealer, which may not write in the
    kick directory (so that nobody can plant a link there for root to follow), reacts to the
    event and leaves the file where it is. Names that are not clients are ignored."""
    provision(settings, 'kicked')
    scheduler = scheduler_of(settings)
    drain_events(scheduler)
    path = os.path.join(settings['root'], 'kicked', 'volume.zip')
    upload(path)
    for name in ('kicked', 'Not-A-Client', '.hidden'):
        kick(settings, name)
    scheduler.watcher.read(1)
    assert scheduler.watcher.kicked == {'kicked'}
    scheduler.drain()
    assert 'i' in flags_of(path)
    assert sorted(os.listdir(settings['pending'])) == ['.hidden', 'Not-A-Client', 'kicked']


def flood(settings, name, directories):
    """A client with many directories, each taken over and watched by its first scan."""
    provision(settings, name)
    for number in range(directories):
        os.mkdir(os.path.join(settings['root'], name, 'd%05d' % number))


def test_clients_take_turns_and_events_are_read_while_a_big_tree_is_walked(settings, flags_of, monkeypatch):
    """One step per turn (SLICE 0): a client kicked while another client's long scan runs is
    sealed long before that scan ends."""
    flood(settings, 'big', 300)
    provision(settings, 'small')
    scheduler = scheduler_of(settings)
    drain_events(scheduler)
    monkeypatch.setattr(watch, 'SLICE', 0)
    monkeypatch.setattr(watch, 'PACE_FACTOR', 0)
    scheduler.watcher.kicked.add('big')
    scheduler.run_slice()
    assert list(scheduler.active) == ['big']
    path = os.path.join(settings['root'], 'small', 'volume.zip')
    upload(path)
    kick(settings, 'small')
    turns = 0
    while 'i' not in flags_of(path):
        scheduler.watcher.read(scheduler.timeout())  # the service loop
        scheduler.run_slice()
        turns += 1
        assert turns < 10
    assert 'big' in scheduler.active  # 300 directories: far from done
    scheduler.drain()
    assert not scheduler.active


def test_a_long_scan_gets_its_share_however_often_another_client_kicks(settings, monkeypatch):
    """Unpaced (PACE_FACTOR 0) and kicked again as soon as it is done, a small client still
    leaves a big tree's scan its turns: a scan joins no further ahead than the clock less
    HEAD_START, and the clock follows whoever is furthest behind."""
    flood(settings, 'big', 300)
    provision(settings, 'eager')
    scheduler = scheduler_of(settings)
    monkeypatch.setattr(watch, 'SLICE', 0)
    monkeypatch.setattr(watch, 'PACE_FACTOR', 0)
    scheduler.watcher.kicked.update(['big', 'eager'])
    big_turns = 0
    for _turn in range(400):
        scheduler.watcher.kicked.add('eager')
        big = scheduler.active.get('big')
        before = big.busy if big is not None else None
        scheduler.run_slice()
        big_turns += big is not None and big.busy != before
    assert big_turns > 100


def test_sealing_a_burst_does_not_count_for_the_pause(settings, monkeypatch):
    """A client is paced by what its scan spent on anything but sealing: each sealed file is an
    upload it paid for, and a burst must not wait three times its own sealing."""
    provision(settings, 'burst')
    for number in range(300):
        upload(os.path.join(settings['root'], 'burst', 'volume-%03d' % number))
    scheduler = scheduler_of(settings)
    scheduler.watcher.kicked.add('burst')
    scans = []
    real_scan = watch.Scan
    monkeypatch.setattr(watch, 'Scan', lambda *args, **kwargs: scans.append(real_scan(*args, **kwargs)) or scans[-1])
    scheduler.drain()
    scan = scans[0]
    assert scan.run.counts['sealed'] == 300
    assert 0 < scan.run.sealing_seconds < scan.busy
    assert scan.paced() == pytest.approx(scan.busy - scan.run.sealing_seconds)
    assert scan.paced() < scan.busy / 2  # sealing 300 files is most of the work


def test_overflow_counts_the_watches_afresh(settings):
    """Lost events may include the end of removed directories' watches: after an overflow the
    counts come from the rescans of every client."""
    flood(settings, 'many', 3)
    scheduler = scheduler_of(settings)
    scheduler.watcher.kicked.add('many')
    scheduler.drain()
    assert scheduler.watcher.watches['many'] == 4
    scheduler.watcher.watches['many'] += 100  # as if IN_IGNORED events had been lost
    overflow = struct.pack('iIII', -1, watch.IN_Q_OVERFLOW, 0, 0)
    real_read = os.read
    os.read = lambda fd, size: overflow if fd == scheduler.watcher.fd else real_read(fd, size)
    try:
        assert scheduler.watcher.wait()
    finally:
        os.read = real_read
    assert scheduler.watcher.kicked == {'many'}
    scheduler.drain()
    assert scheduler.watcher.watches['many'] == 4


def test_a_client_that_kicks_without_end_is_paced(settings, monkeypatch):
    """After each scan a client waits PACE_FACTOR times the scan's duration before the next;
    its kicks meanwhile become one scan, and other clients go first."""
    flood(settings, 'busy', 50)
    provision(settings, 'calm')
    scheduler = scheduler_of(settings)
    drain_events(scheduler)
    monkeypatch.setattr(watch, 'PACE_FACTOR', 1000)
    scheduler.watcher.kicked.add('busy')
    scheduler.drain()
    for _kick in range(5):
        kick(settings, 'busy')
    kick(settings, 'calm')
    scheduler.watcher.read(1)
    scheduler.run_slice()
    assert scheduler.watcher.kicked == {'busy'}  # paused: the kicks wait as one
    assert 'calm' in scheduler.next_scan and 'calm' not in scheduler.active  # scanned at once, and done
    assert scheduler.timeout() > 0


def test_one_client_cannot_take_every_directory_watch(settings, flags_of):
    """Beyond its cap a client's directories go unwatched (and are not tried on every scan);
    its files there are sealed by its next scan, and the other clients are watched as before."""
    flood(settings, 'many', 12)
    provision(settings, 'other')
    os.mkdir(os.path.join(settings['root'], 'other', 'sub'))
    scheduler = scheduler_of(settings, max_watches=5)
    scheduler.watcher.kicked.update(watch.all_clients(settings['layout']))
    drain_events(scheduler)
    watcher = scheduler.watcher
    assert watcher.watches['many'] == 5 and watcher.capped == {'many'}  # the top is one of the 5
    assert watcher.watches['other'] == 2
    tried = []
    real_add = watcher.add
    watcher.add = lambda path, mask: tried.append(path) or real_add(path, mask)
    unwatched = sorted(os.listdir(os.path.join(settings['root'], 'many')))[-1]
    path = os.path.join(settings['root'], 'many', unwatched, 'volume.zip')
    upload(path)
    kick(settings, 'many')
    drain_events(scheduler)
    assert 'i' in flags_of(path)
    assert len(tried) == 1  # the top; at its cap no other directory is even tried
    assert watcher.watches['many'] == 5
    # Reported, for the sweep's metrics and the audit's alarm: 4 of its 12 directories are watched.
    watcher.report(force=True)
    status = watches.read_status(settings['layout'].watch_status_file)
    assert status['watches'] == 5 + 2 and status['per_client_cap'] == 5
    assert status['unwatched_over_cap'] == {'many': 8} and status['unwatched_limit_reached'] == {}
    assert status['limit'] == watches.kernel_limit(watches.WATCHES)
    assert watches.alarms(status) == [] and watches.notices(status)[0].startswith('many: 8 directories beyond its cap')
    # Once the client has room again, its next scan clears the figure.
    many = os.path.join(settings['root'], 'many')
    for name in [name for name in sorted(os.listdir(many)) if not os.listdir(os.path.join(many, name))][3:]:
        os.rmdir(os.path.join(many, name))  # 4 directories left, 1 of them with the upload
    kick(settings, 'many')
    drain_events(scheduler)
    watcher.report(force=True)
    assert watches.read_status(settings['layout'].watch_status_file)['unwatched_over_cap'] == {}


def test_a_status_that_cannot_be_written_is_logged_once_until_it_can(settings, monkeypatch):
    logged = []
    monkeypatch.setattr(journal, 'log', lambda message, priority=None: logged.append(message))
    watcher = scheduler_of(settings).watcher
    os.rename(settings['state'], settings['state'] + '.away')  # any missing directory will do
    monkeypatch.setattr(settings['layout'], 'watch_status_file', os.path.join(settings['state'], 'watches.json'))
    for _attempt in range(3):
        watcher.changed()
        watcher.report(force=True)
    assert len([line for line in logged if line.startswith('cannot write the watch status')]) == 1
    os.rename(settings['state'] + '.away', settings['state'])
    watcher.changed()
    watcher.report(force=True)
    assert watches.read_status(settings['layout'].watch_status_file)['watches'] == 0
    os.rename(settings['state'], settings['state'] + '.away')
    watcher.changed()
    watcher.report(force=True)
    assert len([line for line in logged if line.startswith('cannot write the watch status')]) == 2


def test_watches_recounted_after_lost_events_are_not_reported_as_unwatched(settings, monkeypatch):
    """An event-queue overflow mid-scan drops the watch counts (every client is scanned again):
    the scan under way, which counted directories against the old counts, reports nothing."""
    monkeypatch.setattr(watch, 'SLICE', 0)
    flood(settings, 'big', 50)
    scheduler = scheduler_of(settings)
    watcher = scheduler.watcher
    watcher.kicked.update(watch.all_clients(settings['layout']))
    for _step in range(20):
        scheduler.run_slice()
    assert 'big' in scheduler.active  # part-way
    watcher.overflowed()
    while 'big' in scheduler.active:  # the scan under way ends (the rescan waits for its pause)
        scheduler.run_slice()
    watcher.report(force=True)
    assert watches.read_status(settings['layout'].watch_status_file)['unwatched_over_cap'] == {}
    scheduler.drain()  # the rescan the overflow asked for counts every watch again
    watcher.report(force=True)
    status = watches.read_status(settings['layout'].watch_status_file)
    assert status['unwatched_over_cap'] == {} and status['watches'] == 51


def test_directories_the_kernel_refuses_to_watch_are_reported(settings, flags_of):
    """At fs.inotify.max_user_watches inotify_add_watch fails with ENOSPC (made here for the
    client's sub-directories: the real limit is the whole machine's): they are counted for the
    audit's alarm, and the client's files there are still sealed by its scans."""
    flood(settings, 'full', 3)
    scheduler = scheduler_of(settings)
    watcher = scheduler.watcher
    real_add = watcher.add

    def add(path, mask):
        if watcher.watches['full'] >= 1:  # its top is watched, nothing below it
            ctypes.set_errno(errno.ENOSPC)
            return -1
        return real_add(path, mask)
    watcher.add = add
    watcher.kicked.update(watch.all_clients(settings['layout']))
    drain_events(scheduler)
    watcher.report(force=True)
    status = watches.read_status(settings['layout'].watch_status_file)
    assert status['unwatched_limit_reached'] == {'full': 3} and status['watches'] == 1
    assert watches.alarms(status)[0].startswith('full: 3 directories without a watch: the sealer reached '
                                                'fs.inotify.max_user_watches')
    path = os.path.join(settings['root'], 'full', sorted(os.listdir(os.path.join(settings['root'], 'full')))[0], 'v.zip')
    upload(path)
    kick(settings, 'full')
    drain_events(scheduler)
    assert 'i' in flags_of(path)


@pytest.mark.parametrize('file_name, client', [
    (b'alice.json', 'alice'),
    (b'.alice.json.tmp', None),
    (b'alice.json\n', None),
    (b'alice\n.json', None),
    (b'../etc.json', None),
    (b'Alice.json', None),
])
def test_only_settings_files_name_a_client(file_name, client):
    assert watch.settings_client(file_name) == client


@pytest.fixture
def sweep(workdir, monkeypatch):
    """Run the sealer's command line as the sweep does, over one scratch client with one
    upload, with a layout file as the role writes it; returns a runner giving (exit status,
    log lines at LOG_ERR, path of the upload). Its paths attribute is the layout it writes,
    its upload attribute the upload."""
    config_dir, state_dir, root = (os.path.join(workdir, name) for name in ('clients', 'state', 'backups'))
    for path in (config_dir, state_dir, os.path.join(root, 'alice')):
        os.makedirs(path)
    with open(os.path.join(config_dir, 'alice.json'), 'w') as handle:
        json.dump({'name': 'alice', 'root': os.path.join(root, 'alice')}, handle)
    upload = os.path.join(root, 'alice', 'volume.zip')
    with open(upload, 'wb') as handle:
        handle.write(b'data')
    layout_file = os.path.join(workdir, layout.FILE_NAME)
    monkeypatch.setattr(cli.fsflags, 'ignore_lease_breaks', lambda: None)  # leave this process's signals alone
    errors = []
    monkeypatch.setattr(journal, 'log', lambda message, priority=journal.INFO:
                        errors.append(message) if priority <= journal.ERROR else None)

    def run(*args):
        with open(layout_file, 'w') as handle:
            json.dump(run.paths, handle)
        umask = os.umask(0o022)
        os.umask(umask)
        try:
            status = cli.main(layout_file, list(args))
        finally:
            os.umask(umask)
        return status, errors, upload

    run.upload = upload
    run.paths = dict(config_dir=config_dir, state_dir=state_dir, pending_dir=os.path.join(workdir, 'pending'),
                     seen_file=os.path.join(workdir, 'seen.json'),
                     watch_status_file=os.path.join(workdir, 'watches.json'))
    return run


def test_sweep_seals_and_reports(sweep, workdir, flags_of):
    textfile = os.path.join(workdir, 'worm_sftp.prom')
    status, errors, upload = sweep('--textfile', textfile, '--bound', '900')
    assert (status, errors) == (0, [])
    assert 'i' in flags_of(upload)
    with open(textfile) as handle:
        assert series(handle.read())['worm_sftp_unsealed_overdue_files{client="alice"}'] == 0


def test_the_sweep_times_unsealed_files_across_runs(sweep, workdir, flags_of):
    """Overdue by how long the sweeps have seen a file unsealed (kept in the seen file),
    whatever its modification time; each sweep reads what the last one kept."""
    textfile = os.path.join(workdir, 'worm_sftp.prom')
    seen_file = os.path.join(workdir, 'seen.json')
    status, errors, upload = sweep('--textfile', textfile, '--bound', '900')
    held = os.path.join(os.path.dirname(upload), 'held-open.zip')
    with open(held, 'wb') as writer:
        status, errors, _upload = sweep('--textfile', textfile, '--bound', '900')
        assert (status, errors) == (0, [])
        with open(seen_file) as handle:
            seen = json.load(handle)
        inode = str(os.stat(held).st_ino)
        assert seen == {'alice': {'unsealed': {inode: seen['alice']['unsealed'][inode]}, 'exempt': {}}}
        with open(textfile) as handle:
            assert series(handle.read())['worm_sftp_unsealed_overdue_files{client="alice"}'] == 0
        seen['alice']['unsealed'][inode] -= 1000  # as if that sweep had run 1000 s ago
        with open(seen_file, 'w') as handle:
            json.dump(seen, handle)
        writer.write(b'fresh modification time')
        writer.flush()
        status, errors, _upload = sweep('--textfile', textfile, '--bound', '900')
        with open(textfile) as handle:
            assert series(handle.read())['worm_sftp_unsealed_overdue_files{client="alice"}'] == 1
    status, errors, _upload = sweep('--textfile', textfile, '--bound', '900')
    assert 'i' in flags_of(held)
    with open(seen_file) as handle:
        assert json.load(handle) == {'alice': {'unsealed': {}, 'exempt': {}}}


def test_a_sweep_that_cannot_keep_what_it_saw_still_seals_and_says_so(sweep, workdir, flags_of):
    sweep.paths['seen_file'] = os.path.join(workdir, 'missing', 'seen.json')
    status, errors, upload = sweep()
    assert 'i' in flags_of(upload)
    assert status == 1 and len(errors) == 1 and 'cannot keep what the sweep saw' in errors[0], errors


@pytest.mark.parametrize('bound', ['15mins', '', '1.5h', '-1'])
def test_a_bad_bound_does_not_stop_sealing(sweep, workdir, flags_of, bound):
    textfile = os.path.join(workdir, 'worm_sftp.prom')
    status, errors, upload = sweep('--textfile', textfile, '--bound', bound)
    assert 'i' in flags_of(upload)
    assert status != 0
    assert len(errors) == 1 and 'is not a duration' in errors[0], errors
    with open(textfile) as handle:
        values = series(handle.read())
    # The figures it can compute are written; the overdue count it cannot is left out, not written as 0.
    assert values['worm_sftp_sealed_files{client="alice"}'] == 1
    assert not [name for name in values if 'overdue' in name]


def test_a_textfile_that_cannot_be_written_does_not_hide_the_sealing(sweep, workdir, flags_of):
    textfile = os.path.join(workdir, 'missing', 'worm_sftp.prom')
    status, errors, upload = sweep('--textfile', textfile, '--bound', '900')
    assert 'i' in flags_of(upload)
    assert status != 0
    assert len(errors) == 1 and 'cannot write the figures to %s' % textfile in errors[0], errors
    assert not os.path.exists(os.path.dirname(textfile))


@pytest.mark.parametrize('content, expected', [
    (None, 'cannot read'),
    ('{"config_dir": "/etc/worm-sftp/clients"', 'cannot read'),
    ('[]', 'must hold a JSON object'),
    ('{"config_dir": "/c", "state_dir": "/s", "pending_dir": "/p"}', 'missing: seen_file, watch_status_file'),
    ('{"config_dir": "c", "state_dir": "/s", "pending_dir": "/p", "seen_file": "/f", "watch_status_file": "/w"}',
     'config_dir must be an absolute'),
])
def test_without_a_good_layout_the_sealer_says_what_to_do_and_seals_nothing(
        sweep, workdir, flags_of, content, expected):
    layout_file = os.path.join(workdir, 'bad-layout.json')
    if content is not None:
        with open(layout_file, 'w') as handle:
            handle.write(content)
    status = cli.main(layout_file, [])
    assert isinstance(status, str) and expected in status, status
    if content is None:
        assert 'run the worm.sftp.backup_target role again' in status
    assert 'i' not in flags_of(sweep.upload)
