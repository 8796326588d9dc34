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
