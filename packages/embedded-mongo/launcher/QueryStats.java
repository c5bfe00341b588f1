import de.bwaldvogel.mongo.bson.Document;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the server's queries cost, per collection: how many were answered from an index and how many
 * by a scan, the documents and index keys they examined (MongoDB's totalDocsExamined and
 * totalKeysExamined) and the documents they returned. Read with the command
 * {@code { meshQueryStats: 1 }} (on any database but admin; {@code reset: true} zeroes the counters). Queries
 * slower than {@code --slow-ms} are written to stderr, one line each. The answer also carries the JVM's
 * garbage collections since it started ({@code gc}), which {@code reset} leaves alone.
 */
final class QueryStats {

    private static final class Counters {
        final AtomicLong indexed = new AtomicLong();
        final AtomicLong scans = new AtomicLong();
        final AtomicLong docsExamined = new AtomicLong();
        final AtomicLong keysExamined = new AtomicLong();
        final AtomicLong returned = new AtomicLong();
        /** Passes over a stored collection's documents that built waiting indexes (see UnbuiltIndexes). */
        final AtomicLong indexBuilds = new AtomicLong();
        /** Indexes those passes built: each waiting index is built once. */
        final AtomicLong indexesBuilt = new AtomicLong();
        volatile String lastPlan = "";

        Document toDocument() {
            return new Document("indexed", indexed.get())
                .append("scans", scans.get())
                .append("docsExamined", docsExamined.get())
                .append("keysExamined", keysExamined.get())
                .append("returned", returned.get())
                .append("indexBuilds", indexBuilds.get())
                .append("indexesBuilt", indexesBuilt.get())
                .append("lastPlan", lastPlan);
        }
    }

    private static final Map<String, Counters> byNamespace = new ConcurrentHashMap<>();
    private static volatile long slowNanos = Long.MAX_VALUE;

    private QueryStats() {
    }

    static void logQueriesSlowerThan(long millis) {
        slowNanos = millis * 1_000_000L;
    }

    /** Records one query; `plan` is the index name, or COLLSCAN. */
    static void record(String namespace, String plan, long keysExamined, long docsExamined, long returned,
            long startedNanos, Document filter, Document sort) {
        Counters counters = byNamespace.computeIfAbsent(namespace, ignored -> new Counters());
        (plan.equals("COLLSCAN") ? counters.scans : counters.indexed).incrementAndGet();
        counters.keysExamined.addAndGet(keysExamined);
        counters.docsExamined.addAndGet(docsExamined);
        counters.returned.addAndGet(returned);
        counters.lastPlan = plan;
        long elapsed = System.nanoTime() - startedNanos;
        if (elapsed >= slowNanos) {
            System.err.printf("SLOW %d ms %s plan=%s keysExamined=%d docsExamined=%d returned=%d filter=%s sort=%s%n",
                elapsed / 1_000_000L, namespace, plan, keysExamined, docsExamined, returned, shapeOf(filter), shapeOf(sort));
        }
    }

    /** Records that some of a collection's waiting indexes were built in one pass (see UnbuiltIndexes). */
    static void recordIndexBuild(String namespace, int indexes) {
        Counters counters = byNamespace.computeIfAbsent(namespace, ignored -> new Counters());
        counters.indexBuilds.incrementAndGet();
        counters.indexesBuilt.addAndGet(indexes);
    }

    /** The filter's fields and operators without its values (values may be personal data). */
    private static String shapeOf(Object value) {
        if (value instanceof Document document) {
            StringBuilder shape = new StringBuilder("{");
            for (Map.Entry<String, Object> entry : document.entrySet()) {
                if (shape.length() > 1) {
                    shape.append(", ");
                }
                shape.append(entry.getKey()).append(": ").append(shapeOf(entry.getValue()));
            }
            return shape.append('}').toString();
        }
        if (value instanceof java.util.Collection<?> values) {
            return values.isEmpty() ? "[]" : "[" + shapeOf(values.iterator().next()) + ", ...]";
        }
        return value == null ? "null" : "?";
    }

    /** The answer to {@code meshQueryStats}: totals, and one entry per namespace. */
    static Document snapshot(boolean reset) {
        Document namespaces = new Document();
        Counters total = new Counters();
        for (Map.Entry<String, Counters> entry : new TreeMap<>(byNamespace).entrySet()) {
            Counters counters = entry.getValue();
            namespaces.put(entry.getKey(), counters.toDocument());
            total.indexed.addAndGet(counters.indexed.get());
            total.scans.addAndGet(counters.scans.get());
            total.docsExamined.addAndGet(counters.docsExamined.get());
            total.keysExamined.addAndGet(counters.keysExamined.get());
            total.returned.addAndGet(counters.returned.get());
            total.indexBuilds.addAndGet(counters.indexBuilds.get());
            total.indexesBuilt.addAndGet(counters.indexesBuilt.get());
        }
        if (reset) {
            byNamespace.clear();
        }
        Document totals = total.toDocument();
        totals.remove("lastPlan");
        return new Document("totals", totals).append("namespaces", namespaces).append("gc", garbageCollections()).append("ok", 1.0);
    }

    /**
     * The JVM's collections since it started, and the heap in use. The server holds its data in the heap,
     * and a collection pauses every command in flight, so the benchmark reports them beside throughput.
     */
    private static Document garbageCollections() {
        long collections = 0;
        long millis = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, collector.getCollectionCount());
            millis += Math.max(0, collector.getCollectionTime());
        }
        long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new Document("collections", collections).append("millis", millis).append("heapUsedMb", heapUsed >> 20);
    }
}
