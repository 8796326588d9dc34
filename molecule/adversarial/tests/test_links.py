# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link tricks, run as the client's user inside the container (harder than SFTP, which
refuses symlink and hardlink requests): no root-owned decoy ever gets a flag, and the
client's real files end up sealed."""

import json
import time

import pytest

from worm_client import ROOT, as_client, probe, wait_sealed
from scenario import SWEEP_BOUND

DECOY = '/srv/worm-decoy'
ROUNDS = 50

# Between write and close, the sub-directory holding the open file is renamed away and a
# symlink to the decoy directory takes its name; the same for a file and the decoy file.
# Once the sealer has taken a new directory over (root's, sticky) the kernel refuses the
# rename: that round's file simply stays where it was written. Prints the refused rounds.
SWAP = r'''
import json, os, sys, time
decoy, rounds, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
refused = []
for i in range(rounds):
    swap = 'swap-%s-%d' % (tag, i)
    os.mkdir(swap)
    fd = os.open(swap + '/volume', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    os.write(fd, b'real data in a directory')
    try:
        os.rename(swap, 'real-%s-%d' % (tag, i))
        os.symlink(decoy, swap)
    except PermissionError:
        refused.append(i)
    os.close(fd)
    fd = os.open('file', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    os.write(fd, b'real data in a file')
    os.rename('file', 'kept-%s-%d' % (tag, i))
    os.symlink(decoy + '/volume', 'file')
    os.close(fd)
    time.sleep(0.02)  # the sealer walks the tree while the links are there
    if i not in refused:
        os.unlink(swap)
    os.unlink('file')
print(json.dumps(refused))
'''


@pytest.fixture
def decoy(host):
    """A root-owned directory and files outside every client directory."""
    host.run_expect([0], 'mkdir -p %s/sub && echo decoy > %s/volume && echo decoy > %s/sub/volume '
                    '&& echo decoy > %s/hard && chmod -R go-w %s', DECOY, DECOY, DECOY, DECOY, DECOY)
    return DECOY


def no_flags(host, path):
    return [rel for rel, entry in probe(host, path).items() if entry['immutable'] or entry['append']]


def test_directory_and_file_swapped_for_symlinks_seal_only_the_real_files(host, decoy):
    tag = host.check_output('date +%s%N')
    result = as_client(host, 'gen', SWAP, decoy, str(ROUNDS), tag)
    assert result.rc == 0, result.stderr
    refused = set(json.loads(result.stdout))
    print('directory swaps refused by the kernel (taken over first): %d of %d' % (len(refused), ROUNDS))
    real = [(('swap-%s-%d/volume' if i in refused else 'real-%s-%d/volume') % (tag, i)).encode() for i in range(ROUNDS)]
    kept = [('kept-%s-%d' % (tag, i)).encode() for i in range(ROUNDS)]
    assert wait_sealed(host, ROOT + '/gen', lambda rel: rel in real or rel in kept, timeout=SWEEP_BOUND) == []
    entries = probe(host, ROOT + '/gen')
    assert all(entries[rel]['kind'] == 'f' for rel in real + kept)
    assert no_flags(host, decoy) == []
    assert host.check_output('lsattr -d %s', decoy).split()[0].count('i') == 0


def test_client_cannot_hard_link_a_root_file(host, decoy):
    result = as_client(host, 'gen', 'import os, sys; os.link(sys.argv[1], "hard-decoy")', decoy + '/hard')
    assert result.rc != 0 and 'PermissionError' in result.stderr
    assert not host.file(ROOT + '/gen/hard-decoy').exists


def test_hard_link_to_a_root_file_is_never_sealed(host, decoy):
    """Where fs.protected_hardlinks is off (or root made the link), the sealer leaves it."""
    link = ROOT + '/gen/hard-link-by-root'
    # A sweep the timer started before the link exists would be joined, not started anew.
    deadline = time.time() + 120
    while host.run('systemctl is-active --quiet worm-sftp-sweep.service').rc == 0:
        assert time.time() < deadline, 'a sweep ran for two minutes'
        time.sleep(0.5)
    since = host.check_output('date +@%s')
    host.run_expect([0], 'ln -f %s/hard %s', decoy, link)
    try:
        host.run_expect([0], 'systemctl start worm-sftp-sweep.service')
        assert no_flags(host, decoy) == []
        assert 'hard link to a file of uid 0' in host.check_output(
            'journalctl -u worm-sftp-sweep.service --no-pager --since %s', since)
    finally:
        host.run_expect([0], 'rm -f %s', link)


def test_own_hard_link_into_the_tree_is_sealed(host):
    script = ('import os, sys; open("/var/tmp/own-" + sys.argv[1], "w").write("mine");'
              'os.link("/var/tmp/own-" + sys.argv[1], "own-link-" + sys.argv[1])')
    tag = host.check_output('date +%s%N')
    result = as_client(host, 'gen', script, tag)
    assert result.rc == 0, result.stderr
    name = ('own-link-' + tag).encode()
    assert wait_sealed(host, ROOT + '/gen', lambda rel: rel == name, timeout=SWEEP_BOUND) == []
