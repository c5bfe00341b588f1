import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Which of a stored collection's waiting indexes (see {@link UnbuiltIndexes}) an operation needs
 * built before it runs. Services' start-up sweeps (outbox relays, expiry jobs, price schedules) read
 * big collections by one field: building every index of such a collection cost the whole
 * collection's build on the mesh's start, where one index would do.
 */
@FunctionalInterface
interface IndexUse {

    /** Every index: what lists or counts indexes, a new or dropped index, the background warmer. */
    IndexUse ALL = all -> index -> true;

    /**
     * The unique indexes: a write's uniqueness is decided by them, and upstream finds a stored
     * document's position in them. Only {@link OrderedIndex} is known to be plain; others count as unique.
     */
    IndexUse UNIQUE = all -> IndexUse::isUnique;

    /** Which indexes to build, given all of the collection's (built and waiting). */
    Predicate<Index<Object>> among(List<Index<Object>> all);

    /**
     * The indexes {@link QueryPlanner} would most likely answer this filter and sort with: those whose
     * first field the filter bounds (or, sparse, whose field it asks to exist); when there are none,
     * those whose first field is the sort's first. The planner chooses among the built ones only, so a
     * filter no index helps builds nothing and is scanned, as it would be anyway.
     */
    static IndexUse toRead(Document filter, Document orderBy) {
        // Read only when something waits: a built collection's queries skip it (see MeshCollection.build).
        return all -> {
            Map<String, FieldCondition> conditions = filter == null ? Map.of() : FieldCondition.of(filter);
            String firstSortField = orderBy == null || orderBy.isEmpty() ? null : orderBy.keySet().iterator().next();
            Predicate<Index<Object>> narrows = index -> narrows(index, conditions);
            Predicate<Index<Object>> sorts = index -> firstKey(index).equals(firstSortField);
            return all.stream().anyMatch(narrows) ? narrows : sorts;
        };
    }

    /** A write's: the unique indexes, and those its filter (which documents it changes) is read with. */
    static IndexUse toWrite(Document filter, Document orderBy) {
        IndexUse read = toRead(filter, orderBy);
        return all -> read.among(all).or(IndexUse::isUnique);
    }

    private static boolean narrows(Index<Object> index, Map<String, FieldCondition> conditions) {
        FieldCondition leading = conditions.get(firstKey(index));
        if (leading != null && leading.boundsKeys()) {
            return true;
        }
        if (index instanceof OrderedIndex ordered && ordered.sparse()) {
            return QueryPlanner.asksExistence(ordered, conditions);
        }
        return false;
    }

    private static String firstKey(Index<Object> index) {
        List<IndexKey> keys = index.getKeys();
        return keys.isEmpty() ? "" : keys.get(0).getKey();
    }

    private static boolean isUnique(Index<Object> index) {
        return !(index instanceof OrderedIndex ordered) || ordered.uniqueness() != null;
    }
}
