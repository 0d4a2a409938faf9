"""Access control services (no HTTP here): API tokens with roles, and the audit log of every change.

The API, the dashboard and the CLI share these, so a token made with ``botfactory tokens create`` signs in to
both, and every change made through any of them lands in one ``audit_log``.
"""

from botfactory.access.audit import AuditEntry, AuditFilter, AuditLog
from botfactory.access.roles import ROLES, Principal, cli_actor, role_allows
from botfactory.access.tokens import TokenRecord, TokenStore

__all__ = [
    "ROLES",
    "AuditEntry",
    "AuditFilter",
    "AuditLog",
    "Principal",
    "TokenRecord",
    "TokenStore",
    "cli_actor",
    "role_allows",
]
