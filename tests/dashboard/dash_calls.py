"""Calling a Dash callback the way the browser does: POST /_dash-update-component with the output
string Dash registered (read from /_dash-dependencies), the inputs and the states."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def prop(component_id: str | dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    return {"id": component_id, "property": name, "value": value}


def prop_id(component_id: str | dict[str, Any], name: str) -> str:
    """How Dash names a changed property: pattern ids as JSON with sorted keys, no spaces."""
    if isinstance(component_id, dict):
        component_id = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return f"{component_id}.{name}"


def output_of(client: Any, first_output: str) -> str:
    """The registered output string of the callback whose (first) output starts so."""
    for dependency in client.get("/_dash-dependencies").get_json():
        if dependency["output"].lstrip(".").startswith(first_output):
            return dependency["output"]
    raise LookupError(f"no callback outputs {first_output}")


def outputs_list(output: str) -> Any:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    found = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
    return found if output.startswith("..") else found[0]


def dash_call(client: Any, first_output: str, inputs: list[Any], *, changed: str,
              state: list[Any] = ()) -> Any:
    """The reply to one callback: its JSON (a 204 when the callback did nothing)."""
    output = output_of(client, first_output)
    body = {"output": output, "outputs": outputs_list(output), "inputs": inputs,
            "state": list(state), "changedPropIds": [changed]}
    return client.post("/_dash-update-component", json=body)


def walk(tree: Any) -> Iterator[Any]:
    """Every node of a component tree as JSON (dicts, lists, strings)."""
    yield tree
    if isinstance(tree, dict):
        for value in tree.values():
            yield from walk(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from walk(item)


def texts(tree: Any) -> list[str]:
    return [node for node in walk(tree) if isinstance(node, str)]


def components(tree: Any) -> list[dict[str, Any]]:
    return [node for node in walk(tree) if isinstance(node, dict) and "type" in node
            and "namespace" in node]


def nav_links(tree: Any) -> list[str]:
    navs = [c for c in components(tree) if c["type"] == "Nav"]
    return [link["props"]["href"].split("?")[0] for nav in navs
            for link in nav["props"]["children"]]
