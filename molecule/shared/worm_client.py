# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's side of the molecule tests, shared by every scenario: SFTP sessions as a client
from this machine (127.0.0.1 only), code run as the client's user inside the container, and
the flags of what a client uploaded, read without following any link, waited for until sealed.
"""

import json
import os
import shlex
import time

import paramiko

from worm_testinfra import EPHEMERAL, ssh_port

# The client key the shared prepare generates; every key-based client of the converges has it.
KEY = os.path.join(EPHEMERAL, 'client_key')
# The clients of one profile each that the default and adversarial converges provision.
PROFILES = {'dpc': 'duplicati', 'dup': 'duplicity', 'res': 'restic', 'rcl': 'rclone', 'gen': 'generic'}
ROOT = '/backups'
# The event path seals in milliseconds; this only absorbs a busy machine.
SEAL_WAIT = 20


def user_of(client):
    return 'backup-' + client


def dir_of(client):
    return ROOT + '/' + client


def remote(client, name):
    """The path of a name in the client's directory as the client sees it (bytes)."""
    if isinstance(name, str):
        name = name.encode()
    return b'/' + client.encode() + b'/' + name


def connect(host, client, password=None, in_directory=False):
    """An SFTP session as the client, from this machine, like a real backup program: with the
    client key, or with password; in_directory starts it in the client's directory (as the
    client sees it, /<client>). (transport, sftp): close the transport when done; a login
    that is refused raises paramiko.AuthenticationException."""
    transport = paramiko.Transport(('127.0.0.1', ssh_port(host)))
    try:
        transport.start_client(timeout=30)
        if password is None:
            transport.auth_publickey(user_of(client), paramiko.Ed25519Key.from_private_key_file(KEY))
        else:
            transport.auth_password(user_of(client), password)
        sftp = paramiko.SFTPClient.from_transport(transport)
        if in_directory:
            sftp.chdir('/' + client)
        return transport, sftp
    except Exception:
        transport.close()
        raise


class Session:
    """connect() as a context: `with Session(host, 'gen') as sftp: ...`."""

    def __init__(self, host, client, password=None, in_directory=False):
        self.options = (host, client, password, in_directory)
        self.transport = None

    def __enter__(self):
        self.transport, sftp = connect(*self.options)
        return sftp

    def __exit__(self, *exc):
        self.transport.close()


# Reads a file, or every entry below a directory, with lstat and O_NOFOLLOW only; prints one
# JSON object per entry, names as hex because they may be anything but '/' and NUL. A path
# that is not there is an error (waiting for it to be sealed would pass for nothing).
PROBE = r'''
import fcntl, json, os, stat, struct, sys
FS_IOC_GETFLAGS = 0x80086601
def flags(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        return struct.unpack('i', fcntl.ioctl(fd, FS_IOC_GETFLAGS, b'\0' * 4))[0]
    finally:
        os.close(fd)
def show(path, rel):
    st = os.lstat(path)
    kind = 'l' if stat.S_ISLNK(st.st_mode) else 'd' if stat.S_ISDIR(st.st_mode) else 'f' if stat.S_ISREG(st.st_mode) else 'o'
    value = flags(path) if kind in 'fd' else 0
    print(json.dumps(dict(path=rel.hex(), kind=kind, immutable=bool(value & 0x10), append=bool(value & 0x20),
                          uid=st.st_uid, nlink=st.st_nlink, size=st.st_size)))
top = os.fsencode(sys.argv[1])
if not stat.S_ISDIR(os.lstat(top).st_mode):
    show(top, b'')
for base, dirs, files in os.walk(top):
    for name in dirs + files:
        path = os.path.join(base, name)
        show(path, os.path.relpath(path, top))
'''


def probe(host, path):
    """{path relative to path (bytes; b'' for path itself when it is not a directory): entry}
    of a file or of everything below a directory in the container."""
    out = host.check_output('python3 -c %s %s', PROBE, path)
    entries = (json.loads(line) for line in out.splitlines() if line.strip())
    return {bytes.fromhex(entry.pop('path')): entry for entry in entries}


def unsealed(host, path, select=lambda rel: True):
    """Regular files at or below path, chosen by select(relpath), that are not immutable."""
    return sorted(rel for rel, entry in probe(host, path).items()
                  if entry['kind'] == 'f' and select(rel) and not entry['immutable'])


def wait_sealed(host, path, select=lambda rel: True, timeout=SEAL_WAIT, at_most=0):
    """Wait until at most at_most of the selected files at or below path are unsealed (all
    sealed, by default), or timeout seconds; returns what is still unsealed."""
    deadline = time.time() + timeout
    while True:
        left = unsealed(host, path, select)
        if len(left) <= at_most or time.time() > deadline:
            return left
        time.sleep(0.5)


def file_flags(host, directory, exclude=()):
    """{path: lsattr's flag letters} of every regular file below directory in the container
    (e2fsprogs' reading, independent of ours), but those whose path holds a part in exclude."""
    out = host.check_output('find %s -type f -exec lsattr -d {} +', directory)
    files = dict((line.split(None, 1)[1], line.split(None, 1)[0]) for line in out.splitlines() if line.strip())
    return dict((path, value) for path, value in files.items() if not any(part in path for part in exclude))


def as_client(host, client, script, *args):
    """Run a Python script as the client's user inside the container, in its directory."""
    return host.run('cd %s && runuser -u %s -- python3 -c %s %s' % (
        shlex.quote(dir_of(client)), user_of(client), shlex.quote(script), ' '.join(map(shlex.quote, args))))
