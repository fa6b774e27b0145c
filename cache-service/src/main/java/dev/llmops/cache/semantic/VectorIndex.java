package dev.llmops.cache.semantic;

import java.util.List;

/**
 * The in-memory nearest-neighbour index of one replica. Entries are identified by tenant + canonical key and
 * searched only within one scope (the scope hash includes the tenant), so a search can never return another
 * tenant's or another scope's entry. Vectors are unit length; scores are cosine similarities. Thread-safe.
 */
public interface VectorIndex {

    /** Adds or replaces the entry. */
    void add(String tenant, String hash, String scope, float[] vector, long expiresAtMs);

    /** Removes the entry; true when it was there. */
    boolean remove(String tenant, String hash);

    /** Removes every entry of the tenant; returns how many. */
    int removeTenant(String tenant);

    /** Up to k entries of the scope, best first, skipping those expired at nowMs. */
    List<Hit> search(String scope, float[] query, int k, long nowMs);

    int size();

    /** Approximate heap bytes held by vectors and structures. */
    long memoryBytes();

    /** The name used in metrics and config ("scan", "hnsw"). */
    String kind();

    record Hit(String tenant, String hash, double similarity) {
    }
}
