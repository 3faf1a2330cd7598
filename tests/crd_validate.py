"""Validates custom resources against their CRDs' openAPIV3Schema, strictly.

    python3 tests/crd_validate.py CRD.yaml... < objects.yaml

Prints one line per object, `passed KIND NAMESPACE/NAME` or `FAILED ...`
with every error, and exits 1 if any object failed or has no CRD among the
given files. Used by tests/bundle_operator.rs; needs PyYAML and jsonschema
(both come with kubernetes-validate, which scripts/test installs).

Strict means what `kubectl apply --validate=strict` asks of the API server:
a field the schema does not declare is an error, where the API server would
otherwise prune it silently (a misspelt `honorLabel` would simply vanish).
The CEL rules (x-kubernetes-validations) are not evaluated.
"""

import sys

import jsonschema
import yaml

# The API server validates metadata as ObjectMeta, not through the CRD's
# schema (which says only `type: object`); these are the fields a bundle
# writes.
OBJECT_META = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["name"],
    "additionalProperties": False,
}


def strict(schema):
    """The OpenAPI v3 schema as JSON Schema that rejects undeclared fields."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: strict(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = strict(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [strict(sub) for sub in value]
        else:
            out[key] = value
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if (
        schema.get("type") == "object"
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def schemas(crd_files):
    """(apiVersion, kind) -> validator, for every served version."""
    found = {}
    for path in crd_files:
        with open(path) as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                spec = crd["spec"]
                for version in spec["versions"]:
                    if not version.get("served"):
                        continue
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    schema["properties"]["metadata"] = OBJECT_META
                    schema["required"] = sorted(
                        set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"}
                    )
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    found[key] = jsonschema.Draft4Validator(schema)
    return found


def main():
    validators = schemas(sys.argv[1:])
    failed = False
    for obj in yaml.safe_load_all(sys.stdin):
        if obj is None:
            continue
        meta = obj.get("metadata") or {}
        what = f"{obj.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}"
        validator = validators.get((obj.get("apiVersion"), obj.get("kind")))
        if validator is None:
            print(f"FAILED {what}: no CRD given for {obj.get('apiVersion')}")
            failed = True
            continue
        errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        if errors:
            failed = True
            print(f"FAILED {what}:")
            for e in errors:
                path = ".".join(str(p) for p in e.absolute_path) or "(root)"
                print(f"  {path}: {e.message}")
        else:
            print(f"passed {what}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
