# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The race window, per profile, over SFTP: an attacker with the same credential (its own
SSH connection, knowing the name) opens the file for writing while the upload is still
open, or right after it is closed re-opens it for writing, removes it or renames it. Counted, not just survived: figures go to
.cache/adversarial-race-<platform>.json in the repository for docs/security.md.
Whatever the attacker won, every file ends sealed with the content it had when sealed."""

import hashlib
import shlex
import time
import uuid

import pytest

from worm_client import PROFILES, ROOT, Session, probe, remote, wait_sealed
from scenario import SWEEP_BOUND
from worm_testinfra import record_figures

ROUNDS = 100
PAYLOAD = b'backup volume ' * 64
ATTEMPTS = ('write during upload', 'write after close', 'remove', 'rename')
ALLOWS_REMOVE_AND_RENAME = {'restic'}
READ_ONLY_UPLOADS = {'duplicati', 'duplicity'}  # vars/main.yml: no open for writing once created


def attack(attacker, attempt, name):
    """One attempt; True when the server let it through."""
    try:
        if attempt.startswith('write'):
            with attacker.open(name, 'r+b') as handle:
                handle.write(b'X')
        elif attempt == 'remove':
            attacker.remove(name)
        else:
            attacker.posix_rename(name, name + b'.renamed')
    except IOError:
        return False
    return True


def file_name(attempt, tag, number):
    return 'race-%s-%s-%03d' % (attempt.replace(' ', '-'), tag, number)


def race(host, client, attempt, tag):
    """ROUNDS uploads, each attacked once; the names the attacker won on."""
    won = []
    with Session(host, client) as uploader, Session(host, client) as attacker:
        for number in range(ROUNDS):
            name = file_name(attempt, tag, number)
            path = remote(client, name)
            with uploader.open(path, 'wb') as upload:
                upload.write(PAYLOAD[:1])
                upload.flush()
                if attempt == 'write during upload' and attack(attacker, attempt, path):
                    won.append(name)
                upload.write(PAYLOAD[1:])
            if attempt != 'write during upload' and attack(attacker, attempt, path):
                won.append(name)
    return won


@pytest.mark.parametrize('client', sorted(PROFILES))
def test_race_window(host, client):
    tag = uuid.uuid4().hex[:8]
    won = {attempt: set(race(host, client, attempt, tag)) for attempt in ATTEMPTS}
    directory = '%s/%s' % (ROOT, client)
    assert wait_sealed(host, directory, lambda rel: rel.startswith(b'race-') and tag.encode() in rel, timeout=SWEEP_BOUND) == []
    listing = set(rel.decode(errors='replace') for rel in probe(host, directory))
    tampered, untouched = (hashlib.sha256(data).hexdigest() for data in (b'X' + PAYLOAD[1:], PAYLOAD))
    for attempt in ATTEMPTS:
        names = [file_name(attempt, tag, number) for number in range(ROUNDS)]
        if attempt.startswith('write'):
            digests = dict(reversed(line.split('  ', 1)) for line in host.check_output(
                'cd %s && sha256sum -- ' + ' '.join(map(shlex.quote, names)), directory).splitlines())
            assert digests == {name: tampered if name in won[attempt] else untouched for name in names}
        else:
            assert [name for name in names if name not in listing] == sorted(won[attempt])
            moved = sorted(name for name in names if name + '.renamed' in listing)
            assert moved == (sorted(won[attempt]) if attempt == 'rename' else [])
    if PROFILES[client] in READ_ONLY_UPLOADS:
        assert won['write during upload'] == set() and won['write after close'] == set()
    if PROFILES[client] not in ALLOWS_REMOVE_AND_RENAME:
        assert won['remove'] == set() and won['rename'] == set()
    record(host, client, {attempt: len(names) for attempt, names in won.items()})


def record(host, client, counts):
    record_figures(host, 'adversarial-race', client, dict(profile=PROFILES[client], rounds=ROUNDS, **counts))


# Directories: the window between a client's mkdir and the sealer taking the directory over
# (root's, sticky: sealing.DIRECTORY_MODE), in which the client can still rename or remove it.
DIRECTORY_ATTEMPTS = ('directory rename', 'directory rmdir')
MAKES_DIRECTORIES = {'restic', 'rclone', 'generic'}


def directory_race(host, client, attempt, tag):
    won = []
    with Session(host, client) as maker, Session(host, client) as attacker:
        for number in range(ROUNDS):
            path = remote(client, file_name(attempt, tag, number))
            maker.mkdir(path)
            try:
                if attempt == 'directory rename':
                    attacker.posix_rename(path, path + b'.renamed')
                else:
                    attacker.rmdir(path)
            except IOError:
                continue
            won.append(file_name(attempt, tag, number))
    return won


@pytest.mark.parametrize('client', sorted(name for name, profile in PROFILES.items() if profile in MAKES_DIRECTORIES))
def test_directory_race_window(host, client):
    tag = uuid.uuid4().hex[:8]
    won = {attempt: set(directory_race(host, client, attempt, tag)) for attempt in DIRECTORY_ATTEMPTS}
    directory = '%s/%s' % (ROOT, client)
    deadline = time.time() + SWEEP_BOUND
    while True:
        owners = dict(line.split(' ', 1)[::-1] for line in host.check_output(
            "find %s -maxdepth 1 -type d -name 'race-directory-*-%s-*' -printf '%%U:%%m %%f\\n'",
            directory, tag).splitlines())
        if set(owners.values()) <= {'0:1770'} or time.time() > deadline:
            break
        time.sleep(0.5)
    for attempt in DIRECTORY_ATTEMPTS:
        names = [file_name(attempt, tag, number) for number in range(ROUNDS)]
        # Whatever the attacker did not win in the window is the sealer's now: root's, 1770.
        assert {name: owners.get(name) for name in names if name not in won[attempt]} == {
            name: '0:1770' for name in names if name not in won[attempt]}
        if attempt == 'directory rename':
            assert sorted(name for name in names if name + '.renamed' in owners) == sorted(won[attempt])
    if PROFILES[client] != 'restic':  # only restic may rename; no profile may rmdir
        assert won['directory rename'] == set()
    assert won['directory rmdir'] == set()
    record(host, client, {attempt: len(names) for attempt, names in won.items()})
