#!/usr/bin/env bash
# `make check-deploy`: validates the deployment files offline.
# - deploy/docker-compose.yml against the Compose specification's schema
#   (check-jsonschema's vendored copy);
# - deploy/k8s/*.yaml against the Kubernetes API schemas (kubernetes-validate,
#   strict: unknown fields rejected), and every Secret, ConfigMap and Service a
#   manifest names is defined in deploy/k8s/;
# - deploy/prometheus/prometheus.yml with promtool (Debian's `prometheus` package).
# The Python tools go into a virtualenv (DEPLOY_VENV, default target/check-deploy-venv)
# from PyPI; promtool is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${DEPLOY_VENV:-target/check-deploy-venv}"
k8s_version="${K8S_VERSION:-1.30.0}"
if [ ! -x "$venv/bin/check-jsonschema" ] || [ ! -x "$venv/bin/kubernetes-validate" ]; then
  echo "check-deploy: installing check-jsonschema and kubernetes-validate into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q check-jsonschema kubernetes-validate
fi
if ! command -v promtool >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "check-deploy: promtool is missing and apt-get is unavailable; install Prometheus's promtool" >&2
    exit 1
  fi
  echo "check-deploy: installing promtool (Debian package prometheus)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

echo "== deploy/docker-compose.yml (Compose specification)"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/docker-compose.yml

echo "== deploy/k8s (Kubernetes $k8s_version schemas, strict)"
"$venv/bin/kubernetes-validate" --strict --quiet -k "$k8s_version" deploy/k8s/*.yaml
"$venv/bin/python" - deploy/k8s/*.yaml <<'PY'
"""Every Secret, ConfigMap and Service a manifest refers to is defined here."""
import sys
import yaml

defined, wanted = set(), []
for path in sys.argv[1:]:
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if not doc:
                continue
            defined.add((doc["kind"], doc["metadata"]["name"]))
            spec = doc.get("spec", {})
            if doc["kind"] == "StatefulSet":
                wanted.append((path, "Service", spec["serviceName"]))
            pod = spec.get("template", {}).get("spec", {})
            for volume in pod.get("volumes", []):
                if "configMap" in volume:
                    wanted.append((path, "ConfigMap", volume["configMap"]["name"]))
                if "secret" in volume:
                    wanted.append((path, "Secret", volume["secret"]["secretName"]))
            for container in pod.get("containers", []):
                for source in container.get("envFrom", []):
                    if "secretRef" in source:
                        wanted.append((path, "Secret", source["secretRef"]["name"]))
                    if "configMapRef" in source:
                        wanted.append((path, "ConfigMap", source["configMapRef"]["name"]))
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        wanted.append((path, "Secret", ref["name"]))
missing = [(p, k, n) for p, k, n in wanted if (k, n) not in defined]
for path, kind, name in missing:
    print(f"{path}: {kind} {name} is not defined in deploy/k8s", file=sys.stderr)
sys.exit(1 if missing else 0)
PY
echo "references: ok"

echo "== deploy/prometheus/prometheus.yml (promtool)"
if promtool check config deploy/prometheus/prometheus.yml 2> "$venv/promtool.err"; then
  exit 0
fi
if ! grep -q "field kubernetes_sd_configs not found" "$venv/promtool.err"; then
  cat "$venv/promtool.err" >&2
  exit 1
fi
# Debian builds Prometheus without Kubernetes service discovery, so its promtool
# does not know kubernetes_sd_configs. Check everything else (relabelling rules
# included) on a copy whose Kubernetes discovery is a static target, and the
# discovery blocks themselves here.
echo "check-deploy: this promtool has no Kubernetes discovery (Debian's build);"
echo "check-deploy: checking a copy with kubernetes_sd_configs replaced by a static target"
"$venv/bin/python" - deploy/prometheus/prometheus.yml "$venv/prometheus-static.yml" <<'PY'
import sys
import yaml

ROLES = {"node", "service", "pod", "endpoints", "endpointslice", "ingress"}
with open(sys.argv[1]) as f:
    config = yaml.safe_load(f)
for job in config.get("scrape_configs", []):
    blocks = job.pop("kubernetes_sd_configs", None)
    if blocks is None:
        continue
    for block in blocks:
        if block.get("role") not in ROLES or set(block) - {"role", "namespaces", "selectors", "api_server"}:
            sys.exit(f"{sys.argv[1]}: job {job['job_name']}: bad kubernetes_sd_configs entry {block}")
    job["static_configs"] = [{"targets": ["localhost:9464"]}]
with open(sys.argv[2], "w") as f:
    yaml.safe_dump(config, f)
PY
promtool check config "$venv/prometheus-static.yml"
