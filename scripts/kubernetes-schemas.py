"""Writes one Kubernetes release's JSON schemas, self-contained for kubeconform, from the
kubernetes-validate wheel (PyPI), which ships them for validation without a network.

usage: kubernetes-schemas.py WHEEL VERSION OUT_DIR   (VERSION like v1.34.0)

The wheel's "-local-strict" schemas (no unknown fields allowed) refer to one shared
_definitions.json by an absolute "/api/..." path under a kubernetes.io $id, which a file-based
validator would resolve to the network; here each $id is dropped and each reference made relative
to the file, so kubeconform resolves it beside the schema.
"""
import json
import os
import sys
import zipfile

PREFIX = "/api/_definitions.json"


def relative_refs(node):
    if isinstance(node, dict):
        return {key: (value.replace(PREFIX, "_definitions.json", 1) if key == "$ref" and isinstance(value, str) else relative_refs(value)) for key, value in node.items() if key != "$id"}
    if isinstance(node, list):
        return [relative_refs(item) for item in node]
    return node


def main(wheel, version, out_dir):
    folder = f"kubernetes_validate/kubernetes-json-schema/{version}-local-strict/"
    os.makedirs(out_dir, exist_ok=True)
    written = 0
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not (name.startswith(folder) and name.endswith(".json")):
                continue
            schema = relative_refs(json.loads(archive.read(name)))
            with open(os.path.join(out_dir, os.path.basename(name)), "w") as out:
                json.dump(schema, out)
            written += 1
    if written == 0:
        sys.exit(f"no schemas for {version} in {wheel}")
    open(os.path.join(out_dir, ".complete"), "w").close()
    print(f"setup: {written} Kubernetes {version} schemas in {out_dir}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
