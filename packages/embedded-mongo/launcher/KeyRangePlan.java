import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeSet;

/**
 * Plans a filter with one {@link OrderedIndex} by its keys: the leading fields the filter fixes
 * (equality, $in) and a range on the field after them, or an index walk in the sort's order.
 */
final class KeyRangePlan {

    /** Combinations of $in values a compound index is probed with before its later fields are ignored. */
    private static final int MAX_PROBES = 1000;

    private KeyRangePlan() {
    }

    /**
     * Null when the index cannot narrow the filter, cannot give the sort's order with a limit, or
     * would give more candidates than `bestSoFar` (another index's).
     */
    static QueryPlanner.Plan of(OrderedIndex index, Map<String, FieldCondition> conditions, Document orderBy, int limit, long bestSoFar) {
        List<IndexKey> keys = index.getKeys();
        List<List<Object>> prefix = new ArrayList<>();
        FieldCondition range = null;
        long probes = 1;
        for (IndexKey key : keys) {
            FieldCondition condition = conditions.get(key.getKey());
            if (condition == null || !condition.boundsKeys()) {
                break;
            }
            if (condition.equals != null) {
                if (probes * condition.equals.size() > MAX_PROBES) {
                    break;
                }
                probes *= condition.equals.size();
                prefix.add(condition.equals.stream().map(FieldCondition::normalized).distinct().toList());
                continue;
            }
            range = condition;
            break;
        }
        boolean constrained = !prefix.isEmpty() || range != null;
        Boolean reverse = SortByIndex.direction(index, prefix, orderBy);
        boolean sortable = reverse != null;
        if (!constrained && !(sortable && limit > 0)) {
            return null;
        }
        if (!constrained && index.sparse() && !QueryPlanner.asksExistence(index, conditions)) {
            return null; // a sparse index lacks documents without its fields: it cannot list them all
        }
        List<KeyValue[]> bounds = KeyRanges.of(index, prefix, range);
        NavigableMap<KeyValue, TreeSet<Object>> entries = index.entries();
        long candidates = 0;
        for (KeyValue[] bound : bounds) {
            for (TreeSet<Object> positions : entries.subMap(bound[0], true, bound[1], true).values()) {
                candidates += positions.size();
                if (candidates > bestSoFar && !(sortable && limit > 0)) {
                    return null; // another index already narrows more
                }
            }
        }
        candidates += index.unkeyedDocuments().size();
        if (sortable && bounds.size() == 1 && index.unkeyedDocuments().isEmpty()) {
            NavigableMap<KeyValue, TreeSet<Object>> walked = entries.subMap(bounds.get(0)[0], true, bounds.get(0)[1], true);
            return new QueryPlanner.Plan(index.getName(), () -> flatten((reverse ? walked.descendingMap() : walked).values().iterator()), true, candidates);
        }
        TreeSet<Object> positions = new TreeSet<>(index.unkeyedDocuments());
        for (KeyValue[] bound : bounds) {
            entries.subMap(bound[0], true, bound[1], true).values().forEach(positions::addAll);
        }
        return new QueryPlanner.Plan(index.getName(), positions, false, candidates);
    }

    /** The positions of each entry in turn, read lazily, so that a limit stops the walk early. */
    private static Iterator<Object> flatten(Iterator<TreeSet<Object>> entries) {
        return new Iterator<>() {
            private Iterator<Object> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && entries.hasNext()) {
                    current = entries.next().iterator();
                }
                return current.hasNext();
            }

            @Override
            public Object next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
