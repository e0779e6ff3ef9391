#!/usr/bin/env bash
# Deploys one overlay in order: the migration Job first (alone, selected by its label), waits for
# it to complete, then everything else, then waits for every Deployment to roll out.
#   deploy/kubernetes/deploy.sh deploy/kubernetes/overlays/prod
set -euo pipefail
overlay="${1:?usage: deploy.sh <overlay directory>}"
timeout="${MIGRATE_TIMEOUT:-900s}"
migration='app.kubernetes.io/component=migration'

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$overlay" >"$rendered"

# A Job's pod template is immutable: the previous release's Job goes before this release's runs.
kubectl delete -f "$rendered" -l "$migration" --ignore-not-found --wait=true
kubectl apply -f "$rendered" -l "$migration"
kubectl wait -f "$rendered" -l "$migration" --for=condition=complete --timeout="$timeout"

kubectl apply -f "$rendered"
# Wait for each Deployment (its namespace is the overlay's).
kubectl get -f "$rendered" -l 'app.kubernetes.io/component in (gateway,subgraph,worker)' \
  -o jsonpath='{range .items[?(@.kind=="Deployment")]}{.metadata.namespace} {.metadata.name}{"\n"}{end}' \
  | while read -r namespace name; do
      kubectl rollout status "deployment/$name" --namespace "$namespace" --timeout=600s
    done
