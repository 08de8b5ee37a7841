"""Classify every change between two OpenAPI specs for the users of this SDK.

Usage: ``python scripts/spec_diff.py OLD.yaml NEW.yaml``

One line per change, ``<bump> <what>: <where> (<detail>)``, and a last line ``semver: major``,
``semver: minor`` or ``semver: patch`` (the largest bump; ``patch`` when nothing users can see
changed, including when nothing changed at all).

Why our own differ: ``api-schema-diff`` (PyPI, the one Python tool found) compares types,
properties and required-ness only, with the same rule for requests and responses; it does not
see enums, bounds, ``nullable`` or ``allOf``, which are the changes that broke this SDK
silently, and it pulls in typer and rich. The rules below are this SDK's, not generic ones.

The rules (what the change does to code written against memoram_async today):

Requests (what the SDK sends; parameters are requests too):
- removed property or parameter: **major** (its public argument has to go);
- new required property or parameter: **major** (calls without it are refused);
- optional becomes required: **major**; required becomes optional: **patch**;
- new optional property or parameter: **patch** (users reach it only once the SDK exposes it,
  which the SDK's own release marks as minor: the public-API diff sees the new argument);
- type or format change, narrower bound (``minimum`` up, ``maximum`` or ``maxLength`` down, a
  new ``pattern``), an enum value removed, ``nullable`` removed: **major** (values users pass
  today are refused); wider bounds, a new enum value, ``nullable`` added: **patch**.

Responses (what the SDK reads and hands to users):
- removed property: **major** (a public field loses its value);
- required becomes optional, ``nullable`` added, type or format change: **major**;
- new property: **patch** (not visible until the SDK exposes it; ``make check-spec`` fails
  until it is exposed or listed as deliberately not exposed);
- **a new enum value: minor.** The SDK keeps an unknown value as its raw string, so nothing
  raises, but code that matches every member of the public enum meets a value it did not list;
  that is new behaviour users can observe, so it is announced as a feature, not hidden in a patch;
- an enum value removed, narrower or wider bounds, optional becoming required: **patch**.

Operations: removed (or moved to another method or path): **major**; added: **patch** (minor
once a public method calls it); a new error status: **patch** (the SDK maps any status to
``APIStatusError``); a success response removed or changed: **major**; a new ``operationId``
for the same route: **patch** (only generated module names change).

Deprecation (``deprecated: true`` on an operation, a parameter or a property): **minor**, as
semver asks of a deprecation; the SDK warns callers who use it (``memoram_async/_deprecation.py``).
A deprecation withdrawn: **patch**.

Servers: a URL removed or replaced (``/api/v1`` -> ``/api/v2``): **major** (calls made to the
old base URL, the SDK's ``DEFAULT_BASE_URL`` among them, stop reaching the API); a URL added:
**patch**.

A spec that is not valid OpenAPI (YAML syntax, schema, a ``$ref`` to nothing) is refused in one
line, ``FILE:LINE: what is wrong`` (``scripts/spec_check.py``), exit status 2.

Formats ``float``/``double`` and ``int32``/``int64`` are interchangeable here (Python numbers).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__:
    from scripts import spec_check
else:  # run as a file (python scripts/spec_diff.py): its folder is on sys.path
    import spec_check

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
RANK = {"patch": 0, "minor": 1, "major": 2}
SAME_FORMATS = ({"float", "double"}, {"int32", "int64"})
LIMITS_UP_IS_NARROWER = ("minimum", "minLength", "minItems", "exclusiveMinimum")
LIMITS_DOWN_IS_NARROWER = ("maximum", "maxLength", "maxItems", "exclusiveMaximum")


@dataclass(frozen=True, order=True)
class Change:
    """One classified change."""

    bump: str
    what: str
    where: str
    detail: str = ""

    def line(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.bump:<5} {self.what}: {self.where}{detail}"


@dataclass
class Spec:
    """The parts of a spec the rules look at."""

    raw: dict[str, Any]
    request_schemas: set[str] = field(default_factory=set)
    response_schemas: set[str] = field(default_factory=set)

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.raw
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    @property
    def schemas(self) -> dict[str, Any]:
        return dict(self.raw.get("components", {}).get("schemas", {}))

    def operations(self) -> dict[str, dict[str, Any]]:
        """``METHOD /path`` -> operation."""
        return {
            f"{method.upper()} {path}": item[method]
            for path, item in self.raw.get("paths", {}).items()
            for method in METHODS
            if method in item
        }


def _refs(node: Any) -> Iterator[str]:
    """Names of the component schemas a node refers to, directly or inside it."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _closure(spec: Spec, start: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen or name not in spec.schemas:
            continue
        seen.add(name)
        todo.extend(_refs(spec.schemas[name]))
    return seen


