# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client provisioned while the sealer runs is on the event path from its first upload,
even when that upload goes into a new sub-directory (rclone's dated folder), which incron
does not report: the sealer learns of the client from its new settings file.

Sealer logic, the same on Debian 12 and 13: run on one platform. The sweep timer is stopped
throughout, so only the event path can seal.
"""

import worm_testinfra
from test_clients import make_data
from worm_client import KEY, file_flags, wait_sealed
from worm_testinfra import known_hosts, run, ssh_port

CLIENT = 'rcn'
EVENT_PATH_WAIT = 5  # seconds: the event path seals in milliseconds; the sweep would take minutes


def test_new_client_is_sealed_by_the_event_path_from_its_first_upload(one_platform_host):
    host = one_platform_host
    host.check_output('systemctl stop worm-sftp-sweep.timer')
    try:
        rc, output = worm_testinfra.playbook(host, 'provision', client=CLIENT, profile='rclone', ssh_key=KEY + '.pub')
        assert rc == 0, output[-3000:]
        data = make_data(host, 'rclone-new', 1)
        run(['rclone', '--config', '/dev/null', '--sftp-host', '127.0.0.1', '--sftp-port', str(ssh_port(host)),
             '--sftp-user', 'backup-' + CLIENT, '--sftp-key-file', KEY, '--sftp-known-hosts-file', known_hosts(host),
             '--sftp-set-modtime=false', 'copy', data, ':sftp:/%s/2026-12-02' % CLIENT])
        unsealed = wait_sealed(host, '/backups/' + CLIENT, timeout=EVENT_PATH_WAIT)
        files = file_flags(host, '/backups/' + CLIENT)
    finally:
        host.check_output('systemctl start worm-sftp-sweep.timer')
    assert len(files) >= 3 and all('/2026-12-02/' in path for path in files), files
    assert unsealed == [], 'not sealed %d s after the upload: %s' % (EVENT_PATH_WAIT, unsealed)
