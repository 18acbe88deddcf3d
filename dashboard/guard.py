"""The policy (``dashboard.policy``) applied at the edges: API routes declared by their policy key,
and the principal a Dash callback may read or act for."""

from __future__ import annotations

from collections.abc import Callable

from dash.exceptions import PreventUpdate
from flask import Blueprint

from dashboard import policy
from dashboard.auth import require, session_principal
from dashboard.services import Services
from enforcement.model import Role
from storage.users import Principal


def guarded_routes(blueprint: Blueprint, services: Services) -> Callable[[str], Callable]:
    """``@route("POST /api/v1/cases")`` registers the view at that rule for the roles the policy
    lists; a route missing from the policy fails at start-up, never open by default."""

    def route(endpoint: str) -> Callable:
        method, rule = endpoint.split(" ", 1)
        guard = require(services, policy.roles_for(endpoint))

        def decorate(view: Callable) -> Callable:
            return blueprint.route(rule, methods=[method])(guard(view))

        return decorate

    return route


def viewer(services: Services, page: str) -> Principal:
    """The signed-in principal if its role may open ``page``; otherwise the callback does nothing."""
    principal = session_principal(services)
    if principal is None or not policy.may_open(principal.role, page):
        raise PreventUpdate
    return principal


def actor(services: Services, roles: frozenset[Role]) -> Principal:
    """The signed-in principal if its role may take the action (a refused action says why)."""
    principal = session_principal(services)
    if principal is None:
        raise PreventUpdate
    policy.check_role(principal, roles)
    return principal
