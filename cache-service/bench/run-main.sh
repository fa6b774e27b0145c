#!/usr/bin/env bash
# Runs a main class from cache-service's test sources with the module's test classpath.
# Usage: cache-service/bench/run-main.sh <class> [args...]   (from the repo root; builds what is needed first)
set -euo pipefail
cd "$(dirname "$0")/../.."
class=$1; shift
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # One reactor run: the sibling modules (proto, test-support) resolve from it, nothing is installed.
  ./mvnw -B -q -pl cache-service -am package dependency:build-classpath -DskipTests \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt >/dev/null
fi
cp="cache-service/target/test-classes:cache-service/target/classes:$(cat cache-service/target/test-classpath.txt)"
exec java ${JAVA_OPTS:--Xmx1g -XX:+UseSerialGC} -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "$cp" "$class" "$@"
