# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark the backup target in a throwaway podman container (Debian 12 test image).

  .venv/bin/python benchmarks/bench_target.py [--rounds 2] [--uploads 200] [--flood 40000] [--burst 10000]

1. provisioning: the role with 1 client and with 20 clients, each on a fresh container,
   alternating, plus an idempotent re-run of each; medians and the 20/1 ratio;
2. close-to-sealed latency: uploads over SFTP (127.0.0.1) at a steady rate; the close
   time is taken on the client, the seal time from the sealer's journal entry; then the
   same for a client provisioned while the sealer runs, each upload into a new
   sub-directory (rclone's dated folders), the first one right after provisioning;
   then that client's latency again while the first client floods the sealer (--flood
   empty directories and a kick every 0.3 s, the attack review's case), with the sealer's
   share of a CPU meanwhile;
3. burst: files uploaded as fast as one SFTP session can, to the target and, in the same
   run, to a directory watched by the forum recipe (incron: chattr +i $@/$#, file names
   here are harmless); time to seal all, files missed, peak concurrent incron children,
   CPU of the sealing path (incrond with its reaped children, plus the sealer).
Needs: root, podman, the image localhost/worm-sftp-test:bookworm and .venv (scripts/test makes both).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import paramiko

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = os.environ.get('WORM_IMAGE_DEBIAN12', 'localhost/worm-sftp-test:bookworm')
NAME = 'worm-bench'
PORT = 2240
PODMAN_RUN = ['podman', 'run', '-d', '--name', NAME, '--hostname', NAME, '--systemd', 'always',
              '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', '-p', '127.0.0.1:%d:22' % PORT]
CAPS = ['LINUX_IMMUTABLE', 'AUDIT_WRITE', 'DAC_READ_SEARCH', 'LEASE', 'SYS_ADMIN']
RECIPE_TABLE = '/backups/recipe IN_CLOSE_WRITE /usr/bin/chattr +i $@/$#\n'


def sh(argv, **kwargs):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs).stdout.decode()


def in_container(command):
    return sh(['podman', 'exec', NAME, 'sh', '-c', command])