def load(path: Path, *, name: str | None = None) -> Spec:
    """Read a spec and work out which schemas travel in requests and which in responses.

    Raises:
        spec_check.SpecError: Not valid OpenAPI; the message is one line naming file and line.
    """
    spec = Spec(spec_check.load(path, name=name))
    requests: set[str] = set()
    responses: set[str] = set()
    for operation in spec.operations().values():
        requests |= set(_refs(operation.get("requestBody", {})))
        requests |= set(_refs(operation.get("parameters", [])))
        for response in operation.get("responses", {}).values():
            responses |= set(_refs(spec.resolve(response)))
    spec.request_schemas = _closure(spec, requests)
    spec.response_schemas = _closure(spec, responses)
    return spec


def facts(spec: Spec, schema: Any) -> dict[str, Any]:
    """What matters about a (property) schema: types, format, enum, bounds, nullability."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict):
        return {}
    result: dict[str, Any] = {
        key: schema[key]
        for key in (
            "format",
            "pattern",
            *LIMITS_UP_IS_NARROWER,
            *LIMITS_DOWN_IS_NARROWER,
        )
        if key in schema
    }
    types = {schema["type"]} if "type" in schema else set()
    enum = {str(value) for value in schema.get("enum", ())}
    open_enum = False
    nullable = bool(schema.get("nullable"))
    if schema.get("deprecated"):
        result["deprecated"] = True
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, ()):
            sub = facts(spec, part)
            types |= sub.get("types", set())
            enum |= sub.get("enum", set())
            nullable = nullable or sub.get("nullable", False)
            if key != "allOf" and not sub.get("enum") and sub.get("types"):
                open_enum = True
    if "items" in schema:
        result["items"] = facts(spec, schema["items"])
    result["types"] = types
    if enum:
        result["enum"] = enum
        result["open"] = open_enum
    result["nullable"] = nullable
    return result


def properties(spec: Spec, name: str) -> tuple[dict[str, Any], set[str]]:
    """A component schema's own properties and required names, inline ``allOf`` parts merged
    in (a ``$ref`` part is another component, compared under its own name)."""
    schema = spec.resolve(spec.schemas[name])
    props: dict[str, Any] = dict(schema.get("properties", {}))
    required = set(schema.get("required", ()))
    for part in schema.get("allOf", ()):
        if "$ref" in part:
            continue
        props.update(part.get("properties", {}))
        required |= set(part.get("required", ()))
    return props, required


def _format_changed(old: Any, new: Any) -> bool:
    if old == new:
        return False
    return not any({old, new} <= pair for pair in SAME_FORMATS)


def compare_facts(
    old: dict[str, Any], new: dict[str, Any], where: str, *, request: bool
) -> Iterator[Change]:
    """Changes of one schema's type, format, enum, bounds and nullability."""
    side = "request" if request else "response"
    if old.get("types") and new.get("types") and old["types"] != new["types"]:
        yield Change(
            "major",
            f"{side} type changed",
            where,
            f"{'/'.join(sorted(old['types']))} -> {'/'.join(sorted(new['types']))}",
        )
    elif _format_changed(old.get("format"), new.get("format")):
        yield Change(
            "major", f"{side} format changed", where, f"{old.get('format')} -> {new.get('format')}"
        )
    old_enum, new_enum = old.get("enum", set()), new.get("enum", set())
    if new_enum and not old_enum:
        yield Change("major" if request else "patch", f"{side} enum introduced", where)
    elif old_enum and not new_enum:
        yield Change("patch" if request else "minor", f"{side} enum dropped", where)
    else:
        for value in sorted(new_enum - old_enum):
            yield Change("patch" if request else "minor", f"{side} enum value added", where, value)
        for value in sorted(old_enum - new_enum):
            yield Change(
                "major" if request else "patch", f"{side} enum value removed", where, value
            )
    if old_enum and new_enum and old.get("open") != new.get("open"):
        opened = bool(new.get("open"))
        bump = ("patch" if opened else "major") if request else ("minor" if opened else "patch")
        yield Change(bump, f"{side} enum {'opened' if opened else 'closed'}", where)
    for key in (*LIMITS_UP_IS_NARROWER, *LIMITS_DOWN_IS_NARROWER, "pattern"):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "pattern" or before is None or after is None:
            narrower = after is not None
        else:
            narrower = after > before if key in LIMITS_UP_IS_NARROWER else after < before
        bump = "major" if request and narrower else "patch"
        verb = "narrowed" if narrower else "widened"
        yield Change(bump, f"{side} {key} {verb}", where, f"{before} -> {after}")
    if old.get("nullable") != new.get("nullable"):
        added = bool(new.get("nullable"))
        bump = ("patch" if added else "major") if request else ("major" if added else "patch")
        yield Change(bump, f"{side} nullable {'added' if added else 'removed'}", where)
    yield from compare_deprecation(old, new, where, side)
    if "items" in old and "items" in new:
        yield from compare_facts(old["items"], new["items"], f"{where}[]", request=request)


