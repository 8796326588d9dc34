# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: worm.sftp.chattr's code against e2fsprogs on identical trees, side by side.

Builds two identical trees of N files on the filesystem of --dir (ext4 here), then,
alternating which goes first, times:
  seal:      the module's walk with '+i' (files only)   vs  chattr -R +i
  no-change: the same walk again, nothing to change     vs  lsattr -Ra
and reports medians and ratios, and the module's peak memory at N/10 and N files.
Run as root (setting 'i' needs CAP_LINUX_IMMUTABLE):
  .venv/bin/python benchmarks/bench_chattr.py [--files 100000] [--rounds 5]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r'''
import sys
sys.path.insert(0, sys.argv[2])
from ansible_collections.worm.sftp.plugins.modules.chattr import ChattrRun
from ansible_collections.worm.sftp.plugins.module_utils.fsflags import FlagSpec
run = ChattrRun(FlagSpec('+i'), ['file'], 100, False)
run.run(sys.argv[1], recurse=True)
assert run.counts['failed'] == 0, run.failures
print(run.counts['changed'])
'''


def build_tree(root, files, per_dir=1000):
    os.makedirs(root)
    for index in range(files):
        sub = os.path.join(root, 'd%04d' % (index // per_dir))
        if index % per_dir == 0:
            os.mkdir(sub)
        with open(os.path.join(sub, 'f%06d' % index), 'wb') as handle:
            handle.write(b'x')


def timed(argv):
    """Wall seconds and peak RSS (KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit('benchmark step failed: %s' % ' '.join(argv))
    return elapsed, usage.ru_maxrss


COLLECTIONS = os.path.expanduser('~/.ansible/collections')


def module_cmd(path):
    return [sys.executable, '-c', CHILD, path, COLLECTIONS]


def unseal(path):
    subprocess.run(['chattr', '-R', '-i', path], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', type=int, default=100000)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--dir', default='/var/tmp', help='where the trees are built (ext4 here)')
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(COLLECTIONS, 'ansible_collections', 'worm', 'sftp')):
        sys.exit('worm.sftp is not linked into %s: run scripts/test (or scripts/provision) once' % COLLECTIONS)

    work = tempfile.mkdtemp(prefix='worm-bench-', dir=args.dir)
    ours, theirs, small = (os.path.join(work, name) for name in ('module', 'e2fsprogs', 'small'))
    try:
        print('building two trees of %d files and one of %d in %s' % (args.files, args.files // 10, work))
        build_tree(ours, args.files)
        build_tree(theirs, args.files)
        build_tree(small, args.files // 10)
        results = {'seal': ([], []), 'no-change': ([], [])}
        peak = {}
        for round_no in range(args.rounds):
            first_ours = round_no % 2 == 0
            steps = [('ours', ours), ('theirs', theirs)]
            if not first_ours:
                steps.reverse()
            for who, path in steps:
                cmd = module_cmd(path) if who == 'ours' else ['chattr', '-R', '+i', path]
                seconds, rss = timed(cmd)
                results['seal'][0 if who == 'ours' else 1].append(seconds)
                if who == 'ours':
                    peak[args.files] = max(peak.get(args.files, 0), rss)
            for who, path in steps:
                cmd = module_cmd(path) if who == 'ours' else ['lsattr', '-Ra', path]
                seconds, _rss = timed(cmd)
                results['no-change'][0 if who == 'ours' else 1].append(seconds)
            unseal(ours)
            unseal(theirs)
            _seconds, rss = timed(module_cmd(small))
            peak[args.files // 10] = max(peak.get(args.files // 10, 0), rss)
            unseal(small)

        print('\n%d files, %d rounds, order alternating; medians:' % (args.files, args.rounds))
        print('%-10s %14s %14s %8s' % ('step', 'module (s)', 'e2fsprogs (s)', 'ratio'))
        for step, against in (('seal', 'chattr -R +i'), ('no-change', 'lsattr -Ra')):
            mine = statistics.median(results[step][0])
            other = statistics.median(results[step][1])
            print('%-10s %14.3f %14.3f %8.2f   (against %s)' % (step, mine, other, mine / other, against))
        print('module peak RSS: %d KiB at %d files, %d KiB at %d files'
              % (peak[args.files // 10], args.files // 10, peak[args.files], args.files))
    finally:
        subprocess.run(['chattr', '-R', '-i', work], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
