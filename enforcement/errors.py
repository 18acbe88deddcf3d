"""One exception tree for the whole product.

    DomainError                      something the rules refuse
    ├── InvalidInput                 bad input; names the field (→ HTTP 400/422)
    │   └── InvalidFix               a position report that must not be stored
    ├── NotFound                     an id that does not exist (→ 404)
    ├── Conflict                     a state change the rules forbid (→ 409)
    └── AuthError                    unknown or wrong credentials (→ 401)
        └── Forbidden                known, but not allowed (→ 403)
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the product raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(DomainError):
    code = "invalid"


class InvalidFix(InvalidInput):
    code = "invalid_fix"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class AuthError(DomainError):
    code = "unauthorized"


class Forbidden(AuthError):
    code = "forbidden"
