"""A real OpenLDAP server for the directory sign-in tests: Debian's `slapd`, run as the current
user on a free port of 127.0.0.1 from a generated slapd.conf in a temporary directory (the
package's own service and configuration are never used; `make slapd` installs the package).

The tree looks like a small Alcaldía directory: people under ou=people, groups (groupOfNames)
under ou=grupos whose membership the memberof overlay mirrors into each person's `memberOf`
(as Active Directory does), and the ppolicy overlay so an account can be disabled in the
directory (`pwdAccountLockedTime`). It is seeded with Debian's `ldapadd` once it answers.
It also speaks TLS (ldaps:// on a second port, and StartTLS) with a certificate for 127.0.0.1
signed by a CA made for the run with `openssl`; `ca_file` is that CA.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, Connection, Server

BASE = "dc=cali,dc=gov,dc=co"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "clave-del-administrador-ldap"
SERVICE = f"cn=buengobierno,ou=servicios,{BASE}"
SERVICE_PASSWORD = "clave-del-servicio"
JURIDICA = f"cn=Juridica,ou=grupos,{BASE}"
HACIENDA = f"cn=Hacienda,ou=grupos,{BASE}"
OTROS = f"cn=Otros,ou=grupos,{BASE}"
PERMANENTLY_LOCKED = "000001010000Z"  # ppolicy: the account is disabled until an admin clears it

SLAPD = Path("/usr/sbin/slapd")
LDAPADD = Path("/usr/bin/ldapadd")
OPENSSL = Path("/usr/bin/openssl")
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")

_CONFIG = """\
{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload ppolicy
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
TLSCACertificateFile {root}/tls/ca.pem
TLSCertificateFile {root}/tls/server.pem
TLSCertificateKeyFile {root}/tls/server.key

database mdb
maxsize 16777216
suffix "{base}"
rootdn "{root_dn}"
rootpw {root_password}
directory {root}/data
overlay memberof
overlay ppolicy
ppolicy_default "cn=default,ou=politicas,{base}"
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"""

_SEED = """\
dn: {base}
objectClass: dcObject
objectClass: organization
dc: cali
o: Alcaldía de Santiago de Cali

dn: ou=people,{base}
objectClass: organizationalUnit
ou: people

dn: ou=grupos,{base}
objectClass: organizationalUnit
ou: grupos

dn: ou=servicios,{base}
objectClass: organizationalUnit
ou: servicios

dn: ou=politicas,{base}
objectClass: organizationalUnit
ou: politicas

dn: cn=default,ou=politicas,{base}
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE

dn: {service}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: buengobierno
userPassword: {service_password}
"""


@dataclass(frozen=True)
class Person:
    uid: str
    password: str
    full_name: str

    @property
    def dn(self) -> str:
        return f"uid={self.uid},ou=people,{BASE}"


class Slapd:
    """A running slapd; `url` is ldap://127.0.0.1:PORT. Changes go through the root DN."""

    def __init__(
        self, root: Path, ports: tuple[int, int], process: subprocess.Popen[bytes]
    ) -> None:
        self.root, self.process = root, process
        self.url = f"ldap://127.0.0.1:{ports[0]}"  # plain, or StartTLS
        self.tls_url = f"ldaps://127.0.0.1:{ports[1]}"
        self.ca_file = str(root / "tls" / "ca.pem")

    def admin(self) -> Connection:
        connection = Connection(
            Server(self.url), user=ROOT_DN, password=ROOT_PASSWORD, raise_exceptions=True
        )
        connection.bind()
        return connection

    def add_group(self, dn: str) -> None:
        """A groupOfNames needs a member: the service account holds every group's place."""
        cn = dn.split(",", 1)[0].split("=", 1)[1]
        with self.admin() as connection:
            connection.add(dn, ["groupOfNames"], {"cn": cn, "member": [SERVICE]})

    def add_person(self, person: Person, groups: Iterable[str] = ()) -> None:
        with self.admin() as connection:
            connection.add(person.dn, ["inetOrgPerson"], {
                "uid": person.uid, "cn": person.full_name, "sn": person.full_name.split()[-1],
                "displayName": person.full_name, "mail": f"{person.uid}@cali.gov.co",
                "userPassword": person.password,
            })  # fmt: skip
        self.set_groups(person, groups)

    def set_groups(self, person: Person, groups: Iterable[str]) -> None:
        """Membership is written on the groups, as a directory administrator does; memberof
        updates the person's `memberOf`."""
        wanted = {dn.lower() for dn in groups}
        with self.admin() as connection:
            for group in (JURIDICA, HACIENDA, OTROS):
                change = MODIFY_ADD if group.lower() in wanted else MODIFY_DELETE
                connection.search(group, f"(member={person.dn})", attributes=["cn"])
                if bool(connection.entries) != (change == MODIFY_ADD):
                    connection.modify(group, {"member": [(change, [person.dn])]})

    def member_of(self, person: Person) -> list[str]:
        with self.admin() as connection:
            connection.search(person.dn, "(objectClass=*)", attributes=["memberOf"])
            return sorted(str(dn).lower() for dn in connection.entries[0].memberOf.values)

    def disable(self, person: Person) -> None:
        with self.admin() as connection:
            connection.modify(
                person.dn, {"pwdAccountLockedTime": [(MODIFY_REPLACE, [PERMANENTLY_LOCKED])]}
            )

    def delete(self, person: Person) -> None:
        self.set_groups(person, ())
        with self.admin() as connection:
            connection.delete(person.dn)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_slapd(root: Path) -> Slapd:
    """Start and seed a slapd under `root` (an empty directory); fails clearly without slapd."""
    missing = [str(path) for path in (SLAPD, LDAPADD, OPENSSL) if not path.exists()]
    if missing:
        raise RuntimeError(
            f"faltan {', '.join(missing)}: instale OpenLDAP con `make slapd` (slapd, ldap-utils)"
        )
    (root / "data").mkdir(parents=True)
    _certificates(root / "tls")
    includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    (root / "slapd.conf").write_text(
        _CONFIG.format(
            includes=includes, root=root, base=BASE, root_dn=ROOT_DN, root_password=ROOT_PASSWORD
        ),
        encoding="utf-8",
    )
    for _attempt in range(3):  # another process may take the free port before slapd does
        slapd = _launch(root)
        if slapd is not None:
            break
    else:
        log = (root / "slapd.log").read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"slapd did not start:\n{log}")
    seed = _SEED.format(base=BASE, service=SERVICE, service_password=SERVICE_PASSWORD)
    subprocess.run(
        [str(LDAPADD), "-x", "-H", slapd.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
        input=seed.encode(), check=True, capture_output=True,
    )  # fmt: skip
    for group in (JURIDICA, HACIENDA, OTROS):
        slapd.add_group(group)
    return slapd


def _certificates(directory: Path) -> None:
    """A CA of this run and the server's certificate for 127.0.0.1 (its IP address SAN)."""
    directory.mkdir()
    (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    steps = (
        ("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "7", "-subj", "/CN=CA de pruebas de Buen Gobierno"),
        ("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
         "-subj", "/CN=127.0.0.1"),
        ("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "server.pem", "-days", "7", "-extfile", "san.cnf"),
    )  # fmt: skip
    for step in steps:
        subprocess.run([str(OPENSSL), *step], cwd=directory, check=True, capture_output=True)


def _launch(root: Path) -> Slapd | None:
    ports = _free_ports()
    # -d keeps slapd in the foreground (so the fixture owns the process); 0 logs nothing more.
    listen = f"ldap://127.0.0.1:{ports[0]}/ ldaps://127.0.0.1:{ports[1]}/"
    command = [str(SLAPD), "-d", "0", "-f", str(root / "slapd.conf"), "-h", listen]
    with (root / "slapd.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        try:
            for port in ports:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return Slapd(root, ports, process)
        except OSError:
            time.sleep(0.05)
    process.terminate()
    process.wait(timeout=10)
    return None


def _free_ports() -> tuple[int, int]:
    """Two ports nobody listens on (held open together, so they differ)."""
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        return int(first.getsockname()[1]), int(second.getsockname()[1])
