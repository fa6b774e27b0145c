package dev.llmops.router.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminCredentialTest {
    static final String ADMIN_KEY = "sk-llmops-admin-local-dev";

    static Status.Code codeOf(AdminCredential credential, String authorization) {
        return assertThrows(StatusRuntimeException.class, () -> credential.check(authorization)).getStatus().getCode();
    }

    @Test
    void withoutAConfiguredHashTheAdminApiIsDisabledAndSaysWhatToSet() {
        for (Optional<String> unset : java.util.List.of(Optional.<String>empty(), Optional.of("  "))) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> new AdminCredential(unset).check("Bearer " + ADMIN_KEY));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("llmops.router.access.admin-key-sha256"));
        }
    }

    @Test
    void onlyTheKeyOfTheConfiguredHashPasses() {
        AdminCredential credential = new AdminCredential(Optional.of(ApiKeys.sha256(ADMIN_KEY).toUpperCase()));
        credential.check("Bearer " + ADMIN_KEY);
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(credential, "Bearer sk-llmops-local-dev"));
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(credential, null));
    }

    @Test
    void aHashThatIsNotASha256FailsAtStart() {
        assertThrows(IllegalStateException.class, () -> new AdminCredential(Optional.of("abcd")));
    }
}
