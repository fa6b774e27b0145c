#!/bin/sh
# JMH benchmark of the full input scan (see src/test/java/dev/llmops/guardrail/bench/InputScanBenchmark.java).
# Builds the module's test classes, then runs JMH; extra arguments go to JMH, e.g. -p size=2048 -p scanners=rules.
set -e
cd "$(dirname "$0")/.."
# One invocation: the reactor resolves proto and test-support from their target/ (nothing is installed).
./mvnw -B -q -pl guardrail-service -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/guardrail-service/target/bench.classpath"
CP="guardrail-service/target/test-classes:guardrail-service/target/classes:$(cat guardrail-service/target/bench.classpath)"
exec java -cp "$CP" org.openjdk.jmh.Main InputScanBenchmark "$@"
