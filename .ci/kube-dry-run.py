#!/usr/bin/env python3
"""Server-side dry run of synthesized Kubernetes files against a real kube-apiserver.

Usage: kube-dry-run.py KUBECONFIG DIR...

Creates each file's Namespaces for real, then submits every other object with `dryRun=All`, so
the API server validates, defaults and admits it without storing it. Objects whose API group
and version the server does not serve (the test server is Kubernetes 1.20: no autoscaling/v2,
policy/v1 or batch/v1 CronJob, and no custom resource definitions) are counted as skipped, never
silently passed. Exits 1 if the server rejects any object.
"""
import glob
import json
import os
import ssl
import sys
import urllib.error
import urllib.request

import yaml


def kubeconfig(path):
    with open(path) as f:
        cfg = yaml.safe_load(f)
    cluster = cfg["clusters"][0]["cluster"]
    user = cfg["users"][0]["user"]
    ctx = ssl.create_default_context(cafile=cluster["certificate-authority"])
    return cluster["server"], user["token"], ctx


def parse(raw):
    """A response body as JSON; plain text (`404 page not found`) as its message."""
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {"message": raw.decode(errors="replace").strip()}


class Api:
    def __init__(self, server, token, ctx):
        self.server, self.token, self.ctx = server, token, ctx
        self.resources = {}

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
                return resp.status, parse(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, parse(err.read())

    def resource(self, api_version, kind):
        """The plural name and scope of `kind` in `api_version`, or None if not served."""
        if api_version not in self.resources:
            base = "/api/v1" if api_version == "v1" else "/apis/" + api_version
            status, body = self.call("GET", base)
            self.resources[api_version] = (
                {r["kind"]: (r["name"], r["namespaced"]) for r in body.get("resources", []) if "/" not in r["name"]}
                if status == 200
                else {}
            )
        return self.resources[api_version].get(kind)

    def path(self, obj, dry_run):
        api_version, kind = obj["apiVersion"], obj["kind"]
        found = self.resource(api_version, kind)
        if found is None:
            return None
        plural, namespaced = found
        base = "/api/v1" if api_version == "v1" else "/apis/" + api_version
        ns = obj["metadata"].get("namespace")
        path = f"{base}/namespaces/{ns}/{plural}" if namespaced else f"{base}/{plural}"
        return path + ("?dryRun=All" if dry_run else "")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    api = Api(*kubeconfig(sys.argv[1]))
    # Kubernetes files only (`<env>/k8s/*.yaml`): a Compose environment's compose.yaml is not
    # for an API server.
    files = sorted(
        f
        for d in sys.argv[2:]
        for f in glob.glob(os.path.join(d, "**", "k8s", "*.yaml"), recursive=True)
    )
    accepted = skipped = 0
    rejected = []
    skipped_kinds = set()
    for f in files:
        with open(f) as fh:
            docs = [d for d in yaml.safe_load_all(fh) if d]
        for obj in [d for d in docs if d["kind"] == "Namespace"]:
            status, body = api.call("POST", api.path(obj, dry_run=False), obj)
            if status not in (201, 409):
                rejected.append(f"{f}: Namespace {obj['metadata']['name']}: {body.get('message')}")
        for obj in [d for d in docs if d["kind"] != "Namespace"]:
            path = api.path(obj, dry_run=True)
            if path is None:
                skipped += 1
                skipped_kinds.add(f"{obj['apiVersion']} {obj['kind']}")
                continue
            status, body = api.call("POST", path, obj)
            if status in (200, 201):
                accepted += 1
            else:
                name = obj["metadata"].get("name")
                rejected.append(f"{f}: {obj['kind']} {name}: {body.get('message')}")
    for r in rejected:
        print("REJECTED " + r)
    print(
        f"kube-apiserver dry run: {accepted} accepted, {len(rejected)} rejected, "
        f"{skipped} skipped (not served by the test server: {', '.join(sorted(skipped_kinds)) or 'none'})"
    )
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
