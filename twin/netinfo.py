"""This machine's names and network addresses, for embedded mode served beyond loopback (``HOST=0.0.0.0``).

Used by the settings (``ALLOWED_HOSTS``) and by ``scripts/run_embedded.sh`` (the URL to give students). No
packet is sent: the outbound address is read from a UDP socket "connected" to a documentation address.
"""
from __future__ import annotations

import ipaddress
import socket
import sys

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_PROBES = (("192.0.2.1", socket.AF_INET), ("2001:db8::1", socket.AF_INET6))  # RFC 5737 / RFC 3849


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (served to this machine only)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local)


def lan_addresses() -> list[str]:
    """Non-loopback IP addresses of this machine, the outbound IPv4 address first."""
    found: list[str] = []
    for probe, family in _PROBES:
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                found.append(sock.getsockname()[0])
        except OSError:
            pass
    for name in {socket.gethostname(), socket.getfqdn()}:
        try:
            infos = socket.getaddrinfo(name, None)
        except OSError:
            continue
        found += [info[4][0] for info in infos]
    out: list[str] = []
    for address in found:
        address = address.split("%")[0]
        if _usable(address) and address not in out:
            out.append(address)
    return sorted(out, key=lambda a: ":" in a)  # IPv4 first, each in the order found


def host_names() -> list[str]:
    """This machine's host name (short and fully qualified), lower case."""
    names = []
    for name in (socket.gethostname(), socket.getfqdn()):
        name = name.strip().lower()
        if name and name not in names and not is_loopback(name):
            names.append(name)
    return names


def embedded_allowed_hosts() -> list[str]:
    """Loopback, the test client's host, this machine's names and addresses (IPv6 in brackets)."""
    hosts = [*LOOPBACK_HOSTS, "[::1]", "testserver", *host_names()]
    for address in lan_addresses():
        hosts.append(f"[{address}]" if ":" in address else address)
    return list(dict.fromkeys(hosts))


def student_urls(host: str, port: int) -> list[str]:
    """URLs that reach a server bound to ``host``: the LAN addresses for 0.0.0.0/::, else ``host`` itself."""
    if host in ("0.0.0.0", "::", ""):
        addresses = lan_addresses() or ["127.0.0.1"]
        return [f"http://{f'[{a}]' if ':' in a else a}:{port}/" for a in addresses] + \
               [f"http://{name}:{port}/" for name in host_names()]
    return [f"http://{f'[{host}]' if ':' in host else host}:{port}/"]


if __name__ == "__main__":  # python -m twin.netinfo HOST PORT → one URL per line
    for url in student_urls(sys.argv[1], int(sys.argv[2])):
        print(url)
