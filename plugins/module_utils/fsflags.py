# -*- coding: utf-8 -*-
# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Inode flags (what chattr sets and lsattr shows), as bit sets.

Pure logic plus the two ioctls; no AnsibleModule here, so the sealer that the
role installs on hosts imports this same file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import os
import platform
import re
import signal
import struct
import subprocess

# (letter, bit, settable by chattr) in the order lsattr prints them.
# Read-only letters (E, I, e, N, V) are kernel-managed: shown, never changed.
FLAG_TABLE = (
    ('s', 0x00000001, True),
    ('u', 0x00000002, True),
    ('S', 0x00000008, True),
    ('D', 0x00010000, True),
    ('i', 0x00000010, True),
    ('a', 0x00000020, True),
    ('d', 0x00000040, True),
    ('A', 0x00000080, True),
    ('c', 0x00000004, True),
    ('E', 0x00000800, False),
    ('j', 0x00004000, True),
    ('I', 0x00001000, False),
    ('t', 0x00008000, True),
    ('T', 0x00020000, True),
    ('e', 0x00080000, False),
    ('C', 0x00800000, True),
    ('x', 0x02000000, True),
    ('F', 0x40000000, True),
    ('N', 0x10000000, False),
    ('P', 0x20000000, True),
    ('V', 0x00100000, False),
    ('m', 0x00000400, True),
)
LETTER_BITS = dict((letter, bit) for letter, bit, _settable in FLAG_TABLE)
SETTABLE_MASK = sum(bit for _letter, bit, settable in FLAG_TABLE if settable)
IMMUTABLE = LETTER_BITS['i']
APPEND = LETTER_BITS['a']
# Changing either needs CAP_LINUX_IMMUTABLE.
PROTECTED_MASK = IMMUTABLE | APPEND

_SPEC_RE = re.compile(r'^(?:[+=-][A-Za-z]*)+$')

# FS_IOC_GETFLAGS/SETFLAGS are _IOR/_IOW('f', 1/2, long) in the generic ioctl
# encoding; other encodings (powerpc, mips, sparc) fall back to the programs.
_GENERIC_IOCTL_64 = ('x86_64', 'aarch64', 'arm64', 'riscv64', 's390x', 'loongarch64')
_GENERIC_IOCTL_32 = ('i386', 'i486', 'i586', 'i686', 'armv6l', 'armv7l', 'armv8l')


class FlagError(Exception):
    """A flag operation failed; the message says what to change."""


class FlagSpec:
    """A parsed chattr operand such as '+i', '-a', '=i' or '+ia'."""

    def __init__(self, text):
        spec = text.replace(' ', '') if isinstance(text, str) else ''
        if not _SPEC_RE.match(spec):
            raise FlagError(
                "attributes %r is not in chattr syntax: start with '+', '-' or '=', "
                "then flag letters, for example '+i', '-a', '=i' or '+ia'" % (text,))
        self.add = 0
        self.remove = 0
        self.exact = None
        groups = re.findall(r'([+=-])([A-Za-z]*)', spec)
        operators = set(op for op, _letters in groups)
        if '=' in operators and len(operators) > 1:
            raise FlagError("attributes %r mixes '=' with '+' or '-'; chattr does not allow that" % (text,))
        for operator, letters in groups:
            bits = letters_to_bits(letters)
            if operator == '+':
                self.add |= bits
            elif operator == '-':
                self.remove |= bits
            else:
                self.exact = (self.exact or 0) | bits
        both = self.add & self.remove
        if both:
            raise FlagError("attributes %r both adds and removes %s" % (text, bits_to_letters(both)))

    @property
    def touched(self):
        """Bits this spec may change."""
        if self.exact is not None:
            return SETTABLE_MASK
        return self.add | self.remove

    def apply(self, current):
        """The flags after applying this spec to current (bits it does not own are kept)."""
        if self.exact is not None:
            return (current & ~SETTABLE_MASK) | self.exact
        return (current | self.add) & ~self.remove


