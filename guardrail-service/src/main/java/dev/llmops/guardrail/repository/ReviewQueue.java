package dev.llmops.guardrail.repository;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import llmops.guardrail.v1.ReviewItem;
import llmops.guardrail.v1.ReviewState;

/**
 * The human review queue in Redis: each item a hash ({@code review:<id>}: state, tenant, body = ReviewItem protobuf),
 * indexed per tenant and state in sorted sets by creation time (oldest first). Every state change is one Lua script
 * that checks the current state, so two reviewers cannot both claim or decide one item. Durability is Redis's: in
 * production run it with AOF ({@code appendonly yes}, {@code appendfsync everysec} or {@code always}) and a replica,
 * or an escalated item can be lost with the server; these machines' Redis keeps nothing on disk.
 */
@Singleton
public class ReviewQueue {

    /** KEYS: item, from-index, to-index. ARGV: expected state(s) "a|b", new state, new body, id, score. */
    private static final String TRANSITION = """
            local state = redis.call('HGET', KEYS[1], 'state')
            if not state then return 'missing' end
            local ok = false
            for s in string.gmatch(ARGV[1], '[^|]+') do if s == state then ok = true end end
            if not ok then return state end
            redis.call('HSET', KEYS[1], 'state', ARGV[2], 'body', ARGV[3])
            redis.call('ZREM', KEYS[2], ARGV[4])
            redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
            return 'ok'
            """;

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;

    public ReviewQueue(ReactiveRedisDataSource redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** Queues a new pending item; returns it with its id. */
    public Uni<ReviewItem> enqueue(ReviewItem draft) {
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        ReviewItem item = draft.toBuilder().setReviewId(id).setState(ReviewState.REVIEW_STATE_PENDING)
                .setCreatedAtUnixMs(now).build();
        String itemKey = keys.review(id);
        return redis.execute("EVAL", """
                        redis.call('HSET', KEYS[1], 'state', ARGV[1], 'tenant', ARGV[2], 'body', ARGV[3])
                        redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
                        return 1
                        """, "2", itemKey, keys.reviewIndex(item.getTenantId(), ReviewState.REVIEW_STATE_PENDING.name()),
                ReviewState.REVIEW_STATE_PENDING.name(), item.getTenantId(), encode(item), Long.toString(now), id)
                .replaceWith(item);
    }

    public Uni<List<ReviewItem>> list(String tenant, ReviewState state, int limit) {
        return redis.sortedSet(String.class).zrange(keys.reviewIndex(tenant, state.name()), 0, limit - 1)
                .chain(ids -> {
                    if (ids.isEmpty()) {
                        return Uni.createFrom().item(List.<ReviewItem>of());
                    }
                    List<Uni<ReviewItem>> gets = new ArrayList<>();
                    for (String id : ids) {
                        gets.add(get(id).onFailure().recoverWithNull());
                    }
                    return Uni.join().all(gets).andFailFast().map(items -> items.stream()
                            .filter(java.util.Objects::nonNull).toList());
                });
    }

    public Uni<ReviewItem> get(String id) {
        return redis.hash(String.class, String.class, String.class).hget(keys.review(id), "body").map(body -> {
            if (body == null) {
                throw Status.NOT_FOUND.withDescription("no review item '" + id + "' (wrong id, or expired)")
                        .asRuntimeException();
            }
            return decode(body);
        });
    }

    public Uni<ReviewItem> claim(String id, String reviewer) {
        return transition(id, List.of(ReviewState.REVIEW_STATE_PENDING), ReviewState.REVIEW_STATE_CLAIMED,
                item -> item.toBuilder().setState(ReviewState.REVIEW_STATE_CLAIMED).setClaimedBy(reviewer)
                        .setClaimedAtUnixMs(System.currentTimeMillis()).build());
    }

    /**
     * Approve or reject. An item claimed by someone else cannot be decided by another reviewer; a pending item can be
     * decided directly (claim is implied).
     */
    public Uni<ReviewItem> decide(String id, String reviewer, boolean approve, String note) {
        ReviewState to = approve ? ReviewState.REVIEW_STATE_APPROVED : ReviewState.REVIEW_STATE_REJECTED;
        return get(id).chain(current -> {
            if (current.getState() == ReviewState.REVIEW_STATE_CLAIMED && !current.getClaimedBy().equals(reviewer)) {
                return Uni.createFrom().failure(Status.FAILED_PRECONDITION.withDescription("review " + id
                        + " is claimed by " + current.getClaimedBy() + "; only they can decide it").asRuntimeException());
            }
            return transition(id, List.of(ReviewState.REVIEW_STATE_PENDING, ReviewState.REVIEW_STATE_CLAIMED), to,
                    item -> {
                        ReviewItem.Builder b = item.toBuilder().setState(to).setDecidedBy(reviewer)
                                .setDecidedAtUnixMs(System.currentTimeMillis()).setNote(note);
                        if (item.getClaimedBy().isEmpty()) {
                            b.setClaimedBy(reviewer).setClaimedAtUnixMs(b.getDecidedAtUnixMs());
                        }
                        return b.build();
                    });
        });
    }

    private Uni<ReviewItem> transition(String id, List<ReviewState> from, ReviewState to,
            java.util.function.UnaryOperator<ReviewItem> change) {
        return get(id).chain(current -> {
            if (!from.contains(current.getState())) {
                return Uni.createFrom().failure(Status.FAILED_PRECONDITION.withDescription("review " + id + " is "
                        + current.getState() + "; it must be " + from).asRuntimeException());
            }
            ReviewItem next = change.apply(current);
            String expected = String.join("|", from.stream().map(Enum::name).toList());
            return redis.execute("EVAL", TRANSITION, "3", keys.review(id),
                            keys.reviewIndex(current.getTenantId(), current.getState().name()),
                            keys.reviewIndex(current.getTenantId(), to.name()),
                            expected, to.name(), encode(next), id, Long.toString(current.getCreatedAtUnixMs()))
                    .map(r -> {
                        String result = r.toString();
                        if (!"ok".equals(result)) {
                            throw Status.FAILED_PRECONDITION.withDescription("review " + id + " changed meanwhile (now "
                                    + result + "); list it again").asRuntimeException();
                        }
                        return next;
                    });
        });
    }

    private static String encode(ReviewItem item) {
        return Base64.getEncoder().encodeToString(item.toByteArray());
    }

    private static ReviewItem decode(String body) {
        try {
            return ReviewItem.parseFrom(Base64.getDecoder().decode(body));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored review item is unreadable", e);
        }
    }
}
