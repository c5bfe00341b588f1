import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import org.h2.mvstore.MVMap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * An H2 collection that answers queries from our indexes ({@link QueryPlanner}), returns copies of
 * its documents ({@link ReplyCopies}), and builds the indexes of a stored collection only when an
 * operation first needs them ({@link UnbuiltIndexes}, {@link IndexUse}): opening a kept store then
 * costs no index build, and an index nobody reads with costs nothing until the warmer gets to it.
 *
 * <p>Every operation builds the waiting indexes it needs first, under the collection's lock, which
 * writes and queries also hold: a query that arrives during a build waits for it.
 */
class MeshCollection extends H2Collection {

    private final String namespace;
    private final Comparator<Object> positionOrder;
    private final UnbuiltIndexes unbuilt;

    /**
     * @param opening true while the database is opening its stored collections: indexes declared then
     *     were built (and their uniqueness checked) when they were created, so they wait for first use
     */
    MeshCollection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> data,
            MVMap<String, Object> meta, CursorRegistry cursorRegistry, String namespace, BooleanSupplier opening) {
        super(database, name, options, data, meta, cursorRegistry);
        this.namespace = namespace;
        this.positionOrder = data.getKeyType()::compare;
        this.unbuilt = new UnbuiltIndexes(opening);
    }

    /** Builds every index that waits for first use (later calls return at once). */
    void buildIndexes() {
        build(IndexUse.ALL, true);
    }

    /** Builds them for {@link IndexWarmer}, which is no client's first use. */
    void warmIndexes() {
        build(IndexUse.ALL, false);
    }

    /** Builds the waiting indexes an operation needs (see {@link IndexUse}). */
    private void buildFor(IndexUse use) {
        build(use, true);
    }

    private void build(IndexUse use, boolean firstUse) {
        if (unbuilt.isEmpty()) {
            return;
        }
        synchronized (this) {
            List<Index<Object>> all = new ArrayList<>(super.getIndexes());
            all.addAll(unbuilt.waiting());
            List<Index<Object>> built = unbuilt.build(this, this::streamAllDocumentsWithPosition, use.among(all));
            for (Index<Object> index : built) {
                super.addIndex(index); // already filled: upstream only appends it
            }
            if (firstUse && !built.isEmpty()) {
                IndexWarmer.firstUse();
            }
        }
    }

    // Indexes declared while the store opens wait; one declared again (createIndex with the same name
    // and options, as every service does when it connects) does not force the build; a new one does,
    // as its build must check the documents now. The build reads every document: writes wait for it.
    @Override
    public synchronized void addIndex(Index<Object> index) {
        boolean nothingWaited = unbuilt.isEmpty();
        if (unbuilt.defer(index)) {
            if (nothingWaited && !unbuilt.isEmpty()) {
                IndexWarmer.register(this);
            }
            return;
        }
        buildIndexes();
        super.addIndex(index);
    }

    @Override
    public synchronized void dropIndex(String indexName) {
        if (!unbuilt.drop(indexName)) {
            buildIndexes();
            super.dropIndex(indexName);
        }
    }

    @Override
    public List<Index<Object>> getIndexes() {
        buildIndexes();
        return super.getIndexes();
    }

    @Override
    public void addDocument(Document document) {
        buildFor(IndexUse.UNIQUE);
        super.addDocument(document);
    }

    @Override
    public void addDocuments(Stream<Document> documents) {
        buildFor(IndexUse.UNIQUE);
        super.addDocuments(documents);
    }

    @Override
    public List<Document> insertDocuments(List<Document> documents, boolean isOrdered) {
        buildFor(IndexUse.UNIQUE);
        return super.insertDocuments(documents, isOrdered);
    }

    @Override
    public void removeDocument(Document document) {
        buildFor(IndexUse.UNIQUE);
        super.removeDocument(document);
    }

    @Override
    public int deleteDocuments(Document selector, int limit, Oplog oplog) {
        buildFor(IndexUse.toWrite(selector, null));
        return super.deleteDocuments(selector, limit, oplog);
    }

    @Override
    public Document updateDocuments(Document selector, Document updateQuery, ArrayFilters arrayFilters,
            boolean isMulti, boolean isUpsert, Oplog oplog) {
        buildFor(IndexUse.toWrite(selector, null));
        return super.updateDocuments(selector, updateQuery, arrayFilters, isMulti, isUpsert, oplog);
    }

    @Override
    public Document findAndModify(Document query) {
        buildFor(IndexUse.toWrite(asDocument(query.get("query")), asDocument(query.get("sort"))));
        return super.findAndModify(query);
    }

    // Queries, counts and distinct values read through queryDocuments, which builds what they need:
    // an empty filter builds nothing (every service's seed counts its biggest collections at start-up).

    @Override
    public Document getStats() {
        buildIndexes();
        return super.getStats();
    }

    @Override
    public Document validate() {
        buildIndexes();
        return super.validate();
    }

    @Override
    protected QueryResult queryDocuments(Document filter, Document orderBy, int skip, int limit,
            int batchSize, Document fieldSelector) {
        Document query = PipelineMatch.filterFor(namespace, filter);
        buildFor(IndexUse.toRead(query, orderBy));
        synchronized (this) { // reentrant: the writes and reads that call this hold it already
            long started = System.nanoTime();
            // The built indexes only: those still waiting are no use to this filter.
            QueryPlanner.Plan plan = isNaturalDescending(orderBy) ? null
                : QueryPlanner.plan(query, orderBy, limit, super.getIndexes(), positionOrder);
            if (plan == null) {
                long examined = count();
                QueryResult result = matchDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
                QueryStats.record(namespace, "COLLSCAN", 0, examined, sizeOf(result), started, query, orderBy);
                return result;
            }
            long[] examined = {0};
            Iterable<Object> positions = () -> new Iterator<>() {
                private final Iterator<Object> walked = plan.positions().iterator();

                @Override
                public boolean hasNext() {
                    return walked.hasNext();
                }

                @Override
                public Object next() {
                    examined[0]++;
                    return walked.next();
                }
            };
            QueryResult result = matchDocuments(query, positions, plan.inRequestedOrder() ? null : orderBy,
                skip, limit, batchSize, fieldSelector);
            QueryStats.record(namespace, plan.index(), plan.candidates(), examined[0], sizeOf(result), started, query, orderBy);
            return result;
        }
    }

    // Matching, sorting and projection read the stored documents; what a query returns is copied
    // once, at the end (ReplyCopies), also for the cursor's rest.
    @Override
    protected QueryResult matchDocumentsFromStream(Document query, Stream<Document> documents,
            int skip, int limit, int batchSize, Comparator<Document> order, Document fields) {
        Stream<Document> matched = documents
            .filter(document -> document != null && documentMatchesQuery(document, query));
        Set<String> excluded = ReplyCopies.topLevelExclusions(fields);
        if (excluded == null) { // already matched: upstream's pass need not match again
            return super.matchDocumentsFromStream(MATCH_ALL, matched, skip, limit, batchSize, order, fields);
        }
        if (order != null) {
            matched = matched.sorted(order);
        }
        if (skip > 0) {
            matched = matched.skip(skip);
        }
        if (limit > 0) {
            matched = matched.limit(limit);
        }
        List<Document> projected = matched.map(document -> ReplyCopies.without(document, excluded)).toList();
        return super.createQueryResult(new ArrayList<>(projected), batchSize);
    }

    @Override
    protected QueryResult createQueryResult(List<Document> matchedDocuments, int batchSize) {
        List<Document> copies = new ArrayList<>(matchedDocuments.size());
        for (Document document : matchedDocuments) {
            copies.add(ReplyCopies.of(document));
        }
        return super.createQueryResult(copies, batchSize);
    }

    private static Document asDocument(Object value) {
        return value instanceof Document document ? document : null;
    }

    /** The empty filter: every document matches it. */
    private static final Document MATCH_ALL = new Document();

    /** Documents in a query's first batch (what it returned at once). */
    private static long sizeOf(QueryResult result) {
        long size = 0;
        for (Document ignored : result) {
            size++;
        }
        return size;
    }
}
