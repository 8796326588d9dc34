# Copyright: (c) 2026, worm.sftp contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's directory, the backup root and the account itself are out of the client's
reach: no mode, ACL, flag or name change, no shell, TTY or forwarding, no new key, no
other client's data."""

import io
import subprocess
import uuid

import paramiko
import pytest

from worm_client import KEY, PROFILES, ROOT, Session, as_client, user_of
from worm_testinfra import ssh_port

KEYS_DIR = '/etc/ssh/worm-sftp/authorized_keys'

# Each attempt as the client's user inside the container, with the error it must meet.
DIRECTORY_ATTACKS = {
    'chmod directory': ('chmod', '0777', '{dir}'),
    'chmod root': ('chmod', '0777', '{root}'),
    'setfacl directory': ('setfacl', '-m', 'u:{user}:rwx', '{dir}'),
    'setfacl default': ('setfacl', '-d', '-m', 'u:{user}:rwx', '{dir}'),
    'setfacl root': ('setfacl', '-m', 'u:{user}:rwx', '{root}'),
    'chattr directory': ('chattr', '+a', '{dir}'),
    'chattr root': ('chattr', '+i', '{root}'),
    'rename directory': ('mv', '{dir}', '{root}/renamed'),
    'rmdir directory': ('rmdir', '{dir}'),
    'chown directory': ('chown', '{user}', '{dir}'),
}


def state_of(host, path):
    return host.check_output('stat -c "%%a %%U %%G" %s && getfacl -cp %s && lsattr -d %s', path, path, path)


@pytest.mark.parametrize('attack', sorted(DIRECTORY_ATTACKS))
def test_client_cannot_change_its_directory_or_the_root(host, attack):
    fill = dict(dir=ROOT + '/gen', root=ROOT, user=user_of('gen'))
    before = [state_of(host, ROOT + '/gen'), state_of(host, ROOT)]
    argv = [part.format(**fill) for part in DIRECTORY_ATTACKS[attack]]
    result = host.run('runuser -u %s -- %s' % (user_of('gen'), ' '.join(argv)))
    assert result.rc != 0, attack
    assert [state_of(host, ROOT + '/gen'), state_of(host, ROOT)] == before
    assert not host.file(ROOT + '/renamed').exists


@pytest.mark.parametrize('attempt', ['chmod', 'rename', 'rmdir', 'chmod root'])
def test_client_cannot_change_its_directory_over_sftp(host, attempt):
    before = [state_of(host, ROOT + '/gen'), state_of(host, ROOT)]
    with Session(host, 'gen') as sftp:
        with pytest.raises(IOError):
            if attempt == 'chmod':
                sftp.chmod('/gen', 0o777)
            elif attempt == 'rename':
                sftp.rename('/gen', '/renamed')
            elif attempt == 'rmdir':
                sftp.rmdir('/gen')
            else:
                sftp.chmod('/', 0o777)
    assert [state_of(host, ROOT + '/gen'), state_of(host, ROOT)] == before


@pytest.mark.parametrize('client', sorted(PROFILES))
def test_session_starts_in_its_directory_with_only_its_profiles_requests(host, client):
    """Every option of the forced internal-sftp command reaches it (sshd drops words past
    the ninth without a word): the start directory, the allowlist and the umask."""
    name = 'probe-%s' % uuid.uuid4().hex[:8]
    may_mkdir = PROFILES[client] in ('restic', 'rclone', 'generic')  # the others upload read-only
    with Session(host, client) as sftp:
        assert sftp.normalize('.') == '/' + client
        sftp.putfo(io.BytesIO(b'probe'), name)
        mode = sftp.stat(name).st_mode
        if may_mkdir:
            assert mode & 0o200  # the umask of the login (022 on Debian 12, 002 on 13)
        else:
            assert mode & 0o222 == 0
        if may_mkdir:
            sftp.mkdir(name + '.d')
        else:
            with pytest.raises(IOError):
                sftp.mkdir(name + '.d')
    assert host.file('%s/%s/%s.d' % (ROOT, client, name)).exists == may_mkdir


def test_a_client_cannot_list_the_other_clients(host):
    """The backup root is the chroot's /: traversable, not listable (issue 11 item 10)."""
    assert host.check_output('stat -c "%%U %%a" %s', ROOT) == 'root 711'
    with Session(host, 'gen') as sftp:
        with pytest.raises(IOError):
            sftp.listdir('/')
        assert sftp.listdir('/gen') is not None


def ssh_channel(host):
    transport = paramiko.Transport(('127.0.0.1', ssh_port(host)))
    transport.start_client(timeout=30)
    transport.auth_publickey(user_of('gen'), paramiko.Ed25519Key.from_private_key_file(KEY))
    return transport, transport.open_session(timeout=30)


def output_of(channel):
    """Everything the session sends back until the server closes it: a shell or command the
    client asked for would show up here."""
    channel.settimeout(20)
    channel.shutdown_write()
    data = b''
    while True:
        chunk = channel.recv(4096)
        if not chunk:
            return data
        data += chunk


# sshd answers a shell or exec request under ForceCommand internal-sftp with this line and
# exit status 1, then closes the session (OpenSSH session.c, "refusing non-sftp session").
REFUSAL = b'This service allows sftp connections only.'


