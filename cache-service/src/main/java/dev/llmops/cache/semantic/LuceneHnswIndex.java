package dev.llmops.cache.semantic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * HNSW nearest-neighbour search with Lucene: one in-memory index ({@link ByteBuffersDirectory}), a
 * {@link KnnFloatVectorField} per entry and the scope as a filter term. Lucene searches the graph with the filter,
 * and switches to an exact search of the filtered documents by itself when the filter is selective, so a small
 * scope stays exact. Changes become visible at the next search (near-real-time reopen when something changed).
 */
public final class LuceneHnswIndex implements VectorIndex {
    private static final String ID = "id";
    private static final String SCOPE = "scope";
    private static final String VECTOR = "v";

    private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final AtomicBoolean dirty = new AtomicBoolean();
    /** id -> expiry (ms); also the count of live entries. */
    private final ConcurrentHashMap<String, Long> expiries = new ConcurrentHashMap<>();

    public LuceneHnswIndex() {
        try {
            IndexWriterConfig cfg = new IndexWriterConfig();
            cfg.setRAMBufferSizeMB(64);
            writer = new IndexWriter(dir, cfg);
            searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String kind() {
        return "hnsw";
    }

    @Override
    public void add(String tenant, String hash, String scope, float[] vector, long expiresAtMs) {
        String id = tenant + '\n' + hash;
        Document d = new Document();
        d.add(new StringField(ID, id, Field.Store.YES));
        d.add(new StringField(SCOPE, scope, Field.Store.NO));
        d.add(new KnnFloatVectorField(VECTOR, vector, VectorSimilarityFunction.DOT_PRODUCT));
        try {
            writer.updateDocument(new Term(ID, id), d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        expiries.put(id, expiresAtMs);
        dirty.set(true);
    }

    @Override
    public boolean remove(String tenant, String hash) {
        String id = tenant + '\n' + hash;
        boolean was = expiries.remove(id) != null;
        try {
            writer.deleteDocuments(new Term(ID, id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dirty.set(true);
        return was;
    }

    @Override
    public int removeTenant(String tenant) {
        String prefix = tenant + '\n';
        int n = 0;
        for (String id : new ArrayList<>(expiries.keySet())) {
            if (id.startsWith(prefix)) {
                String hash = id.substring(prefix.length());
                if (remove(tenant, hash)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public List<Hit> search(String scope, float[] query, int k, long nowMs) {
        try {
            if (dirty.getAndSet(false)) {
                searchers.maybeRefreshBlocking();
            }
            IndexSearcher s = searchers.acquire();
            try {
                // Ask for a few more than k: expired ones are skipped below.
                int want = k + 4;
                TopDocs top = s.search(new KnnFloatVectorQuery(VECTOR, query, want,
                        new TermQuery(new Term(SCOPE, scope))), want);
                StoredFields stored = s.storedFields();
                List<Hit> out = new ArrayList<>(k);
                for (ScoreDoc sd : top.scoreDocs) {
                    String id = stored.document(sd.doc).get(ID);
                    Long exp = expiries.get(id);
                    if (exp == null || exp <= nowMs) {
                        continue;
                    }
                    int nl = id.indexOf('\n');
                    // Lucene's DOT_PRODUCT score is (1 + cos) / 2.
                    out.add(new Hit(id.substring(0, nl), id.substring(nl + 1), 2.0 * sd.score - 1.0));
                    if (out.size() == k) {
                        break;
                    }
                }
                return out;
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes every add visible and merges nothing further (used after a bulk rebuild). */
    public void refresh() {
        try {
            searchers.maybeRefreshBlocking();
            dirty.set(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int size() {
        return expiries.size();
    }

    @Override
    public long memoryBytes() {
        long files = 0;
        try {
            for (String f : dir.listAll()) {
                files += dir.fileLength(f);
            }
        } catch (IOException e) {
            // a file merged away while listing: count what was seen
        }
        return files + writer.ramBytesUsed() + expiries.size() * 120L;
    }
}
