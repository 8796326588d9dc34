# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults of the event path: incrond down, an event flood, a 10,000-file burst."""

import io
import threading
import time
import uuid

from worm_client import ROOT, Session, as_client, remote, wait_sealed
from scenario import SWEEP_BOUND


def test_files_that_arrive_while_incrond_is_stopped_are_sealed_by_the_sweep(host):
    tag = uuid.uuid4().hex[:8]
    since = host.check_output('date +@%s')
    host.run_expect([0], 'systemctl stop incron.service')
    try:
        with Session(host, 'dup') as sftp:
            for number in range(50):
                sftp.putfo(io.BytesIO(b'while incrond was down'), remote('dup', 'down-%s-%02d' % (tag, number)).decode())
    finally:
        host.run_expect([0], 'systemctl start incron.service')
    wanted = [('down-%s-%02d' % (tag, number)).encode() for number in range(50)]
    assert wait_sealed(host, ROOT + '/dup', lambda rel: rel in wanted, timeout=SWEEP_BOUND) == []
    # Nothing but the sweep can have sealed them: incron is the only event source for
    # files at the top of a client directory.
    journal = host.check_output('journalctl -u worm-sftp-sweep.service --since %s --no-pager -o cat', since)
    assert sum(('down-%s-' % tag) in line for line in journal.splitlines() if 'sealed client=dup' in line) == 50


# Opens and closes FIFOs for writing as fast as one process can: every close is an
# IN_CLOSE_WRITE for incron, and a FIFO is never sealed, so the storm goes on.
FLOOD = r'''
import os, sys, time
tag, seconds = sys.argv[1], float(sys.argv[2])
fifos = ['fifo-%s-%d' % (tag, n) for n in range(4)]
for fifo in fifos:
    os.mkfifo(fifo, 0o640)
events, end = 0, time.time() + seconds
while time.time() < end:
    for fifo in fifos:
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
    events += len(fifos)
print(events)
'''


def test_real_uploads_during_an_event_flood_are_all_sealed(host):
    tag = uuid.uuid4().hex[:8]
    flood = {}
    storm = threading.Thread(target=lambda: flood.update(result=as_client(host, 'gen', FLOOD, tag, '15')))
    storm.start()
    names = []
    try:
        time.sleep(1)
        with Session(host, 'gen') as sftp:
            for number in range(100):
                name = 'during-flood-%s-%03d' % (tag, number)
                sftp.putfo(io.BytesIO(b'real upload %d' % number), remote('gen', name).decode())
                names.append(name.encode())
                time.sleep(0.1)
    finally:
        storm.join()
    assert flood['result'].rc == 0, flood['result'].stderr
    events = int(flood['result'].stdout)
    print('flood: %d FIFO close events in 15 s' % events)
    assert events > 10000
    assert wait_sealed(host, ROOT + '/gen', lambda rel: rel in names, timeout=SWEEP_BOUND) == []
    assert host.service('incron').is_running and host.service('worm-sftp-sealer').is_running


BURST = r'''
import os, sys
tag, count = sys.argv[1], int(sys.argv[2])
for number in range(count):
    with open('burst-%s-%05d' % (tag, number), 'wb') as handle:
        handle.write(b'burst file %d' % number)
'''


def test_a_burst_of_10000_files_is_sealed_to_the_last_file(host):
    tag = uuid.uuid4().hex[:8]
    result = as_client(host, 'blk', BURST, tag, '10000')
    assert result.rc == 0, result.stderr
    ended = time.time()
    left = wait_sealed(host, ROOT + '/blk', lambda rel: rel.startswith(('burst-%s-' % tag).encode()), timeout=SWEEP_BOUND)
    print('burst: 10000 files, all sealed %.1f s after the burst ended' % (time.time() - ended))
    assert left == []
    assert len([name for name in host.check_output('ls -1 %s/blk', ROOT).splitlines()
                if name.startswith('burst-%s-' % tag)]) == 10000
