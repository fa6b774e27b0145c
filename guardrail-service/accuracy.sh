#!/bin/sh
# Accuracy tables (Markdown) from the labelled sets in src/test/resources/accuracy/.
set -e
cd "$(dirname "$0")/.."
./mvnw -B -q -pl guardrail-service -am package -DskipTests
./mvnw -B -q -pl guardrail-service dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/guardrail-service/target/bench.classpath"
CP="guardrail-service/target/test-classes:guardrail-service/target/classes:$(cat guardrail-service/target/bench.classpath)"
exec java -cp "$CP" dev.llmops.guardrail.accuracy.AccuracyHarness