def start_container():
    subprocess.run(['podman', 'rm', '-f', NAME], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    argv = list(PODMAN_RUN)
    for cap in CAPS:
        argv += ['--cap-add', cap]
    sh(argv + [IMAGE, '/lib/systemd/systemd'])
    for _attempt in range(50):
        if subprocess.run(['podman', 'exec', NAME, 'systemctl', 'is-system-running', '--wait'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode in (0, 1):
            return
        time.sleep(0.2)


def remove_container():
    # Immutable files would keep podman from deleting the container's storage.
    subprocess.run(['podman', 'exec', NAME, 'sh', '-c', 'chattr -R -i /backups 2>/dev/null'], check=False)
    subprocess.run(['podman', 'rm', '-f', NAME], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def provision(work, clients, pubkey):
    inventory = os.path.join(work, 'inventory.yml')
    with open(inventory, 'w') as handle:
        json.dump({'backup_targets': {'hosts': {NAME: {
            'ansible_connection': 'containers.podman.podman', 'ansible_python_interpreter': '/usr/bin/python3'}}}}, handle)
    playbook = os.path.join(work, 'bench.yml')
    with open(playbook, 'w') as handle:
        json.dump([{'name': 'Bench', 'hosts': 'backup_targets', 'gather_facts': False,
                    'vars': {'backup_target_clients': [
                        {'name': 'bench-%02d' % index, 'profile': 'generic', 'ssh_keys': [pubkey]}
                        for index in range(clients)]},
                    'roles': ['worm.sftp.backup_target']}], handle)
    start = time.perf_counter()
    run_playbook(work, inventory, playbook)
    return time.perf_counter() - start, inventory, playbook


def run_playbook(work, inventory, playbook):
    # From the scratch directory, so that the checkout's ansible.cfg (this machine) is not used.
    subprocess.run([os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'), '-i', inventory, playbook],
                   check=True, stdout=subprocess.DEVNULL, cwd=work)


def session(key, user='backup-bench-00'):
    transport = paramiko.Transport(('127.0.0.1', PORT))
    transport.start_client(timeout=30)
    transport.auth_publickey(user, key)
    return transport, paramiko.SFTPClient.from_transport(transport)


def upload(sftp, path):
    with sftp.open(path, 'wb') as handle:
        handle.write(b'backup data\n')
    return time.time()


def seal_times(since):
    """{path: realtime seconds} of the sealer's 'sealed' journal entries since a time."""
    out = in_container("journalctl -u worm-sftp-sealer -o json --since '@%d' --no-pager" % int(since))
    times = {}
    for line in out.splitlines():
        entry = json.loads(line)
        message = entry.get('MESSAGE', '')
        if isinstance(message, str) and message.startswith('sealed '):
            path = json.loads(message.split(' path=', 1)[1].rsplit(' size=', 1)[0])
            times[path] = int(entry['__REALTIME_TIMESTAMP']) / 1e6
    return times


def latency(key, uploads, rate):
    transport, sftp = session(key)
    closed = {}
    start = time.time()
    try:
        for index in range(uploads):
            name = 'steady-%04d.zip' % index
            closed[name] = upload(sftp, '/bench-00/' + name)
            time.sleep(max(0.0, start + (index + 1) / rate - time.time()))
    finally:
        transport.close()
    time.sleep(2)
    sealed = seal_times(start - 1)
    delays = sorted((sealed[name] - closed[name]) * 1000 for name in closed if name in sealed)
    missing = len(closed) - len(delays)
    return dict(uploads=uploads, rate=rate, missing=missing, p50_ms=percentile(delays, 0.50),
                p99_ms=percentile(delays, 0.99), max_ms=delays[-1])


def new_client_latency(work, inventory, pubkey, key, uploads, rate):
    """A client provisioned while the sealer runs, every upload into a new sub-directory
    (what rclone does with dated folders), the first one right after provisioning ends."""
    playbook = os.path.join(work, 'bench-new.yml')
    with open(playbook, 'w') as handle:
        json.dump([{'name': 'Add a client', 'hosts': 'backup_targets', 'gather_facts': False,
                    'vars': {'backup_target_clients': [{'name': 'bench-new', 'profile': 'generic', 'ssh_keys': [pubkey]}]},
                    'roles': ['worm.sftp.backup_target']}], handle)
    run_playbook(work, inventory, playbook)
    start, closed = dated_uploads(key, 'dated', uploads, rate)
    time.sleep(2)
    sealed = seal_times(start - 1)
    delays = [(sealed[name] - closed[name]) * 1000 for name in sorted(closed) if name in sealed]
    first = delays[0] if delays and 'dated-0000/volume.zip' in sealed else None
    delays.sort()
    return dict(uploads=uploads, rate=rate, missing=len(closed) - len(delays), first_ms=first,
                p50_ms=percentile(delays, 0.50), p99_ms=percentile(delays, 0.99), max_ms=delays[-1])


def dated_uploads(key, prefix, uploads, rate):
    """As bench-new, at a steady rate: each upload into a new sub-directory <prefix>-NNNN;
    returns (start time, {path: close time})."""
    transport, sftp = session(key, 'backup-bench-new')
    closed = {}
    start = time.time()
    try:
        for index in range(uploads):
            directory = '%s-%04d' % (prefix, index)
            sftp.mkdir('/bench-new/' + directory)
            closed[directory + '/volume.zip'] = upload(sftp, '/bench-new/%s/volume.zip' % directory)
            time.sleep(max(0.0, start + (index + 1) / rate - time.time()))
    finally:
        transport.close()
    return start, closed


# Runs inside the container as the flooding client, in its directory: the directories, then
# a closed file at the top (which incron reports) every 0.3 s until /tmp/flood-stop exists.
FLOODER = r"""
import os, sys, time
os.mkdir('flood')
for number in range(int(sys.argv[1])):
    os.mkdir('flood/d%06d' % number)
open('/tmp/flood-made', 'w').close()
number = 0
while not os.path.exists('/tmp/flood-stop'):
    with open('kick-%06d' % number, 'w') as handle:
        handle.write('kick')
    number += 1
    time.sleep(0.3)
"""


def flood_latency(key, directories, uploads, rate):
    """bench-new's uploads, each into a new sub-directory, while bench-00 floods the sealer."""
    sh(['podman', 'exec', '-d', '--user', 'backup-bench-00', '-w', '/backups/bench-00', NAME,
        'python3', '-c', FLOODER, str(directories)])
    deadline = time.time() + 600
    last = '/backups/bench-00/flood/d%06d' % (directories - 1)
    # Measured once the flood's first scan has taken every directory over.
    while in_container('test -e /tmp/flood-made && stat -c %%u %s || echo none' % last).strip() != '0':
        if time.time() > deadline:
            raise RuntimeError('the flood was not taken over within 10 minutes')
        time.sleep(1)
    sealer = int(in_container('systemctl show -p MainPID --value worm-sftp-sealer').strip())
    cpu_before = proc_cpu(sealer)
    start, closed = dated_uploads(key, 'flooded', uploads, rate)
    time.sleep(2)
    cpu_share = (proc_cpu(sealer) - cpu_before) / (time.time() - start)
    in_container('touch /tmp/flood-stop; sleep 1; rm -rf /backups/bench-00/flood')  # the burst measures without it
    sealed = seal_times(start - 1)
    delays = sorted((sealed[name] - closed[name]) * 1000 for name in closed if name in sealed)
    return dict(directories=directories, uploads=uploads, rate=rate, missing=len(closed) - len(delays),
                p50_ms=percentile(delays, 0.50), p99_ms=percentile(delays, 0.99), max_ms=delays[-1],
                sealer_cpu_share=round(cpu_share, 2))


def percentile(ordered, fraction):
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def proc_cpu(pid, children=False):
    fields = in_container('cat /proc/%d/stat' % pid).rsplit(')', 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / os.sysconf('SC_CLK_TCK')


# Runs inside the container: peak number of running processes whose parent is incrond
# (the root shells it forks per event), sampled every 2 ms until /tmp/bench-stop exists.
# It reads incrond's own list of children rather than scanning all of /proc, so that
# the observer takes little of the CPU the forked shells compete for.
PEAK_SAMPLER = r"""
import os, sys, time
children, peak, samples = '/proc/%s/task/%s/children' % (sys.argv[1], sys.argv[1]), 0, []
while not os.path.exists('/tmp/bench-stop'):
    count = 0
    with open(children) as handle:
        pids = handle.read().split()
    for pid in pids:
        try:
            with open('/proc/%s/stat' % pid) as handle:
                # Running children only: a zombie waiting to be reaped costs nothing.
                count += handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
        except OSError:
            pass
    peak = max(peak, count)
    samples.append(count)
    time.sleep(0.002)
print(peak, sorted(samples)[len(samples) // 2], sum(samples) / len(samples))
"""


def burst(key, directory, files, sealed_count, seal_timeout):
    incrond = int(in_container('pidof incrond').split()[0])
    sealer = int(in_container('systemctl show -p MainPID --value worm-sftp-sealer').strip())
    cpu_before = proc_cpu(incrond, children=True), proc_cpu(sealer)
    in_container('rm -f /tmp/bench-stop')
    sampler = subprocess.Popen(['podman', 'exec', NAME, 'python3', '-c', PEAK_SAMPLER, str(incrond)],
                               stdout=subprocess.PIPE)
    transport, sftp = session(key)
    start = time.time()
    try:
        for index in range(files):
            upload(sftp, '%s/burst-%05d' % (directory, index))
    finally:
        transport.close()
    burst_end = time.time()
    deadline = burst_end + seal_timeout
    done = sealed_count()
    while done < files and time.time() < deadline:
        time.sleep(0.5)
        done = sealed_count()
    all_sealed_after = time.time() - burst_end if done >= files else None
    time.sleep(1)
    in_container('touch /tmp/bench-stop')
    peak, median_children, mean_children = sampler.communicate()[0].decode().split()
    cpu_after = proc_cpu(incrond, children=True), proc_cpu(sealer)
    return dict(files=files, upload_seconds=round(burst_end - start, 1), sealed=done, missed=files - done,
                all_sealed_within_s=None if all_sealed_after is None else round(all_sealed_after, 1),
                peak_incron_children=int(peak), median_incron_children=int(median_children),
                mean_incron_children=round(float(mean_children), 2),
                cpu_incron_s=round(cpu_after[0] - cpu_before[0], 2), cpu_sealer_s=round(cpu_after[1] - cpu_before[1], 2))


def count_sealed(path):
    """A function counting the sealed burst-* files in path."""
    return lambda: int(in_container("lsattr -a %s 2>/dev/null | grep '^....i' | grep -c '/burst-' || true"
                                    % path).strip() or 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=2,
                        help='provisioning rounds; 0 provisions one client untimed and only measures sealing')
    parser.add_argument('--uploads', type=int, default=200)
    parser.add_argument('--rate', type=float, default=20.0, help='uploads per second in the latency test')
    parser.add_argument('--flood', type=int, default=40000,
                        help='directories of the flooding client; 0 skips the flood measurement')
    parser.add_argument('--burst', type=int, default=10000, help='0 skips the burst measurements')
    args = parser.parse_args()
    os.environ.setdefault('CONTAINERS_CONF', os.path.join(REPO, '.cache', 'containers.conf'))
    work = tempfile.mkdtemp(prefix='worm-bench-target-')
    sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', os.path.join(work, 'key')])
    with open(os.path.join(work, 'key.pub')) as handle:
        pubkey = handle.read().strip()
    key = paramiko.Ed25519Key.from_private_key_file(os.path.join(work, 'key'))
    times = {1: [], 20: []}
    rerun = {1: [], 20: []}
    try:
        for round_no in range(args.rounds):
            for clients in ((1, 20) if round_no % 2 == 0 else (20, 1)):
                start_container()
                seconds, inventory, playbook = provision(work, clients, pubkey)
                times[clients].append(seconds)
                start = time.perf_counter()
                run_playbook(work, inventory, playbook)
                rerun[clients].append(time.perf_counter() - start)
                if round_no < args.rounds - 1 or clients != 1:
                    remove_container()
        if args.rounds == 0:
            start_container()
            _seconds, inventory, _playbook = provision(work, 1, pubkey)
        else:
            report_provisioning(args.rounds, times, rerun)
        # The last container has 1 client and stays for the sealing measurements; the sweep is
        # stopped so that only the event path (incrond and the sealer service) seals.
        in_container('systemctl stop worm-sftp-sweep.timer')
        print('latency:', json.dumps(latency(key, args.uploads, args.rate)), flush=True)
        print('latency, new client, each upload in a new sub-directory:', json.dumps(
            new_client_latency(work, inventory, pubkey, key, args.uploads, args.rate)), flush=True)
        if args.flood:
            print('latency, that client while another floods the sealer:', json.dumps(
                flood_latency(key, args.flood, args.uploads, args.rate)), flush=True)
        if args.burst == 0:
            return 0
        print('burst (worm.sftp):', json.dumps(burst(key, '/bench-00', args.burst, count_sealed('/backups/bench-00/'),
                                                     seal_timeout=120)), flush=True)
        in_container('install -d -o root -g backup-bench-00 -m 0770 /backups/recipe')
        sh(['podman', 'exec', '-i', NAME, 'sh', '-c', 'cat > /etc/incron.d/recipe-bench'], input=RECIPE_TABLE.encode())
        time.sleep(1)
        print('burst (forum recipe):', json.dumps(burst(key, '/recipe', args.burst, count_sealed('/backups/recipe/'),
                                                        seal_timeout=120)), flush=True)
    finally:
        remove_container()


def report_provisioning(rounds, times, rerun):
    print('provisioning, %d rounds (fresh container each): medians' % rounds)
    for clients in (1, 20):
        print('  %2d client(s): first run %.1f s, re-run %.1f s'
              % (clients, statistics.median(times[clients]), statistics.median(rerun[clients])))
    print('  ratio 20/1: first run %.2f, re-run %.2f' % (
        statistics.median(times[20]) / statistics.median(times[1]),
        statistics.median(rerun[20]) / statistics.median(rerun[1])), flush=True)


if __name__ == '__main__':
    sys.exit(main())
