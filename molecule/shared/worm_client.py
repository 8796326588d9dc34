# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attacker's tools for the adversarial scenario: SFTP sessions as a client from this
machine (127.0.0.1 only), code run as the client's user inside the container, and a probe
that reports every entry of a tree with its immutable flag without following any link."""

import json
import os
import shlex
import time

import paramiko

from worm_testinfra import ssh_port

KEY = os.path.join(os.environ.get('MOLECULE_EPHEMERAL_DIRECTORY', ''), 'client_key')
PROFILES = {'dpc': 'duplicati', 'dup': 'duplicity', 'res': 'restic', 'rcl': 'rclone', 'gen': 'generic'}
# converge.yml sets the sweep's interval to 20 s; the timer may fire 5 s late (AccuracySec)
# and a sweep on a busy machine takes a while: every missed file is sealed within this.
SWEEP_INTERVAL = 20
SWEEP_BOUND = 60
ROOT = '/backups'


def user_of(client):
    return 'backup-' + client


class Session:
    """An SFTP session as a client: `with Session(host, 'gen') as sftp: ...`."""

    def __init__(self, host, client):
        self.transport = paramiko.Transport(('127.0.0.1', ssh_port(host)))
        self.client = client

    def __enter__(self):
        self.transport.start_client(timeout=30)
        self.transport.auth_publickey(user_of(self.client), paramiko.Ed25519Key.from_private_key_file(KEY))
        return paramiko.SFTPClient.from_transport(self.transport)

    def __exit__(self, *exc):
        self.transport.close()


def remote(client, name):
    """The path of a name in the client's directory as the client sees it (bytes)."""
    if isinstance(name, str):
        name = name.encode()
    return b'/' + client.encode() + b'/' + name


# Walks a tree with lstat and O_NOFOLLOW only; prints one JSON object per entry, names as hex
# because they may be anything but '/' and NUL.
PROBE = r'''
import fcntl, json, os, stat, struct, sys
FS_IOC_GETFLAGS = 0x80086601
def flags(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        return struct.unpack('i', fcntl.ioctl(fd, FS_IOC_GETFLAGS, b'\0' * 4))[0]
    finally:
        os.close(fd)
top = os.fsencode(sys.argv[1])
for base, dirs, files in os.walk(top):
    for name in dirs + files:
        path = os.path.join(base, name)
        st = os.lstat(path)
        kind = 'l' if stat.S_ISLNK(st.st_mode) else 'd' if stat.S_ISDIR(st.st_mode) else 'f' if stat.S_ISREG(st.st_mode) else 'o'
        value = flags(path) if kind in 'fd' else 0
        print(json.dumps(dict(path=os.path.relpath(path, top).hex(), kind=kind, immutable=bool(value & 0x10),
                              append=bool(value & 0x20), uid=st.st_uid, nlink=st.st_nlink, size=st.st_size)))
'''


def probe(host, path):
    """{relative path (bytes): entry} of everything below path in the container."""
    out = host.check_output('python3 -c %s %s', PROBE, path)
    entries = (json.loads(line) for line in out.splitlines() if line.strip())
    return {bytes.fromhex(entry.pop('path')): entry for entry in entries}


def unsealed(host, path, select=lambda rel: True):
    """Regular files below path, chosen by select(relpath), that are not immutable."""
    return sorted(rel for rel, entry in probe(host, path).items()
                  if entry['kind'] == 'f' and select(rel) and not entry['immutable'])


def wait_sealed(host, path, select=lambda rel: True, timeout=SWEEP_BOUND):
    """Wait until every selected file below path is sealed; returns what is still unsealed."""
    deadline = time.time() + timeout
    while True:
        left = unsealed(host, path, select)
        if not left or time.time() > deadline:
            return left
        time.sleep(0.5)


def as_client(host, client, script, *args):
    """Run a Python script as the client's user inside the container, in its directory."""
    return host.run('cd %s && runuser -u %s -- python3 -c %s %s' % (
        shlex.quote(ROOT + '/' + client), user_of(client), shlex.quote(script), ' '.join(map(shlex.quote, args))))
