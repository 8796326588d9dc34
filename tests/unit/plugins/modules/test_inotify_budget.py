# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inotify_budget module against a scratch /proc/sys/fs/inotify and meminfo."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import watches
from ansible_collections.worm.sftp.plugins.modules import inotify_budget

GIB = 1024 ** 3


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A host with 8192 watches, 16384 queued events, 4 GiB and two provisioned clients."""
    proc = tmp_path / 'inotify'
    proc.mkdir()
    (proc / 'max_user_watches').write_text('8192\n')
    (proc / 'max_queued_events').write_text('16384\n')
    (tmp_path / 'meminfo').write_text('MemTotal: %d kB\n' % (4 * GIB // 1024))
    monkeypatch.setattr(watches, 'PROC_DIR', str(proc))
    monkeypatch.setattr(watches, 'MEMINFO', str(tmp_path / 'meminfo'))
    config = tmp_path / 'clients'
    config.mkdir()
    for name in ('alice', 'bob'):
        (config / (name + '.json')).write_text(json.dumps({'name': name}))
    return dict(config_dir=str(config), dropin=str(tmp_path / '60-worm-sftp-inotify.conf'), proc=proc)


def run(run_module, host, check_mode=False, **params):
    return run_module(inotify_budget.main, check_mode=check_mode, config_dir=host['config_dir'], dropin=host['dropin'],
                      **params)


def test_the_limits_are_raised_for_every_client_and_written_for_boot(run_module, host):
    failed, result = run(run_module, host, True, clients=['carol'], per_client_cap=100)
    assert not failed and result['changed'] and not os.path.exists(host['dropin'])
    assert (host['proc'] / 'max_user_watches').read_text() == '8192\n'
    failed, result = run(run_module, host, clients=['carol'], per_client_cap=10000)
    needed = 3 * 10000 + 3
    assert not failed and result['changed'] and result['clients'] == 3 and result['needed_watches'] == needed
    assert result['limits'] == {'max_user_watches': round(needed * 1.25), 'max_queued_events': 16384}
    assert result['running'] == result['limits']
    assert (host['proc'] / 'max_user_watches').read_text() == '%d\n' % round(needed * 1.25)
    with open(host['dropin']) as handle:
        assert 'fs.inotify.max_user_watches = %d\n' % round(needed * 1.25) in handle.read()
    failed, result = run(run_module, host, clients=['carol'], per_client_cap=10000)
    assert not failed and not result['changed']


def test_a_limit_is_never_lowered(run_module, host):
    (host['proc'] / 'max_user_watches').write_text('500000\n')
    (host['proc'] / 'max_queued_events').write_text('99999\n')
    failed, result = run(run_module, host, per_client_cap=10)
    assert not failed and result['changed']  # the drop-in, which keeps both for the next boot
    assert result['limits'] == {'max_user_watches': 500000, 'max_queued_events': 99999} == result['running']
    assert (host['proc'] / 'max_user_watches').read_text() == '500000\n'
    assert (host['proc'] / 'max_queued_events').read_text() == '99999\n'
    with open(host['dropin']) as handle:
        assert handle.read().splitlines()[1:] == ['fs.inotify.max_user_watches = 500000',
                                                  'fs.inotify.max_queued_events = 99999']


def test_where_the_kernel_value_cannot_be_changed_it_warns_and_writes_the_dropin(run_module, host, monkeypatch):
    """As in a container (/proc/sys read-only): the value made unwritable, for root with the
    immutable flag, for another user by its mode."""
    warned = []
    monkeypatch.setattr(inotify_budget.AnsibleModule, 'warn', lambda module, text: warned.append(text))
    value = str(host['proc'] / 'max_user_watches')
    os.chmod(value, 0o444)
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(['chattr', '+i', value], check=True)
    try:
        failed, result = run(run_module, host, per_client_cap=10000)
        again = run(run_module, host, per_client_cap=10000)[1]
        checked = run(run_module, host, True, per_client_cap=10000)[1]
    finally:
        if as_root:
            subprocess.run(['chattr', '-i', value], check=True)
    assert not failed and result['running']['max_user_watches'] == 8192 and result['not_applied'] == ['max_user_watches']
    assert 'fs.inotify.max_user_watches is 8192 and the sealer may need %d, but this host cannot change it' % (
        result['limits']['max_user_watches']) in warned[0]
    assert result['changed'] and os.path.exists(host['dropin'])  # for the next boot
    assert not again['changed'] and not checked['changed']  # nothing it cannot do reads as a change


def test_a_bad_client_name_is_refused(run_module, host):
    failed, result = run(run_module, host, clients=['Bad Name'])
    assert failed and 'is not a client name' in result['msg']