def letters_to_bits(letters):
    """Bits for flag letters; unknown or read-only letters raise FlagError naming them."""
    bits = 0
    unknown = []
    readonly = []
    settable = dict((letter, ok) for letter, _bit, ok in FLAG_TABLE)
    for letter in letters:
        if letter not in LETTER_BITS:
            unknown.append(letter)
        elif not settable[letter]:
            readonly.append(letter)
        else:
            bits |= LETTER_BITS[letter]
    if unknown:
        raise FlagError("unknown attribute letter(s) %s; known letters are %s"
                        % (', '.join(repr(x) for x in unknown), ''.join(x for x, _b, ok in FLAG_TABLE if ok)))
    if readonly:
        raise FlagError("attribute letter(s) %s are managed by the kernel and cannot be set or cleared"
                        % ', '.join(repr(x) for x in readonly))
    return bits


def bits_to_letters(bits):
    """Flag letters in lsattr's order; bits without a letter are left out."""
    return ''.join(letter for letter, bit, _settable in FLAG_TABLE if bits & bit)


def _ioctl_numbers():
    machine = platform.machine()
    if machine in _GENERIC_IOCTL_64:
        return 0x80086601, 0x40086602
    if machine in _GENERIC_IOCTL_32:
        return 0x80046601, 0x40046602
    return None


class FlagIO:
    """Reads and writes flags on an open fd (ioctl), or through chattr/lsattr where
    this architecture's ioctl numbers are unknown (then by path, which is weaker)."""

    def __init__(self, force_programs=False):
        numbers = None if force_programs else _ioctl_numbers()
        self.uses_ioctl = numbers is not None
        if numbers:
            self._get_nr, self._set_nr = numbers

    def get(self, fd, path):
        if self.uses_ioctl:
            try:
                buf = fcntl.ioctl(fd, self._get_nr, b'\0\0\0\0')
            except OSError as exc:
                if exc.errno in (errno.ENOTTY, errno.EOPNOTSUPP):
                    raise FlagError("the %s filesystem does not support inode flags (%s); use a filesystem that "
                                    "does, such as ext4, xfs or btrfs" % (filesystem_type(fd), os.strerror(exc.errno)))
                raise
            return struct.unpack('I', buf)[0]
        return _lsattr_program(path)

    def set(self, fd, path, flags):
        if self.uses_ioctl:
            fcntl.ioctl(fd, self._set_nr, struct.pack('I', flags))
        else:
            _chattr_program(path, flags, _lsattr_program(path))


