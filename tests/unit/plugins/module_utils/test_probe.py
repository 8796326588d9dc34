# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provisioning probe on a real filesystem, with stand-ins for incron and the sealer
that run as threads: it passes when both do their part, names the part that did not
otherwise, and leaves nothing behind either way."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd
import subprocess
import threading
import time

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import probe, sealing


@pytest.fixture
def target(workdir):
    """A client directory writable by the client's user (nobody here), and a kick directory."""
    nobody = pwd.getpwnam('nobody')
    client_dir = os.path.join(workdir, 'backups', 'alice')
    os.makedirs(client_dir)
    os.chown(client_dir, nobody.pw_uid, nobody.pw_gid)
    pending = os.path.join(workdir, 'pending')
    os.mkdir(pending)
    return dict(name='alice', dir=client_dir, user='nobody'), pending


class StandIn(threading.Thread):
    """incron (a kick file when the client has an unsealed file at its top) and/or the
    sealer (seals the client's whole tree once kicked), polling every few ms."""

    def __init__(self, client, pending, incron=True, sealer=True):
        super(StandIn, self).__init__(daemon=True)
        self.client, self.pending, self.incron, self.sealer = client, pending, incron, sealer
        self.stop = threading.Event()

    def run(self):
        kick = os.path.join(self.pending, self.client['name'])
        policy = sealing.ClientPolicy(self.client['name'], self.client['dir'])
        while not self.stop.wait(0.005):
            if self.incron and any(entry.is_file(follow_symlinks=False) and 'i' not in lsattr(entry.path)
                                   for entry in os.scandir(self.client['dir'])):
                with open(kick, 'a'):
                    pass
            if self.sealer and os.path.exists(kick):  # the sealer reacts to the kick, leaves its file
                sealing.seal_client(policy, lambda line: None)


def lsattr(path):
    """Flag letters, or '' for a file the probe has removed meanwhile."""
    proc = subprocess.run(['lsattr', '-d', path], check=False, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return proc.stdout.decode().split()[0] if proc.returncode == 0 else 'gone'


def probe_with(target, timeout=3, **stand_in):
    client, pending = target
    helper = StandIn(client, pending, **stand_in)
    helper.start()
    try:
        return probe.run_probes([client], pending, timeout)
    finally:
        helper.stop.set()
        helper.join()


def test_event_path_that_works_is_proven_and_nothing_is_left(target):
    results, failures = probe_with(target)
    assert failures == {}
    assert results[0]['client'] == 'alice'
    assert 0 < results[0]['sealed_after']['top'] < 3 and 0 < results[0]['sealed_after']['sub_directory'] < 3
    assert os.listdir(target[0]['dir']) == []


def test_probe_files_are_the_clients_own(target, monkeypatch):
    owners = []
    real_check = probe.ClientProbe.check

    def check(self, flag_io, now):
        if not owners:
            owners.append(os.stat(self.probe, dir_fd=self.dir_fd).st_uid)
            owners.append(os.stat(self.probe, dir_fd=self.sub_fd).st_uid)
        return real_check(self, flag_io, now)

    monkeypatch.setattr(probe.ClientProbe, 'check', check)
    probe_with(target)
    assert owners == [pwd.getpwnam('nobody').pw_uid] * 2


@pytest.mark.parametrize('stand_in, diagnosis', [
    (dict(incron=False, sealer=False), 'incron did not report the upload'),
    (dict(incron=True, sealer=False), 'incron reported the upload but the sealer did not seal it'),
])
def test_a_broken_part_is_named_and_nothing_is_left(target, stand_in, diagnosis):
    started = time.monotonic()
    results, failures = probe_with(target, timeout=1, **stand_in)
    assert time.monotonic() - started < 5
    assert diagnosis in failures['alice']
    assert results[0]['sealed_after'] == {'top': None, 'sub_directory': None}
    assert os.listdir(target[0]['dir']) == []


def test_a_client_without_its_account_is_an_error(target):
    client, pending = target
    with pytest.raises(probe.ProbeError, match='no user backup-nobody-here'):
        probe.run_probes([dict(client, user='backup-nobody-here')], pending, 1)
    assert os.listdir(client['dir']) == []