def compare_deprecation(
    old: dict[str, Any], new: dict[str, Any], where: str, side: str
) -> Iterator[Change]:
    """``deprecated`` set (minor: announced, and the SDK warns its callers) or withdrawn."""
    was, now = bool(old.get("deprecated")), bool(new.get("deprecated"))
    if now and not was:
        yield Change("minor", f"{side} deprecated", where, "the SDK warns callers who use it")
    elif was and not now:
        yield Change("patch", f"{side} deprecation withdrawn", where)


def compare_schema(old: Spec, new: Spec, name: str) -> Iterator[Change]:
    """Changes inside one component schema, for each direction it travels in."""
    directions = [
        (True, name in old.request_schemas or name in new.request_schemas),
        (False, name in old.response_schemas or name in new.response_schemas),
    ]
    old_props, old_required = properties(old, name)
    new_props, new_required = properties(new, name)
    for request, used in directions:
        if not used:
            continue
        side = "request" if request else "response"
        yield from compare_facts(
            facts(old, old.schemas[name]), facts(new, new.schemas[name]), name, request=request
        )
        removed = sorted(old_props.keys() - new_props.keys())
        added = sorted(new_props.keys() - old_props.keys())
        for prop in removed:
            hint = _rename_hint(old, new, old_props[prop], {p: new_props[p] for p in added})
            yield Change("major", f"{side} property removed", f"{name}.{prop}", hint)
        for prop in added:
            if request and prop in new_required:
                yield Change("major", "request property added, required", f"{name}.{prop}")
            else:
                yield Change(
                    "patch",
                    f"{side} property added",
                    f"{name}.{prop}",
                    "users see it once the SDK exposes it",
                )
        for prop in sorted(old_props.keys() & new_props.keys()):
            where = f"{name}.{prop}"
            same_ref = old_props[prop].get("$ref") == new_props[prop].get("$ref") is not None
            was, now = prop in old_required, prop in new_required
            if was != now:
                breaking = now if request else was
                yield Change(
                    "major" if breaking else "patch",
                    f"{side} property {'now required' if now else 'now optional'}",
                    where,
                )
            if not same_ref:  # a shared component is compared once, under its own name
                yield from compare_facts(
                    facts(old, old_props[prop]), facts(new, new_props[prop]), where, request=request
                )


def _rename_hint(old: Spec, new: Spec, gone: Any, added: dict[str, Any]) -> str:
    """'renamed to X?' when exactly one added property has the same shape."""
    shape = facts(old, gone)
    same = [name for name, schema in added.items() if facts(new, schema) == shape]
    return f"renamed to {same[0]}?" if len(same) == 1 else ""


