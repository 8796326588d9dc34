# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""After converge: the tree's files are immutable, its directories and the decoy are not."""

import hashlib

import pytest

FILES = ['/srv/tree/volume-1.zip', '/srv/tree/.dotfile', '/srv/tree/sub/volume-2.zip',
         '/srv/tree/sub/.hidden-dir/volume-3.zip']
DIRS = ['/srv/tree', '/srv/tree/sub', '/srv/tree/sub/.hidden-dir']
CONTENT_SHA256 = hashlib.sha256(b'backup data\n').hexdigest()


def flags(host, *paths):
    """{path: lsattr letters} in one round trip."""
    out = host.check_output('lsattr -d ' + ' '.join(paths))
    return dict((line.split()[1], line.split()[0]) for line in out.splitlines())


def test_every_file_is_immutable_dot_files_included(host):
    letters = flags(host, *FILES)
    assert [path for path in FILES if 'i' not in letters[path]] == []


@pytest.mark.parametrize('attempt', [
    'sh -c "echo more >> {path}"',
    'truncate -s 0 {path}',
    'rm -f {path}',
    'mv {path} {path}.moved',
    'chmod 777 {path}',
])
def test_root_cannot_change_a_sealed_file(host, attempt):
    for path in FILES:
        assert host.run(attempt.format(path=path)).rc != 0, attempt.format(path=path)
        assert host.file(path).sha256sum == CONTENT_SHA256


def test_directories_stay_writable(host):
    letters = flags(host, *DIRS)
    assert [path for path in DIRS if 'i' in letters[path]] == []
    probes = ' '.join(path + '/new-upload' for path in DIRS)
    assert host.run('touch %s && rm %s' % (probes, probes)).rc == 0


def test_link_target_untouched(host):
    letters = flags(host, '/srv/decoy/decoy-file', '/srv/decoy')
    assert 'i' not in letters['/srv/decoy/decoy-file']
    assert 'i' not in letters['/srv/decoy']
    assert host.file('/srv/tree/sub/to-decoy').is_symlink
