package dev.llmops.cost.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmops.cost.PriceVersion;
import dev.llmops.cost.PriceVersion.Rates;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.math.BigDecimal;
import java.time.Instant;
import llmops.cost.v1.ModelPrice;
import org.junit.jupiter.api.Test;

class PriceCodecMemoTest {
    private static PriceVersion version(String model, String input) {
        BigDecimal in = new BigDecimal(input);
        BigDecimal out = new BigDecimal("10.00");
        return new PriceVersion(model, "", Instant.parse("2026-01-01T00:00:00Z"),
                new Rates(in, new BigDecimal("1.25"), in, out, out), 0, null, "catalog");
    }

    @Test
    void anEqualVersionIsConvertedOnceAndAsTheCodecWould() {
        PriceVersion v = version("memo-a", "2.50");
        llmops.cost.v1.PriceVersion shown = PriceCodec.toProtoMemoised(v);
        assertEquals(PriceCodec.toProto(v), shown);
        assertSame(shown, PriceCodec.toProtoMemoised(version("memo-a", "2.50")), "equal version, same message");
        assertNotSame(shown, PriceCodec.toProtoMemoised(version("memo-a", "2.5")),
                "another scale is another decimal string, so another entry");

        PriceVersion read = PriceCodec.fromProtoMemoised(shown);
        assertEquals(PriceCodec.fromProto(shown), read);
        assertEquals(v, read, "the round trip gives the version back");
        assertSame(read, PriceCodec.fromProtoMemoised(shown.toBuilder().build()), "an equal message, same version");
    }

    @Test
    void aRefusedVersionIsRefusedEveryTime() {
        llmops.cost.v1.PriceVersion bad = llmops.cost.v1.PriceVersion.newBuilder().setModel("memo-bad")
                .setPrice(ModelPrice.newBuilder().setInputUsdPerMtok("-1").setOutputUsdPerMtok("1")).build();
        for (int i = 0; i < 2; i++) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> PriceCodec.fromProtoMemoised(bad));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        }
    }

    @Test
    void pastItsLimitTheMemoStartsAgainAndStaysRight() {
        for (int i = 0; i <= PriceCodec.MEMO_LIMIT + 10; i++) {
            PriceVersion v = version("memo-many-" + i, "1." + i);
            assertEquals(PriceCodec.toProto(v), PriceCodec.toProtoMemoised(v));
            assertEquals(v, PriceCodec.fromProtoMemoised(PriceCodec.toProtoMemoised(v)));
        }
    }
}