def _parameters(spec: Spec, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for parameter in operation.get("parameters", ()):
        parameter = spec.resolve(parameter)
        found[f"{parameter['in']} {parameter['name']}"] = parameter
    return found


def compare_operation(old: Spec, new: Spec, route: str) -> Iterator[Change]:
    """Changes of one operation's id, parameters, request body and responses."""
    before, after = old.operations()[route], new.operations()[route]
    if before.get("operationId") != after.get("operationId"):
        detail = f"{before.get('operationId')} -> {after.get('operationId')}"
        yield Change("patch", "operationId changed", route, detail)
    yield from compare_deprecation(before, after, route, "operation")
    old_params, new_params = _parameters(old, before), _parameters(new, after)
    for key in sorted(old_params.keys() - new_params.keys()):
        yield Change("major", "parameter removed", f"{route} {key}")
    for key in sorted(new_params.keys() - old_params.keys()):
        if new_params[key].get("required"):
            yield Change("major", "parameter added, required", f"{route} {key}")
        else:
            detail = "users see it once the SDK exposes it"
            yield Change("patch", "parameter added", f"{route} {key}", detail)
    for key in sorted(old_params.keys() & new_params.keys()):
        was, now = bool(old_params[key].get("required")), bool(new_params[key].get("required"))
        if was != now:
            label = "parameter now required" if now else "parameter now optional"
            yield Change("major" if now else "patch", label, f"{route} {key}")
        yield from compare_deprecation(
            old_params[key], new_params[key], f"{route} {key}", "parameter"
        )
        yield from compare_facts(
            facts(old, old_params[key].get("schema", {})),
            facts(new, new_params[key].get("schema", {})),
            f"{route} {key}",
            request=True,
        )
    old_body, new_body = before.get("requestBody"), after.get("requestBody")
    if old_body and not new_body:
        yield Change("major", "request body removed", route)
    elif new_body and not old_body:
        required = bool(new.resolve(new_body).get("required"))
        yield Change("major" if required else "patch", "request body added", route)
    elif old_body and new_body:
        old_refs, new_refs = set(_refs(old_body)), set(_refs(new_body))
        if old_refs != new_refs:
            detail = f"{sorted(old_refs)} -> {sorted(new_refs)}"
            yield Change("major", "request body schema replaced", route, detail)
    old_codes, new_codes = set(before.get("responses", {})), set(after.get("responses", {}))
    for code in sorted(old_codes - new_codes):
        bump = "major" if code.startswith("2") else "patch"
        yield Change(bump, "response status removed", f"{route} {code}")
    for code in sorted(new_codes - old_codes):
        bump = "major" if code.startswith("2") else "patch"
        yield Change(bump, "response status added", f"{route} {code}")
    for code in sorted(old_codes & new_codes):
        if not code.startswith("2"):
            continue
        old_refs = set(_refs(old.resolve(before["responses"][code])))
        new_refs = set(_refs(new.resolve(after["responses"][code])))
        if old_refs != new_refs:
            detail = f"{sorted(old_refs)} -> {sorted(new_refs)}"
            yield Change("major", "response schema replaced", f"{route} {code}", detail)


def compare_servers(old: Spec, new: Spec) -> Iterator[Change]:
    """Base URLs removed (major: calls to them stop reaching the API) or added (patch)."""
    before = [server.get("url", "") for server in old.raw.get("servers", ())]
    after = [server.get("url", "") for server in new.raw.get("servers", ())]
    removed = [url for url in before if url not in after]
    added = [url for url in after if url not in before]
    if len(removed) == len(added) == 1:
        detail = "the SDK's DEFAULT_BASE_URL (memoram_async/_constants.py) must follow"
        yield Change("major", "server moved", f"{removed[0]} -> {added[0]}", detail)
        return
    for url in removed:
        yield Change("major", "server removed", url)
    for url in added:
        yield Change("patch", "server added", url)


def diff(old: Spec, new: Spec) -> list[Change]:
    """Every classified change from ``old`` to ``new``."""
    changes: list[Change] = list(compare_servers(old, new))
    old_ops, new_ops = old.operations(), new.operations()
    for route in sorted(old_ops.keys() - new_ops.keys()):
        changes.append(
            Change("major", "operation removed", route, old_ops[route].get("operationId", ""))
        )
    for route in sorted(new_ops.keys() - old_ops.keys()):
        detail = (
            f"{new_ops[route].get('operationId', '')}; users reach it once the SDK has a method"
        )
        changes.append(Change("patch", "operation added", route, detail))
    for route in sorted(old_ops.keys() & new_ops.keys()):
        changes.extend(compare_operation(old, new, route))
    for name in sorted(old.schemas.keys() - new.schemas.keys()):
        # Its uses changed too and are reported there; the schema itself is only a name.
        changes.append(Change("patch", "schema removed", name))
    for name in sorted(new.schemas.keys() - old.schemas.keys()):
        changes.append(Change("patch", "schema added", name))
    for name in sorted(old.schemas.keys() & new.schemas.keys()):
        changes.extend(compare_schema(old, new, name))
    return changes


def semver(changes: list[Change]) -> str:
    """The bump a release with these changes needs."""
    return max((change.bump for change in changes), key=RANK.__getitem__, default="patch")


def report(changes: list[Change], nothing: str = "no change in the spec") -> list[str]:
    """The printed lines: one per change (or a note that there is none), then the semver line."""
    lines = [change.line() for change in changes] or [f"patch {nothing}"]
    return [*lines, f"semver: {semver(changes)}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the spec before (e.g. the last release's)")
    parser.add_argument("new", type=Path, help="the spec after")
    args = parser.parse_args(argv)
    try:
        old, new = load(args.old), load(args.new)
    except spec_check.SpecError as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in report(diff(old, new)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
