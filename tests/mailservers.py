"""Real mail servers on loopback for the tests: Postfix receives the reminders
over SMTP and keeps them in a Maildir, Dovecot serves the replies over IMAP.
Each runs from a configuration written to a temporary directory."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
POSTFIX = "/usr/sbin/postfix"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(
    port: int, proc: subprocess.Popen | None, log: Path, seconds=20
) -> None:
    """Until the server listens; `proc`, when the server runs in the foreground,
    is watched so that a server that dies says why at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(
                f"server exited: {log.read_text() if log.exists() else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(
        f"server did not listen on {port}: {log.read_text() if log.exists() else ''}"
    )


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = {uid}
mail_uid = {uid}
mail_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@contextmanager
def dovecot(root: Path, users: dict[str, str]):
    """Dovecot on a free loopback port; yields the port. `users` maps login to
    password; mail is kept in Maildirs under `root`."""
    if not os.path.exists(DOVECOT):
        raise RuntimeError("Dovecot is not installed: run `make system-deps`")
    owner = pwd.getpwnam("dovecot")
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for sub in ("mail", "home"):
        shutil.chown(root / sub, owner.pw_uid, owner.pw_gid)
    (root / "users").write_text(
        "".join(f"{login}:{{PLAIN}}{pw}::::::\n" for login, pw in users.items())
    )
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(root=root, port=port, uid=owner.pw_uid, gid=owner.pw_gid)
    )
    os.chmod(root, 0o755)
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, root / "dovecot.log")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# Postfix as the customers' mail server: it takes mail for any domain from
# loopback and the virtual agent files every message into one Maildir (each
# message says whom it was for in Delivered-To). Addresses starting with
# "gone@" are refused for good, "busy@" for now, as a real server would.
POSTFIX_MAIN = """\
compatibility_level = 3.6
queue_directory = {root}/spool
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.relance-test.example
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_recipient_access regexp:{root}/etc/refused
virtual_mailbox_domains = regexp:{root}/etc/domains
virtual_mailbox_base = {root}/mail
virtual_mailbox_maps = regexp:{root}/etc/mailboxes
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_minimum_uid = 1
virtual_mailbox_limit = 0
message_size_limit = 52428800
smtputf8_enable = no
biff = no
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}
"""
POSTFIX_MASTER = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
virtual   unix  - n n -  - virtual
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


class Maildir:
    """What Postfix delivered, read from its Maildir."""

    def __init__(self, path: Path):
        self.path = path

    def files(self) -> list[Path]:
        return sorted(
            f
            for sub in ("new", "cur")
            if (self.path / sub).is_dir()
            for f in (self.path / sub).iterdir()
        )

    def count(self) -> int:
        return len(self.files())

    def raw(self) -> list[bytes]:
        """Each message as Postfix filed it (its Received and Delivered-To
        headers first, then the bytes relance sent)."""
        return [f.read_bytes() for f in self.files()]

    def messages(self):
        return [message_from_bytes(r, policy=default_policy) for r in self.raw()]

    def wait_for(self, n: int, seconds: float = 30):
        """The messages once at least `n` are delivered (delivery is queued)."""
        deadline = time.monotonic() + seconds
        while self.count() < n and time.monotonic() < deadline:
            time.sleep(0.05)
        messages = self.messages()
        assert len(messages) >= n, f"{len(messages)} delivered, expected {n}"
        return messages

    def clear(self) -> None:
        for f in self.files():
            f.unlink()


def _postfix(root: Path, *command: str) -> None:
    proc = subprocess.run(
        [POSTFIX, "-c", str(root / "etc"), *command],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0:
        log = root / "postfix.log"
        raise RuntimeError(
            f"postfix {' '.join(command)} failed: {proc.stderr}"
            f"{log.read_text()[-2000:] if log.exists() else ''}"
        )


@contextmanager
def postfix(root: Path):
    """Postfix on a free loopback port, as root (it drops to its own users);
    yields (port, Maildir of everything delivered)."""
    if not os.path.exists(POSTFIX):
        raise RuntimeError("Postfix is not installed: run `make system-deps`")
    if os.geteuid() != 0:
        raise RuntimeError("Postfix starts as root: run the mail tests as root")
    owner = pwd.getpwnam("nobody")
    for sub in ("etc", "spool", "data", "mail"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.chown(root / "data", "postfix")
    shutil.chown(root / "mail", owner.pw_uid, owner.pw_gid)
    os.chmod(root, 0o755)
    port = free_port()
    etc = root / "etc"
    (etc / "main.cf").write_text(
        POSTFIX_MAIN.format(root=root, uid=owner.pw_uid, gid=owner.pw_gid)
    )
    (etc / "master.cf").write_text(POSTFIX_MASTER.format(port=port))
    (etc / "domains").write_text("/./ OK\n")
    (etc / "mailboxes").write_text("/./ all/\n")
    (etc / "refused").write_text(
        "/^gone@/ 550 5.1.1 no such user here\n/^busy@/ 450 4.2.1 mailbox busy\n"
    )
    _postfix(root, "start")
    try:
        wait_for_port(port, None, root / "postfix.log")
        yield port, Maildir(root / "mail" / "all")
    finally:
        _postfix(root, "stop")
