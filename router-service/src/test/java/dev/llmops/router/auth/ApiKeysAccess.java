package dev.llmops.router.auth;

/** Lets other packages' tests run the key check that the request path runs. */
public final class ApiKeysAccess {
    private ApiKeysAccess() {
    }

    public static ApiKeys.Principal check(KeyRecord record, String sha256) {
        return ApiKeys.check(record, sha256, System.currentTimeMillis());
    }
}
