package dev.llmops.cache.service;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.enterprise.context.ApplicationScoped;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.SemanticOptions;
import llmops.cache.v1.StoreRequest;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;

/**
 * Checks every request field the cache relies on. Bad input becomes INVALID_ARGUMENT with a message that says
 * what to fix; it never reaches Redis.
 */
@ApplicationScoped
public class RequestValidator {

    static final int MAX_TENANT_LENGTH = 128;
    static final int MAX_TAGS = 32;
    static final int MAX_DOCUMENTS = 256;
    static final int MAX_LABEL_LENGTH = 256;

    public void validateQuery(CacheQuery query, String field) {
        if (!query.hasCaller() || query.getCaller().getTenantId().isEmpty()) {
            throw invalid(field + ".caller.tenant_id is required: entries are always scoped to one tenant");
        }
        validateTenant(query.getCaller().getTenantId(), field + ".caller.tenant_id");
        if (query.getModel().isBlank()) {
            throw invalid(field + ".model is required (the model the answer is for)");
        }
        if (query.getMessagesCount() == 0) {
            throw invalid(field + ".messages is empty: give at least one chat message");
        }
        for (int i = 0; i < query.getMessagesCount(); i++) {
            ChatMessage m = query.getMessages(i);
            if (m.getRole() == Role.ROLE_UNSPECIFIED || m.getRole() == Role.UNRECOGNIZED) {
                throw invalid(field + ".messages[" + i + "].role must be one of ROLE_SYSTEM, ROLE_USER, "
                        + "ROLE_ASSISTANT, ROLE_TOOL, ROLE_DEVELOPER (got " + m.getRoleValue() + ")");
            }
        }
        GenerationParameters p = query.getParameters();
        if (p.hasTemperature() && !(Double.isFinite(p.getTemperature()) && p.getTemperature() >= 0)) {
            throw invalid(field + ".parameters.temperature must be a finite number >= 0 (got "
                    + p.getTemperature() + ")");
        }
        if (p.hasTopP() && !(Double.isFinite(p.getTopP()) && p.getTopP() >= 0 && p.getTopP() <= 1)) {
            throw invalid(field + ".parameters.top_p must be between 0 and 1 (got " + p.getTopP() + ")");
        }
        if (p.hasMaxTokens() && p.getMaxTokens() < 1) {
            throw invalid(field + ".parameters.max_tokens must be >= 1 when set (got " + p.getMaxTokens() + ")");
        }
        if (p.getResponseFormat().getType() == ResponseFormatType.UNRECOGNIZED) {
            throw invalid(field + ".parameters.response_format.type " + p.getResponseFormat().getTypeValue()
                    + " is not a known ResponseFormatType");
        }
    }

    public void validateStore(StoreRequest request) {
        if (!request.hasQuery()) {
            throw invalid("query is required");
        }
        validateQuery(request.getQuery(), "query");
        if (!request.hasAnswer()) {
            throw invalid("answer is required: only a real answer is cached");
        }
        CachedAnswer answer = request.getAnswer();
        if (answer.getContent().isBlank()) {
            throw invalid("answer.content is empty: an empty answer is never cached");
        }
        labels(request.getTagsList(), "tags", MAX_TAGS);
        labels(request.getDocumentIdsList(), "document_ids", MAX_DOCUMENTS);
        if (request.getTtlSeconds() < 0) {
            throw invalid("ttl_seconds must be >= 0 (0 means the service's default TTL), got "
                    + request.getTtlSeconds());
        }
    }

    public void validateInvalidate(InvalidateRequest request) {
        if (request.getTenantId().isEmpty()) {
            throw invalid("tenant_id is required: entries are only ever invalidated within one tenant");
        }
        validateTenant(request.getTenantId(), "tenant_id");
        String key = request.getCacheKey();
        if (!key.isEmpty() && !isSha256Hex(key)) {
            throw invalid("cache_key must be the 64 lowercase hex characters returned by Lookup or Store, "
                    + "or empty to remove every entry of the tenant");
        }
        boolean selectors = request.getTagsCount() > 0 || request.getDocumentIdsCount() > 0
                || request.getCreatedBeforeUnixMs() != 0;
        if (!key.isEmpty() && selectors) {
            throw invalid("give either cache_key or tags/document_ids/created_before_unix_ms, not both");
        }
        if (request.getCreatedBeforeUnixMs() < 0) {
            throw invalid("created_before_unix_ms must be a Unix time in ms (> 0), or 0 for no age selector");
        }
        labels(request.getTagsList(), "tags", MAX_TAGS);
        labels(request.getDocumentIdsList(), "document_ids", MAX_DOCUMENTS);
    }

    public void validateSemantic(SemanticOptions o, String field) {
        double t = o.getMinSimilarity();
        if (!(Double.isFinite(t) && t >= 0 && t <= 1)) {
            throw invalid(field + ".min_similarity must be between 0 and 1 (0 = from the policy), got " + t);
        }
    }

    private static void labels(java.util.List<String> values, String field, int max) {
        if (values.size() > max) {
            throw invalid(field + " has " + values.size() + " values; at most " + max);
        }
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v.isEmpty() || v.length() > MAX_LABEL_LENGTH) {
                throw invalid(field + "[" + i + "] must be 1.." + MAX_LABEL_LENGTH + " characters");
            }
        }
    }

    static void validateTenant(String tenant, String field) {
        if (tenant.length() > MAX_TENANT_LENGTH) {
            throw invalid(field + " is longer than " + MAX_TENANT_LENGTH + " characters");
        }
        for (int i = 0; i < tenant.length(); i++) {
            char c = tenant.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw invalid(field + " may only contain letters, digits, '.', '_' and '-' ([A-Za-z0-9._-]{1,128})");
            }
        }
    }

    static boolean isSha256Hex(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
