package dev.llmops.cache.semantic;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cache.bench.ParaphraseSet;
import java.io.InputStream;
import java.util.Properties;
import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The configured default threshold, with the second stage, must keep precision >= 0.97 on the labelled set and
 * on the held-out set, with useful recall; and the second stage must be what makes it safe (the embedding alone
 * at the same threshold is below 0.97). Uses the real model (the application's: the tokenizer's native library
 * can be loaded by one class loader only).
 */
@QuarkusTest
@QuarkusTestResource(IsolatedServersResource.class)
class ParaphraseAccuracyTest {

    @Inject
    Embedder embedder;

    @Test
    void theDefaultThresholdIsSafeOnlyWithTheSecondStage() throws Exception {
        Properties props = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        double threshold = Double.parseDouble(props.getProperty("llmops.cache.semantic.min-similarity"));
        for (String set : new String[] {"/paraphrase/pairs.tsv", "/paraphrase/holdout.tsv"}) {
            ParaphraseSet scored = ParaphraseSet.score(embedder, set);
            ParaphraseSet.Point with = scored.at(threshold, true);
            ParaphraseSet.Point without = scored.at(threshold, false);
            assertTrue(with.precision() >= 0.97, set + " precision with the second stage " + with);
            assertTrue(with.recall() >= 0.7, set + " recall with the second stage " + with);
            assertTrue(without.precision() < 0.97, set + " the embedding alone " + without);
        }
    }
}
