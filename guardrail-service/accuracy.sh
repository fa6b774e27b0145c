#!/bin/sh
# Accuracy tables (Markdown) from the labelled sets in src/test/resources/accuracy/.
set -e
cd "$(dirname "$0")/.."
# One invocation: the reactor resolves proto and test-support from their target/ (nothing is installed).
./mvnw -B -q -pl guardrail-service -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/guardrail-service/target/bench.classpath"
CP="guardrail-service/target/test-classes:guardrail-service/target/classes:$(cat guardrail-service/target/bench.classpath)"
exec java -cp "$CP" dev.llmops.guardrail.accuracy.AccuracyHarness
