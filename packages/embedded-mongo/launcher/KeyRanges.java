import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;

import java.util.ArrayList;
import java.util.List;

/** The ranges of an {@link OrderedIndex}'s keys that hold every document a filter can match. */
final class KeyRanges {

    private KeyRanges() {
    }

    /**
     * Inclusive ranges (low, high probes), one per combination of the prefix's values, each bounded
     * on the next field by `range` when there is one, and open on the fields after.
     */
    static List<KeyValue[]> of(OrderedIndex index, List<List<Object>> prefix, FieldCondition range) {
        List<IndexKey> keys = index.getKeys();
        List<KeyValue[]> bounds = new ArrayList<>();
        for (List<Object> combination : combinations(prefix)) {
            List<Object> low = new ArrayList<>(combination);
            List<Object> high = new ArrayList<>(combination);
            if (range != null) {
                Object lower = range.lower == null ? null : FieldCondition.normalized(range.lower);
                Object upper = range.upper == null ? null : FieldCondition.normalized(range.upper);
                // An array can meet each side of a range with another element: keep one side only.
                if (index.isMultikey() && lower != null) {
                    upper = null;
                }
                boolean ascending = keys.get(combination.size()).isAscending();
                low.add(ascending ? orElse(lower, OrderedIndex.LOWEST) : orElse(upper, OrderedIndex.LOWEST));
                high.add(ascending ? orElse(upper, OrderedIndex.HIGHEST) : orElse(lower, OrderedIndex.HIGHEST));
            }
            while (low.size() < keys.size()) {
                low.add(OrderedIndex.LOWEST);
                high.add(OrderedIndex.HIGHEST);
            }
            bounds.add(new KeyValue[] {new KeyValue(low), new KeyValue(high)});
        }
        bounds.removeIf(bound -> index.entries().comparator().compare(bound[0], bound[1]) > 0); // an empty range
        return bounds;
    }

    /** Every choice of one value per field, in order. */
    private static List<List<Object>> combinations(List<List<Object>> prefix) {
        List<List<Object>> combinations = new ArrayList<>();
        combinations.add(new ArrayList<>());
        for (List<Object> values : prefix) {
            List<List<Object>> next = new ArrayList<>();
            for (List<Object> combination : combinations) {
                for (Object value : values) {
                    List<Object> extended = new ArrayList<>(combination);
                    extended.add(value);
                    next.add(extended);
                }
            }
            combinations = next;
        }
        return combinations;
    }

    private static Object orElse(Object value, Object fallback) {
        return value != null ? value : fallback;
    }
}
