"""The second wall: processes and threads that evaluate queries cannot open network connections.

The query guard (:mod:`hrkg.guard`) refuses every SERVICE that is not allowlisted by reading the query's parse tree.
This module does not read queries at all: it installs a seccomp filter (through libseccomp) that makes the kernel
refuse, with ``EACCES``, every call that could reach another host:

* ``socket()`` for any address family but ``AF_UNIX`` (so no TCP, UDP, raw or netlink socket, and no DNS lookup);
* ``connect()``, for every socket (the worker talks to the service over a socket pair it inherits, already
  connected);
* ``io_uring_setup()`` (io_uring can open and connect sockets without those system calls).

A filter is inherited by every thread and process started after it, and cannot be removed. The service installs it
in each query worker process when no SERVICE endpoint is allowlisted (``HRKG_SERVICE_ALLOWLIST`` empty), and in the
one thread of the service that applies updates to the store. Where libseccomp is missing (it is part of every
Debian and Ubuntu system) or the kernel refuses filters, :func:`install` raises :class:`SandboxError`: the service
then refuses to start unless the operator turns the sandbox off (``HRKG_NETWORK_SANDBOX=off``).
"""

from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

from hrkg.errors import SandboxError

#: the system calls denied outright, and the one denied for every address family but AF_UNIX
DENIED = ("connect", "io_uring_setup")


def install(*, all_threads: bool) -> None:
    """Deny network access to the calling thread (``all_threads``: to every thread of the process) and to every
    thread and process it starts from now on. Raises :class:`SandboxError` when that cannot be done."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(
            f"the network sandbox needs Linux (seccomp); this is {sys.platform}",
            hint="run the service on Linux, or set HRKG_NETWORK_SANDBOX=off to rely on the query guard alone",
        )
    try:
        import pyseccomp as seccomp

        deny = seccomp.ERRNO(errno.EACCES)
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        rules.add_rule(deny, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        for call in DENIED:
            rules.add_rule(deny, call)
        if all_threads:
            rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)
        rules.load()
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        raise SandboxError(
            f"the network sandbox could not be installed: {exc}",
            hint="install libseccomp (Debian: apt-get install libseccomp2), or set HRKG_NETWORK_SANDBOX=off to rely "
            "on the query guard alone",
        ) from None


def active(pid: int | str = "self") -> bool:
    """Whether the process ``pid`` runs under a seccomp filter (``Seccomp: 2`` in its status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return False
    return any(line.split() == ["Seccomp:", "2"] for line in status.splitlines())
