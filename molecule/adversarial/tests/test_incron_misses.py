# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What incron's table alone never reports (it watches the client directory only, for
IN_CLOSE_WRITE and IN_MOVED_TO): sealed anyway, within the sweep's bound."""

import io
import uuid

import pytest

from worm_client import PROFILES, ROOT, Session, as_client, remote, wait_sealed
from scenario import SWEEP_BOUND


def test_new_hidden_and_nested_sub_directories_over_sftp(host):
    tag = uuid.uuid4().hex[:8]
    paths = ['new-%s/a' % tag, '.hidden-%s/b' % tag, '.hidden-%s/.deeper/c' % tag, 'x-%s/y/z/w/d' % tag]
    with Session(host, 'gen') as sftp:
        for path in paths:
            parts = path.split('/')
            for depth in range(1, len(parts)):
                directory = remote('gen', '/'.join(parts[:depth]))
                try:
                    sftp.mkdir(directory)
                except IOError:
                    pass  # made for an earlier path
            sftp.putfo(io.BytesIO(b'nested'), remote('gen', path).decode())
    wanted = [path.encode() for path in paths]
    assert wait_sealed(host, ROOT + '/gen', lambda rel: rel in wanted, timeout=SWEEP_BOUND) == []


# As the client's user inside the container: every way to make a file appear without the
# two events incron waits for, or before the sealer can watch the directory it is in.
APPEAR = r'''
import os, sys
tag = sys.argv[1]
outside = '/var/tmp/outside-' + tag
os.makedirs(outside)
for name in ('moved', 'linked'):
    with open(os.path.join(outside, name), 'w') as handle:
        handle.write(name)
os.rename(os.path.join(outside, 'moved'), 'moved-' + tag)              # IN_MOVED_TO
os.link(os.path.join(outside, 'linked'), 'linked-' + tag)              # IN_CREATE only
os.close(os.open('touched-' + tag, os.O_WRONLY | os.O_CREAT, 0o640))    # created, never written
fd = os.open('truncated-' + tag, os.O_WRONLY | os.O_CREAT, 0o640)
os.ftruncate(fd, 4096)                                                  # a size, no write
os.close(fd)
os.makedirs('deep-%s/a/b/c' % tag)                                      # faster than any watch
with open('deep-%s/a/b/c/file' % tag, 'w') as handle:
    handle.write('deep')
os.makedirs(os.path.join(outside, 'tree/sub'))
with open(os.path.join(outside, 'tree/sub/file'), 'w') as handle:
    handle.write('tree')
os.rename(os.path.join(outside, 'tree'), 'tree-' + tag)                 # a whole tree moved in
'''
APPEARED = ['moved-%s', 'linked-%s', 'touched-%s', 'truncated-%s', 'deep-%s/a/b/c/file', 'tree-%s/sub/file']


def test_files_that_appear_without_the_events_incron_waits_for(host):
    tag = uuid.uuid4().hex[:8]
    result = as_client(host, 'gen', APPEAR, tag)
    assert result.rc == 0, result.stderr
    wanted = [(path % tag).encode() for path in APPEARED]
    assert wait_sealed(host, ROOT + '/gen', lambda rel: rel in wanted, timeout=SWEEP_BOUND) == []


def test_restic_temp_then_rename_is_sealed_under_its_final_name(host):
    # The names restic's sftp backend writes (a pack under data/<2 hex>/, its temp file beside
    # it): only this exact form is exempt until renamed; any other name is sealed at its close.
    repo = 'repo-%s' % uuid.uuid4().hex[:8]
    with Session(host, 'res') as sftp:
        for directory in (repo, repo + '/data', repo + '/data/ab'):
            sftp.mkdir(remote('res', directory))
        for number in range(20):
            final = '%s/data/ab/%s' % (repo, ('ab%062x' % number))
            temp = '%s-restic-temp-%032x' % (final, number)
            sftp.putfo(io.BytesIO(b'pack %d' % number), remote('res', temp).decode())
            sftp.posix_rename(remote('res', temp).decode(), remote('res', final).decode())
    wanted = [('%s/data/ab/ab%062x' % (repo, number)).encode() for number in range(20)]
    assert wait_sealed(host, ROOT + '/res', lambda rel: rel in wanted, timeout=SWEEP_BOUND) == []
    left = wait_sealed(host, ROOT + '/res', lambda rel: rel.startswith(repo.encode()), timeout=0)
    assert left == []  # no temp file left behind


@pytest.mark.parametrize('client', sorted(name for name, profile in PROFILES.items() if profile != 'restic'))
def test_profiles_without_rename_refuse_it_and_seal_the_temp(host, client):
    name = 'upload-%s.tmp' % uuid.uuid4().hex[:8]
    with Session(host, client) as sftp:
        sftp.putfo(io.BytesIO(b'temp'), remote(client, name).decode())
        with pytest.raises(IOError):
            sftp.posix_rename(remote(client, name).decode(), remote(client, name[:-4]).decode())
        with pytest.raises(IOError):
            sftp.rename(remote(client, name).decode(), remote(client, name[:-4]).decode())
    assert wait_sealed(host, '%s/%s' % (ROOT, client), lambda rel: rel == name.encode(), SWEEP_BOUND) == []
    assert not host.file('%s/%s/%s' % (ROOT, client, name[:-4])).exists
