#!/bin/sh
# One-shot, in temporalio/admin-tools (the same release as the temporalio/server image): creates
# the Temporal databases on PostgreSQL and brings their schemas to the version this release
# needs. Every step is idempotent (create-database ignores an existing database, setup-schema -v
# 0.0 leaves a versioned schema alone, update-schema applies only the missing versions), so it
# runs on every `docker compose up`, and after an image upgrade it is what migrates the schemas.
set -eu

: "${POSTGRES_SEEDS:?set POSTGRES_SEEDS}" "${POSTGRES_USER:?set POSTGRES_USER}" "${POSTGRES_PWD:?set POSTGRES_PWD}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
# PostgreSQL 12 and later; the directories hold one subfolder per schema version.
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12
# temporal-sql-tool reads the password from the environment: it stays out of the process list.
export SQL_PASSWORD="$POSTGRES_PWD"

tries=0
until nc -z -w 5 "$POSTGRES_SEEDS" "$DB_PORT"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "temporal-schema: PostgreSQL at $POSTGRES_SEEDS:$DB_PORT did not open its port in 60 s" >&2
    exit 1
  fi
  sleep 1
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for target in "$DBNAME:temporal" "$VISIBILITY_DBNAME:visibility"; do
  db="${target%%:*}"
  dir="$SCHEMA_ROOT/${target##*:}/versioned"
  echo "temporal-schema: database $db, schema from $dir"
  sql_tool --db "$db" create-database
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$dir"
done
echo "temporal-schema: done"
