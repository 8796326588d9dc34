# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The target restarted (podman restart: systemd shuts down and boots again) while a client
uploads: everything the client had started, the file cut in the middle included, is sealed
after boot, and the event path works again. Runs last (conftest.py)."""

import io
import subprocess
import threading
import time
import uuid

import paramiko

from worm_client import ROOT, Session, remote, wait_sealed
from scenario import SWEEP_BOUND

CHUNK = b'stream ' * 2340  # about 16 KiB
BOOT_SECONDS = 120


def stream(host, tag, started):
    """Upload files in slow chunks until the connection dies; returns the names asked for
    and the names whose open the server confirmed (the last request may have created its
    file on the target with the reply lost to the restart)."""
    requested, begun = [], []
    try:
        with Session(host, 'gen') as sftp:
            for number in range(100000):
                name = 'stream-%s-%05d' % (tag, number)
                requested.append(name)
                with sftp.open(remote('gen', name), 'wb') as handle:
                    begun.append(name)
                    for _chunk in range(20):
                        handle.write(CHUNK)
                        handle.flush()
                        time.sleep(0.01)
                started.set()
    except (IOError, EOFError, paramiko.SSHException):
        pass
    return requested, begun


def wait_for_sftp(host):
    deadline = time.time() + BOOT_SECONDS
    while True:
        try:
            with Session(host, 'gen') as sftp:
                return sftp.listdir('/gen') is not None
        except (OSError, EOFError, paramiko.SSHException):
            if time.time() > deadline:
                raise
            time.sleep(1)


def started_at(host):
    return subprocess.run(['podman', 'inspect', '--format', '{{.State.StartedAt}}', host.backend.get_hostname()],
                          stdout=subprocess.PIPE, check=True).stdout


def test_reboot_mid_stream_seals_everything_after_boot(host):
    tag = uuid.uuid4().hex[:8]
    booted = started_at(host)
    result, started = {}, threading.Event()
    uploader = threading.Thread(target=lambda: result.update(names=stream(host, tag, started)))
    uploader.start()
    assert started.wait(60)
    time.sleep(1)
    subprocess.run(['podman', 'restart', '--time', '30', host.backend.get_hostname()], check=True,
                   stdout=subprocess.DEVNULL, timeout=BOOT_SECONDS)
    uploader.join(60)
    assert not uploader.is_alive()
    assert started_at(host) != booted
    requested, begun = result['names']
    assert len(begun) >= 3
    wait_for_sftp(host)
    left = wait_sealed(host, ROOT + '/gen', lambda rel: rel.startswith(('stream-%s-' % tag).encode()),
                       timeout=SWEEP_BOUND)
    assert left == []
    on_host = set(name for name in host.check_output('ls -1 %s/gen', ROOT).splitlines()
                  if name.startswith('stream-%s-' % tag))
    assert set(begun) <= on_host <= set(requested)
    sizes = host.check_output('cd %s/gen && stat -c %%s -- stream-%s-*', ROOT, tag).split()
    print('reboot: %d files begun, %d cut short' % (len(begun), sum(int(size) < 20 * len(CHUNK) for size in sizes)))
    for service in ('incron', 'worm-sftp-sealer', 'ssh'):
        assert host.service(service).is_running, service
    assert host.run('systemctl is-active worm-sftp-sweep.timer').stdout.strip() == 'active'
    # The event path is back: a new upload is sealed in well under the sweep's interval.
    name = 'after-boot-%s' % tag
    with Session(host, 'gen') as sftp:
        sftp.putfo(io.BytesIO(b'after boot'), remote('gen', name).decode())
    assert wait_sealed(host, ROOT + '/gen', lambda rel: rel == name.encode(), timeout=10) == []