@pytest.mark.parametrize('request_kind', ['exec', 'shell'])
def test_no_command_and_no_shell(host, request_kind):
    transport, channel = ssh_channel(host)
    try:
        if request_kind == 'exec':
            channel.exec_command('id; touch /tmp/PWNED-exec')
        else:
            channel.invoke_shell()
            try:
                channel.sendall(b'id; touch /tmp/PWNED-shell\n')
            except OSError:
                # The server refused the session and closed it before the command got there
                # (measured once in CI: paramiko's "Socket is closed"); the checks below still hold.
                pass
        output = output_of(channel)
        assert b'uid=' not in output
        assert REFUSAL in output
        assert channel.recv_exit_status() == 1
    finally:
        transport.close()
    assert host.run('ls /tmp/PWNED-exec /tmp/PWNED-shell').rc != 0


def request_with_reply(channel, kind):
    """A channel request that waits for the server's answer (paramiko sends agent forwarding
    requests without asking for one); raises SSHException when the server refuses it."""
    message = paramiko.Message()
    message.add_byte(paramiko.common.cMSG_CHANNEL_REQUEST)
    message.add_int(channel.remote_chanid)
    message.add_string(kind)
    message.add_boolean(True)
    channel._event_pending()  # pylint: disable=protected-access
    channel.transport._send_user_message(message)  # pylint: disable=protected-access
    channel._wait_for_event()  # pylint: disable=protected-access


@pytest.mark.parametrize('forward', ['tty', 'agent', 'x11', 'local port', 'remote port'])
def test_no_tty_and_no_forwarding(host, forward):
    transport, channel = ssh_channel(host)
    try:
        if forward == 'tty':
            with pytest.raises(paramiko.SSHException):
                channel.get_pty()
        elif forward == 'agent':
            with pytest.raises(paramiko.SSHException):
                request_with_reply(channel, 'auth-agent-req@openssh.com')
        elif forward == 'x11':
            with pytest.raises(paramiko.SSHException):
                channel.request_x11(auth_cookie='00' * 16)
        elif forward == 'local port':
            with pytest.raises(paramiko.ChannelException):
                transport.open_channel('direct-tcpip', ('127.0.0.1', 22), ('127.0.0.1', 40000), timeout=20)
        else:
            with pytest.raises(paramiko.SSHException):
                transport.request_port_forward('127.0.0.1', 0)
    finally:
        transport.close()


def test_client_cannot_add_a_key(host, tmp_path):
    """Neither an authorized_keys of its own in its directory (its home) nor the real file."""
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(tmp_path / 'stolen')], check=True)
    public = (tmp_path / 'stolen.pub').read_bytes()
    keys_file = '%s/%s' % (KEYS_DIR, user_of('gen'))
    before = host.check_output('sha256sum %s && stat -c "%%a %%U" %s %s', keys_file, keys_file, KEYS_DIR)
    with Session(host, 'gen') as sftp:
        try:
            sftp.mkdir('/gen/.ssh')
        except IOError:
            pass  # made by an earlier run; sealed files in it stay as they were
        name = '/gen/.ssh/authorized_keys-%s' % uuid.uuid4().hex[:8]
        sftp.putfo(io.BytesIO(public), name)
        for path in ('/gen/.ssh/authorized_keys', '/gen/.ssh/authorized_keys2'):
            try:
                sftp.putfo(io.BytesIO(public), path)
            except IOError:
                pass  # sealed since an earlier run
        with pytest.raises(IOError):
            sftp.putfo(io.BytesIO(public), keys_file)
    result = as_client(host, 'gen', 'import sys; open(sys.argv[1], "ab").write(b"ssh-ed25519 AAAA stolen")', keys_file)
    assert result.rc != 0 and 'PermissionError' in result.stderr
    assert host.check_output('sha256sum %s && stat -c "%%a %%U" %s %s', keys_file, keys_file, KEYS_DIR) == before
    transport = paramiko.Transport(('127.0.0.1', ssh_port(host)))
    try:
        transport.start_client(timeout=30)
        with pytest.raises(paramiko.AuthenticationException):
            transport.auth_publickey(user_of('gen'), paramiko.Ed25519Key.from_private_key_file(str(tmp_path / 'stolen')))
    finally:
        transport.close()


def test_client_cannot_read_another_clients_data(host):
    with Session(host, 'oth') as sftp:
        sftp.putfo(io.BytesIO(b'secret of oth'), '/oth/secret-%s' % uuid.uuid4().hex[:8])
    secret = host.check_output('ls -1 %s/oth | head -n 1', ROOT)
    with Session(host, 'gen') as sftp:
        with pytest.raises(IOError):
            sftp.listdir('/oth')
        with pytest.raises(IOError):
            sftp.open('/oth/' + secret).read()
        with pytest.raises(IOError):
            sftp.putfo(io.BytesIO(b'planted'), '/oth/planted')
    result = as_client(host, 'gen', 'import os, sys; print(os.listdir(sys.argv[1]))', ROOT + '/oth')
    assert result.rc != 0 and 'PermissionError' in result.stderr
    result = as_client(host, 'gen', 'import sys; print(open(sys.argv[1]).read())', '%s/oth/%s' % (ROOT, secret))
    assert result.rc != 0 and 'PermissionError' in result.stderr
    assert not host.file(ROOT + '/oth/planted').exists
