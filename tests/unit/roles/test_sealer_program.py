# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sealer program the role installs (roles/backup_target/files/worm-sftp-sealer), loaded
with the collection's module_utils standing in for the package installed beside it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.machinery
import importlib.util
import json
import os
import select
import sys
import time
import types

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import durations, sealing

SEALER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                      'roles', 'backup_target', 'files', 'worm-sftp-sealer')


@pytest.fixture
def sealer(monkeypatch):
    package = types.ModuleType('wormsftp')
    package.durations, package.sealing = durations, sealing
    monkeypatch.setitem(sys.modules, 'wormsftp', package)
    monkeypatch.setattr(sys, 'path', list(sys.path))  # the program puts its install dir first
    loader = importlib.machinery.SourceFileLoader('worm_sftp_sealer', SEALER)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


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


def test_metrics_show_legal_hold_and_release_window_per_client(sealer, workdir):
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
    values = series(sealer.metrics(results, now))
    assert [values['worm_sftp_legal_hold{client="%s"}' % c.name] for c in clients] == [1, 0, 0]
    assert [values['worm_sftp_release_window_open{client="%s"}' % c.name] for c in clients] == [0, 1, 0]
    assert [values['worm_sftp_files{client="%s"}' % c.name] for c in clients] == [1, 1, 1]
    assert values['worm_sftp_sweep_failed_clients'] == 0


@pytest.fixture
def settings(sealer, workdir, monkeypatch):
    """The sealer's directories in a scratch tree: (config dir, state dir, backup root)."""
    paths = {}
    for key, attr in (('config', 'CONFIG_DIR'), ('state', 'STATE_DIR'), ('pending', 'PENDING_DIR')):
        paths[key] = os.path.join(workdir, key)
        os.mkdir(paths[key])
        monkeypatch.setattr(sealer, attr, paths[key])
    paths['root'] = os.path.join(workdir, 'backups')
    os.mkdir(paths['root'])
    monkeypatch.setattr(sealer, 'log', lambda message, priority=None: None)
    return paths


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


def drain_events(sealer, watcher):
    """Read what has arrived (the sealer's loop, minus the blocking wait) and seal."""
    readable = True
    while readable:
        readable = select.select([watcher.fd], [], [], 0.2)[0]
        if readable:
            watcher.wait()
    sealer.drain_pending(watcher)


def test_a_client_provisioned_while_the_sealer_runs_is_watched_at_once(sealer, settings, flags_of):
    """No kick from incron (its first upload goes into a new sub-directory, which incron
    does not report): the new settings file alone puts the client under watch."""
    watcher = sealer.Watcher()
    drain_events(sealer, watcher)  # the service's first scan: no client yet
    provision(settings, 'late')
    drain_events(sealer, watcher)
    dated = os.path.join(settings['root'], 'late', '2026-12-02')
    os.mkdir(dated)
    drain_events(sealer, watcher)
    upload(os.path.join(dated, 'blob.bin'))
    drain_events(sealer, watcher)
    assert 'i' in flags_of(os.path.join(dated, 'blob.bin'))


def test_a_changed_lifecycle_state_rescans_the_client(sealer, settings, flags_of):
    provision(settings, 'kept')
    watcher = sealer.Watcher()
    watcher.kicked.update(sealer.all_clients())
    drain_events(sealer, watcher)
    path = os.path.join(settings['root'], 'kept', 'left-unsealed.bin')
    upload(path)  # as if incron and the sweep had both missed it
    drain_events(sealer, watcher)
    assert 'i' not in flags_of(path)
    with open(os.path.join(settings['state'], 'kept.json'), 'w') as handle:
        json.dump({'legal_hold': {'since': 'now', 'reason': 'case'}, 'release': None}, handle)
    drain_events(sealer, watcher)
    assert 'i' in flags_of(path)


@pytest.mark.parametrize('file_name, client', [
    (b'alice.json', 'alice'),
    (b'.alice.json.tmp', None),
    (b'alice.json\n', None),
    (b'alice\n.json', None),
    (b'../etc.json', None),
    (b'Alice.json', None),
])
def test_only_settings_files_name_a_client(sealer, file_name, client):
    assert sealer.settings_client(file_name) == client
