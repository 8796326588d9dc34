# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.worm.sftp.plugins.module_utils import fsflags

I, A, E, D = (fsflags.LETTER_BITS[x] for x in 'iaed')


@pytest.mark.parametrize('spec, current, expected', [
    ('+i', 0, I),
    ('+i', I | E, I | E),
    ('+ia', E, I | A | E),
    ('-i', I | E, E),
    ('-a', I | E, I | E),
    ('=i', A | D | E, I | E),
    ('=', I | A | E, E),
    ('+i-a', A, I),
    ('+i -a', A | E, I | E),
    ('=i', I | E | 0x4000000, I | E | 0x4000000),
])
def test_apply_compares_bits_and_keeps_kernel_flags(spec, current, expected):
    assert fsflags.FlagSpec(spec).apply(current) == expected


@pytest.mark.parametrize('spec, message', [
    ('i', "not in chattr syntax"),
    ('', "not in chattr syntax"),
    ('+i=a', "mixes '='"),
    ('+i-i', "both adds and removes i"),
    ('+q', "unknown attribute letter(s) 'q'"),
    ('+iZ', "unknown attribute letter(s) 'Z'"),
    ('+e', "'e' are managed by the kernel"),
    ('=V', "'V' are managed by the kernel"),
    ('+i;id', "not in chattr syntax"),
])
def test_bad_specs_name_the_problem(spec, message):
    with pytest.raises(fsflags.FlagError) as err:
        fsflags.FlagSpec(spec)
    assert message in str(err.value)


@pytest.mark.parametrize('bits, letters', [
    (0, ''),
    (E, 'e'),
    (I | E, 'ie'),
    (I | A | D | E, 'iade'),
])
def test_letters_in_lsattr_order(bits, letters):
    assert fsflags.bits_to_letters(bits) == letters


def test_flag_table_has_one_bit_per_letter():
    bits = [bit for _letter, bit, _settable in fsflags.FLAG_TABLE]
    assert len(bits) == len(set(bits))
    assert all(bit & (bit - 1) == 0 for bit in bits)


def test_known_letters_accepts_read_only_ones_for_filters():
    assert fsflags.known_letters_to_bits('ie') == I | E
    with pytest.raises(fsflags.FlagError):
        fsflags.known_letters_to_bits('iq')


def _lease_held_while_a_writer_opens(path, ignore):
    """Exit status of a process that holds a read lease on path while another process opens it
    for writing (which breaks the lease: the kernel sends the holder SIGIO)."""
    pid = os.fork()
    if pid == 0:  # the holder
        status = 1
        try:
            if ignore:
                fsflags.ignore_lease_breaks()
            fd = os.open(path, os.O_RDONLY)
            with fsflags.no_writers(fd) as finished:
                writer = subprocess.Popen([sys.executable, '-c', 'import os, sys; os.close(os.open(sys.argv[1], os.O_WRONLY))',
                                           path])
                time.sleep(0.5)
            writer.wait(timeout=30)
            status = 0 if finished else 2
        finally:
            os._exit(status)
    _pid, status = os.waitpid(pid, 0)
    return status


def test_a_writer_breaking_the_lease_does_not_end_a_process_that_ignores_lease_breaks(tmp_path):
    path = tmp_path / 'upload.bin'
    path.write_bytes(b'data')
    status = _lease_held_while_a_writer_opens(str(path), ignore=False)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGIO  # what the audit risked
    status = _lease_held_while_a_writer_opens(str(path), ignore=True)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
