"""The Alcaldía's directory (LDAP, Active Directory): who a person is, checked by binding as them.

Configured by `LdapSettings` (from the environment, see `settings_from`); the directory's groups
become our groups through a mapping file. ldap3 is imported here only.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, SYNC, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn


class DirectoryUnreachable(Exception):
    """The directory did not answer (or refused the service account): nobody can be checked."""


@dataclass(frozen=True)
class LdapSettings:
    url: str  # ldaps://… or ldap://… with start_tls
    base_dn: str
    # Active Directory: "(&(objectClass=user)(sAMAccountName={username}))"
    user_filter: str = "(&(objectClass=person)(uid={username}))"
    # Instead of a search: bind straight to this DN, e.g. "uid={username},ou=people,dc=cali,dc=gov,dc=co"
    user_dn_template: str | None = None
    bind_dn: str | None = None  # the service account that searches; anonymous when None
    bind_password: str | None = field(default=None, repr=False)
    start_tls: bool = False
    ca_file: str | None = None
    name_attribute: str = "displayName"
    mail_attribute: str = "mail"
    groups_attribute: str = "memberOf"
    # Directory group DN (any case) → our group codes.
    group_map: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    timeout_seconds: int = 5

    @property
    def mapped_groups(self) -> frozenset[str]:
        """Our groups the directory decides: a user removed from the directory group loses them."""
        return frozenset(code for codes in self.group_map.values() for code in codes)


@dataclass(frozen=True)
class DirectoryPerson:
    username: str
    full_name: str
    email: str
    groups: tuple[str, ...]  # ours, through the mapping


def settings_from(config: Mapping[str, Any]) -> LdapSettings | None:
    """`LDAP_*` keys of the application's configuration (BUENGOBIERNO_LDAP_* in the
    environment); None without `LDAP_URL`. The group mapping is a JSON file
    (`LDAP_GROUP_MAP_FILE`): {"CN=Juridica,OU=Grupos,DC=cali,DC=gov,DC=co": ["dagjp"], …}."""
    url = config.get("LDAP_URL")
    if not url:
        return None
    mapping_file = config.get("LDAP_GROUP_MAP_FILE")
    raw = json.loads(Path(mapping_file).read_text(encoding="utf-8")) if mapping_file else {}
    group_map = {
        str(dn).lower(): (codes,) if isinstance(codes, str) else tuple(codes)
        for dn, codes in raw.items()
    }
    optional = {
        key.lower(): config[f"LDAP_{key}"]
        for key in ("USER_FILTER", "USER_DN_TEMPLATE", "BIND_DN", "BIND_PASSWORD", "CA_FILE",
                    "NAME_ATTRIBUTE", "MAIL_ATTRIBUTE", "GROUPS_ATTRIBUTE")
        if config.get(f"LDAP_{key}")
    }  # fmt: skip
    return LdapSettings(
        url=str(url),
        base_dn=str(config.get("LDAP_BASE_DN", "")),
        start_tls=str(config.get("LDAP_START_TLS", "")).lower() in ("1", "true", "sí", "si"),
        group_map=group_map,
        **optional,
    )


class LdapDirectory:
    """Checks a person's password by binding as them and reads their name, mail and groups."""

    def __init__(self, settings: LdapSettings) -> None:
        self.settings = settings
        self.server = Server(
            settings.url,
            use_ssl=settings.url.lower().startswith("ldaps://"),
            tls=Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file),
            connect_timeout=settings.timeout_seconds,
            get_info=NONE,
        )

    def authenticate(self, username: str, password: str) -> DirectoryPerson | None:
        """The person when `password` is theirs; None for a wrong password or an unknown user.

        Raises DirectoryUnreachable when the directory does not answer."""
        if not password:
            return None  # an empty password is an anonymous bind, which LDAP accepts
        try:
            found = self._find(username, password)
        except LDAPException as error:
            raise DirectoryUnreachable(str(error)) from error
        if found is None:
            return None
        return self._person(username, found)

    def _find(self, username: str, password: str) -> dict[str, Any] | None:
        settings = self.settings
        attributes = [settings.name_attribute, settings.mail_attribute, settings.groups_attribute]
        if settings.user_dn_template:
            dn = settings.user_dn_template.format(username=escape_rdn(username))
            connection = self._bound(dn, password)
            if connection is None:
                return None
            connection.search(dn, "(objectClass=*)", BASE, attributes=attributes)
        else:
            connection = self._bound(settings.bind_dn, settings.bind_password)
            if connection is None:
                raise DirectoryUnreachable("el directorio rechazó la cuenta de servicio")
            query = settings.user_filter.format(username=escape_filter_chars(username))
            connection.search(settings.base_dn, query, SUBTREE, attributes=attributes, size_limit=2)
        entries = [
            item for item in connection.response or () if item.get("type") == "searchResEntry"
        ]
        connection.unbind()
        if len(entries) != 1:
            return None
        if not settings.user_dn_template and self._bound(entries[0]["dn"], password) is None:
            return None
        return dict(entries[0]["attributes"])

    def _bound(self, dn: str | None, password: str | None) -> Connection | None:
        connection = Connection(
            self.server, user=dn, password=password, client_strategy=SYNC,
            receive_timeout=self.settings.timeout_seconds,
        )  # fmt: skip
        if self.settings.start_tls:
            connection.open()
            connection.start_tls()
        return connection if connection.bind() else None

    def _person(self, username: str, attributes: dict[str, Any]) -> DirectoryPerson:
        settings = self.settings
        groups = {
            code
            for dn in _values(attributes.get(settings.groups_attribute))
            for code in settings.group_map.get(dn.lower(), ())
        }
        name = _values(attributes.get(settings.name_attribute))
        mail = _values(attributes.get(settings.mail_attribute))
        return DirectoryPerson(
            username, name[0] if name else username, mail[0] if mail else "", tuple(sorted(groups))
        )


def _values(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]
