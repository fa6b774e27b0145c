#!/usr/bin/env bash
# Precision/recall of semantic hits across thresholds, embedding alone and with the second stage.
# Usage: cache-service/bench/paraphrase-harness.sh [threshold-to-detail]
exec "$(dirname "$0")/run-main.sh" dev.llmops.cache.bench.ParaphraseHarness "$@"
