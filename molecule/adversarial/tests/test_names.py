# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile file names uploaded over SFTP: every file is sealed, nothing they spell runs,
and no root-owned file of the host changes."""

import shlex

import pytest

from worm_client import ROOT, Session, probe, remote, wait_sealed
from scenario import SWEEP_BOUND

# Each would run `touch .../PWNED*` (or worse) if a shell ever saw it.
HOSTILE = [
    'a;touch PWNED-semicolon;b', 'a|touch PWNED-pipe', 'a&touch PWNED-amp&', 'a&&touch PWNED-and',
    '`touch PWNED-backtick`', '$(touch PWNED-dollar)', '$HOME$PATH', '${IFS}touch${IFS}PWNED-ifs',
    "it's 'single'", 'say "double"', 'unbalanced(', 'brace{a,b}', '<input', '>PWNED-redirect',
    'star*', 'question?', 'tab\there', 'new\nline\ntouch PWNED-newline', '-rf', '--help', 'x;id>marker;#',
    '$@', '$#', '$%', '$&', 'back\\slash', ' leading space', 'trailing space ', '~root', '!bang',
    '#comment', '%n%s%x', 'carriage\rreturn', '\x1b[31mescape', 'Ünïcødé-名前', '*', '..dotdot',
    '.hidden', 'L' * 255,
]
NOT_UTF8 = [b'\xff\xfe-not-utf8', b'latin1-\xe9t\xe9', b'\x80']
NAMES = [name.encode() for name in HOSTILE] + NOT_UTF8
CLIENTS = ['dpc', 'dup']  # duplicati (the default profile) and duplicity
# Places where a file may change while the tests run, without anyone attacking anything.
BUSY = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var/log', '/var/lib/systemd', '/var/cache', '/var/tmp',
        '/var/lib/worm-sftp/metrics', ROOT]


def root_owned_changes(host, stamp):
    prune = ' -o '.join('-path %s' % shlex.quote(path) for path in BUSY)
    return host.check_output('find / -xdev \\( ' + prune + ' \\) -prune -o -user root -newer %s -print', stamp)


def markers(host):
    return host.check_output(
        "find / /tmp /run /dev/shm -xdev \\( -name '*PWNED*' -o -name marker \\) ! -path '%s/*' -print", ROOT)


def test_names_are_long_and_varied_enough():
    assert len(NAMES) >= 25 and len(set(NAMES)) == len(NAMES)
    assert max(len(name) for name in NAMES) == 255


@pytest.mark.parametrize('client', CLIENTS)
def test_hostile_names_are_sealed_and_run_nothing(host, client):
    stamp = host.check_output('mktemp /var/tmp/names-stamp.XXXXXX')
    directory = '%s/%s' % (ROOT, client)
    present = probe(host, directory)
    with Session(host, client) as sftp:
        for name in NAMES:
            if name not in present:  # a second `molecule verify` finds them sealed already
                with sftp.open(remote(client, name), 'wb') as handle:
                    handle.write(b'hostile ' + name + b'\n')
    assert wait_sealed(host, directory, lambda rel: rel in NAMES, timeout=SWEEP_BOUND) == []
    entries = probe(host, directory)
    assert set(NAMES) <= set(entries)
    for name in NAMES:
        assert entries[name]['kind'] == 'f' and entries[name]['immutable'], name
        assert entries[name]['size'] == len(b'hostile ' + name + b'\n'), name
    # Nothing else appeared in the client's directory, or anywhere else.
    assert sorted(rel for rel in entries if b'PWNED' in rel or rel == b'marker') == sorted(
        rel for rel in NAMES if b'PWNED' in rel)
    assert markers(host) == ''
    assert root_owned_changes(host, stamp) == ''
    host.run('rm -f %s', stamp)
    with Session(host, client) as sftp:
        with pytest.raises(IOError):
            sftp.remove(remote(client, NAMES[0]))
        assert sftp.open(remote(client, NAMES[-1])).read() == b'hostile ' + NAMES[-1] + b'\n'
