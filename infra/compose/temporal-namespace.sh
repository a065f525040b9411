#!/bin/sh
# One-shot, in temporalio/admin-tools: once the Temporal server answers, creates the namespace
# mastoflow runs in (temporalio/server, unlike the deprecated auto-setup image and the dev
# server, creates none) and registers the search attributes mastoflow sets on every run
# (SEARCH_ATTRIBUTES, "Name=Type ..."; the dev server registers the same ones, see
# infra/local-servers.ts). Re-running it on an existing cluster changes nothing.
set -eu

: "${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS}" "${TEMPORAL_NAMESPACE:?set TEMPORAL_NAMESPACE}"
: "${SEARCH_ATTRIBUTES:?set SEARCH_ATTRIBUTES}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-24h}"
ns="$TEMPORAL_NAMESPACE"

# Waits up to 3 minutes for a command to succeed, saying what it waits for.
retry() {
  what="$1"
  shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 90 ]; then
      echo "temporal-namespace: gave up waiting for $what" >&2
      "$@" # once more, with its error shown
      exit 1
    fi
    sleep 2
  done
}

retry "the Temporal server at $TEMPORAL_ADDRESS" temporal operator cluster health --address "$TEMPORAL_ADDRESS"

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$ns" >/dev/null 2>&1; then
  echo "temporal-namespace: namespace $ns exists"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$ns" --retention "$RETENTION"
  echo "temporal-namespace: created namespace $ns (retention $RETENTION)"
fi
# A new namespace reaches the server's caches a few seconds after it is created.
retry "namespace $ns to be usable" temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$ns"

registered() {
  temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$ns" | grep -qw "$1"
}

for sa in $SEARCH_ATTRIBUTES; do
  name="${sa%%=*}"
  type="${sa##*=}"
  if registered "$name"; then
    echo "temporal-namespace: search attribute $name exists"
  else
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$ns" --name "$name" --type "$type"
    retry "search attribute $name to be listed" registered "$name"
    echo "temporal-namespace: registered search attribute $name ($type)"
  fi
done