def _run(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise OSError(errno.EIO, '%s failed (exit %d): %s' % (
            argv[0], proc.returncode, proc.stderr.decode('utf-8', 'replace').strip()))
    return proc.stdout


def _lsattr_program(path):
    out = _run(['lsattr', '-d', '--', path]).split(None, 1)[0].decode('ascii')
    return sum(LETTER_BITS[c] for c in out if c in LETTER_BITS)


def _chattr_program(path, flags, current):
    add = bits_to_letters(flags & ~current & SETTABLE_MASK)
    remove = bits_to_letters(current & ~flags & SETTABLE_MASK)
    ops = (['+' + add] if add else []) + (['-' + remove] if remove else [])
    if ops:
        _run(['chattr'] + ops + ['--', path])


def has_linux_immutable_capability():
    """True when this process may change the i and a flags (CAP_LINUX_IMMUTABLE, bit 9)."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('CapEff:'):
                return bool(int(line.split()[1], 16) & (1 << 9))
    return False


def filesystem_type(fd):
    """The type of the filesystem holding fd (for error messages), from mountinfo."""
    try:
        with open('/proc/self/fdinfo/%d' % fd) as info:
            mnt_id = next(line.split()[1] for line in info if line.startswith('mnt_id:'))
        with open('/proc/self/mountinfo') as mounts:
            for line in mounts:
                fields = line.split()
                if fields[0] == mnt_id:
                    return fields[fields.index('-') + 1]
    except (OSError, StopIteration, ValueError):
        pass
    return 'unknown'


def explain_set_error(exc, fd, wanted_bits):
    """A FlagError that says what to change, for an errno from FS_IOC_SETFLAGS."""
    letters = bits_to_letters(wanted_bits) or '(none)'
    if exc.errno in (errno.EOPNOTSUPP, errno.ENOTTY, errno.EINVAL):
        return FlagError("the %s filesystem does not support attribute(s) '%s' (%s); "
                         "use a filesystem that does, such as ext4, xfs or btrfs"
                         % (filesystem_type(fd), letters, os.strerror(exc.errno)))
    if exc.errno == errno.EPERM:
        if wanted_bits & PROTECTED_MASK and not has_linux_immutable_capability():
            return FlagError("changing 'i' or 'a' needs the CAP_LINUX_IMMUTABLE capability, which this "
                             "process lacks; run as root, and give containers --cap-add LINUX_IMMUTABLE")
        return FlagError("not permitted to change attribute(s) '%s': %s" % (letters, os.strerror(exc.errno)))
    if exc.errno == errno.EROFS:
        return FlagError("the filesystem is mounted read-only; attributes cannot change")
    return None


def update(flag_io, fd, path, spec, check_mode=False, before=None):
    """Read the flags of the open fd (unless the caller just did: before), apply spec,
    and write them back if they differ.

    Returns (before, after). After writing, the flags are read again so that a
    filesystem that silently drops a flag is reported instead of trusted.
    """
    if before is None:
        before = flag_io.get(fd, path)
    after = spec.apply(before)
    if after == before or check_mode:
        return before, after
    try:
        if before & after & IMMUTABLE:
            # ext4 refuses any other change while 'i' stays set: drop 'i', change, set it again.
            flag_io.set(fd, path, before & ~IMMUTABLE)
            try:
                flag_io.set(fd, path, after)
            except OSError:
                flag_io.set(fd, path, before)
                raise
        else:
            flag_io.set(fd, path, after)
    except OSError as exc:
        explained = explain_set_error(exc, fd, after ^ before)
        if explained is None:
            raise
        raise explained
    actual = flag_io.get(fd, path)
    ignored = (actual ^ after) & spec.touched
    if ignored:
        raise FlagError("the %s filesystem ignored attribute(s) '%s'; use a filesystem that supports them"
                        % (filesystem_type(fd), bits_to_letters(ignored)))
    return before, actual


# fcntl lease types (fcntl.h); Python exposes F_SETLEASE but not these.
F_RDLCK = 0
F_UNLCK = 2


def ignore_lease_breaks():
    """Every process that asks no_writers must call this first: a writer opening a file we hold
    a lease on makes the kernel send us SIGIO, whose default action ends the process. Ignored,
    the lease is simply given back at the end of the question (microseconds later)."""
    signal.signal(signal.SIGIO, signal.SIG_IGN)


@contextlib.contextmanager
def no_writers(fd):
    """Yields True while the open regular file has no writer, holding a read lease so that
    none can appear (an open for writing waits until the lease is given back); yields False
    when a process has it open for writing. The kernel's own answer to "is the upload
    finished?": every path that seals asks it first (the sealer, worm.sftp.chattr)."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, F_RDLCK)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EBUSY):
            yield False
            return
        raise
    try:
        yield True
    finally:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, F_UNLCK)


def known_letters_to_bits(letters):
    """Bits for letters as lsattr shows them (read-only ones included), for filters."""
    unknown = [letter for letter in letters if letter not in LETTER_BITS]
    if unknown:
        raise FlagError("unknown attribute letter(s) %s; known letters are %s"
                        % (', '.join(repr(x) for x in unknown), ''.join(x for x, _b, _s in FLAG_TABLE)))
    return sum(LETTER_BITS[letter] for letter in set(letters))
