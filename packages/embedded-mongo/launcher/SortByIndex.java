import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Whether walking an index lists documents in a requested sort's order, and in which direction. */
final class SortByIndex {

    private SortByIndex() {
    }

    /**
     * How to walk the index so that it lists documents in the sort's order: forward (false),
     * backward (true), or not at all (null). The sort's fields, less those fixed by a single
     * equality, must be the index's remaining fields, all in its directions or all reversed; arrays
     * sort by their least or greatest element, so never a multikey index.
     *
     * @param prefix the values the filter fixes the index's leading fields to, one list per field
     */
    static Boolean direction(OrderedIndex index, List<List<Object>> prefix, Document orderBy) {
        if (orderBy == null || orderBy.isEmpty() || index.isMultikey()) {
            return null;
        }
        List<IndexKey> keys = index.getKeys();
        Set<String> fixed = new HashSet<>();
        for (int i = 0; i < prefix.size(); i++) {
            if (prefix.get(i).size() != 1) {
                return null; // several values: each is its own run of the index
            }
            fixed.add(keys.get(i).getKey());
        }
        int position = prefix.size();
        Boolean reverse = null;
        for (Map.Entry<String, Object> sort : orderBy.entrySet()) {
            if (fixed.contains(sort.getKey())) {
                continue;
            }
            if (position >= keys.size() || !keys.get(position).getKey().equals(sort.getKey()) || !(sort.getValue() instanceof Number direction)) {
                return null;
            }
            boolean reversed = (direction.intValue() >= 0) != keys.get(position).isAscending();
            if (reverse != null && reverse != reversed) {
                return null;
            }
            reverse = reversed;
            position++;
        }
        // Documents equal on the sort's fields must still come in scan order, as a stable sort
        // leaves them: so the sort must run to the index's last field (ties then fall to _id order).
        if (position != keys.size()) {
            return null;
        }
        if (reverse == null) {
            return prefix.isEmpty() ? null : Boolean.FALSE; // every sort field fixed: any order is the sort's
        }
        return reverse;
    }
}
