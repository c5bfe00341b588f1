import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Chooses how a filter is answered: by the _id index, by the most selective {@link OrderedIndex}
 * whose leading fields the filter constrains (equality, $in, a range: {@link KeyRangePlan}), by a
 * sparse index that lists the documents having a field the filter asks {@code $exists: true} of, by
 * an index whose order is the requested sort (then only as many documents as the limit needs are
 * read), or by a scan.
 *
 * <p>An index only narrows the candidates: the collection still matches every candidate against the
 * whole filter. So a plan must return a superset of the matching documents, never fewer; where that
 * cannot be shown (see {@link FieldCondition}) the field is not used.
 */
final class QueryPlanner {

    /**
     * Off: every filter is answered by a scan, as upstream does (the {@code meshPlanner} command
     * switches it, so that benchmarks compare both on the same data, side by side).
     */
    static volatile boolean enabled = true;

    private QueryPlanner() {
    }

    /** An index's answer: candidate positions, and whether they already come in the requested order. */
    record Plan(String index, Iterable<Object> positions, boolean inRequestedOrder, long candidates) {
    }

    /** Null when no index applies and the collection must be scanned. */
    static Plan plan(Document query, Document orderBy, int limit, List<Index<Object>> indexes, Comparator<Object> positionOrder) {
        if (!enabled) {
            return null;
        }
        Map<String, FieldCondition> conditions = FieldCondition.of(query);
        Plan byId = planById(conditions.get("_id"), indexes, positionOrder);
        if (byId != null) {
            return byId;
        }
        Plan best = null;
        Plan ordered = null;
        for (Index<Object> index : indexes) {
            if (!(index instanceof OrderedIndex orderedIndex)) {
                continue;
            }
            Plan present = planByPresence(orderedIndex, conditions);
            if (present != null && (best == null || present.candidates() < best.candidates())) {
                best = present;
            }
            Plan candidate = KeyRangePlan.of(orderedIndex, conditions, orderBy, limit, best == null ? Long.MAX_VALUE : best.candidates());
            if (candidate == null) {
                continue;
            }
            if (candidate.inRequestedOrder() && (ordered == null || candidate.candidates() < ordered.candidates())) {
                ordered = candidate;
            }
            if (best == null || candidate.candidates() < best.candidates()) {
                best = candidate;
            }
        }
        // An index in the sort's order reads only what the limit needs: worth a few more candidates.
        if (ordered != null && limit > 0 && best != null && ordered.candidates() <= 4 * best.candidates() + limit) {
            return ordered;
        }
        return best;
    }

    private static Plan planById(FieldCondition condition, List<Index<Object>> indexes, Comparator<Object> positionOrder) {
        if (condition == null || condition.equals == null) {
            return null;
        }
        for (Index<Object> index : indexes) {
            List<IndexKey> keys = index.getKeys();
            if (!(index instanceof OrderedIndex) && keys.size() == 1 && keys.get(0).getKey().equals("_id")) {
                Object probe = condition.equals.size() == 1 ? condition.equals.get(0) : new Document("$in", condition.equals);
                TreeSet<Object> positions = new TreeSet<>(positionOrder);
                index.getPositions(new Document("_id", probe)).forEach(positions::add);
                return new Plan(index.getName(), positions, false, positions.size());
            }
        }
        return null;
    }

    /**
     * A sparse index holds every document that has one of its fields, so it answers {@code $exists: true}
     * on any of them: the candidates are those documents, however many the collection holds besides.
     */
    private static Plan planByPresence(OrderedIndex index, Map<String, FieldCondition> conditions) {
        if (!index.sparse() || !asksExistence(index, conditions)) {
            return null;
        }
        // The live set: the collection reads it whole before releasing its lock, which writers take.
        TreeSet<Object> positions = index.documentsWithField();
        return new Plan(index.getName(), positions, false, positions.size());
    }

    /** Whether the filter asks {@code $exists: true} of one of the index's fields. */
    static boolean asksExistence(OrderedIndex index, Map<String, FieldCondition> conditions) {
        for (IndexKey key : index.getKeys()) {
            FieldCondition condition = conditions.get(key.getKey());
            if (condition != null && condition.exists) {
                return true;
            }
        }
        return false;
    }
}
