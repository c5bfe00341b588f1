import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Chooses how a filter is answered: by the _id index, by the most selective {@link OrderedIndex}
 * whose leading fields the filter constrains (equality, $in, a range), by a sparse index that lists the
 * documents having a field the filter asks {@code $exists: true} of, by an index whose order is the
 * requested sort (then only as many documents as the limit needs are read), or by a scan.
 *
 * <p>An index only narrows the candidates: the collection still matches every candidate against the
 * whole filter. So a plan must return a superset of the matching documents, never fewer; where that
 * cannot be shown (arrays compared whole, nulls, regular expressions, $or...) the field is not used.
 */
final class QueryPlanner {

    /** Combinations of $in values a compound index is probed with before its later fields are ignored. */
    private static final int MAX_PROBES = 1000;

    /**
     * Off: every filter is answered by a scan, as upstream does (the {@code meshPlanner} command
     * switches it, so that benchmarks compare both on the same data, side by side).
     */
    static volatile boolean enabled = true;

    private QueryPlanner() {
    }

    /** An aggregation's leading $match, for the collection it reads (see {@link #matchOfPipeline}). */
    private record PipelineMatch(String namespace, Document filter) {
    }

    private static final ThreadLocal<PipelineMatch> pipelineMatch = new ThreadLocal<>();

    /**
     * Runs an aggregate command with its leading {@code $match} known to the planner: the pipeline
     * reads its collection through a filterless query, which then plans with that filter instead
     * ({@code countDocuments} is such a pipeline). The stage still applies the filter itself.
     */
    static <T> T withPipelineMatch(String namespace, Object pipeline, java.util.function.Supplier<T> command) {
        if (!(pipeline instanceof List<?> stages) || stages.isEmpty() || !(stages.get(0) instanceof Document first)
                || !(first.get("$match") instanceof Document filter)) {
            return command.get();
        }
        pipelineMatch.set(new PipelineMatch(namespace, filter));
        try {
            return command.get();
        } finally {
            pipelineMatch.remove();
        }
    }

    /**
     * The filter a query of `namespace` may be answered with: its own, or for the filterless read
     * of an aggregation, the pipeline's leading $match (once: a later read, say a $lookup of the
     * same collection, reads everything as asked).
     */
    static Document matchOfPipeline(String namespace, Document query) {
        PipelineMatch pending = pipelineMatch.get();
        if (!query.isEmpty() || pending == null || !pending.namespace().equals(namespace)) {
            return query;
        }
        pipelineMatch.remove();
        return pending.filter();
    }

    /** An index's answer: candidate positions, and whether they already come in the requested order. */
    record Plan(String index, Iterable<Object> positions, boolean inRequestedOrder, long candidates) {
    }

    /** What a filter asks of one field that an index can use. */
    private static final class Condition {
        List<Object> equals;
        Object lower;
        Object upper;
        /** {@code $exists: true}: only a sparse index's documents can match ($exists: false never narrows). */
        boolean exists;

        /** Whether it bounds the field's key values (so an index can be walked over a range of keys). */
        boolean boundsKeys() {
            return equals != null || lower != null || upper != null;
        }

        boolean usable() {
            return boundsKeys() || exists;
        }
    }

    /** Null when no index applies and the collection must be scanned. */
    static Plan plan(Document query, Document orderBy, int limit, List<Index<Object>> indexes, Comparator<Object> positionOrder) {
        if (!enabled) {
            return null;
        }
        Map<String, Condition> conditions = conditionsOf(query);
        Plan byId = planById(conditions.get("_id"), indexes, positionOrder);
        if (byId != null) {
            return byId;
        }
        Plan best = null;
        Plan ordered = null;
        for (Index<Object> index : indexes) {
            if (!(index instanceof OrderedIndex ordered0)) {
                continue;
            }
            Plan present = planByPresence(ordered0, conditions);
            if (present != null && (best == null || present.candidates() < best.candidates())) {
                best = present;
            }
            Plan candidate = planWith(ordered0, conditions, orderBy, limit, best == null ? Long.MAX_VALUE : best.candidates());
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

    private static Map<String, Condition> conditionsOf(Document query) {
        Map<String, Condition> conditions = new LinkedHashMap<>();
        collect(query, conditions);
        return conditions;
    }

    private static void collect(Document query, Map<String, Condition> conditions) {
        for (Map.Entry<String, Object> entry : query.entrySet()) {
            String field = entry.getKey();
            if (field.equals("$and") && entry.getValue() instanceof Collection<?> clauses) {
                for (Object clause : clauses) {
                    if (clause instanceof Document document) {
                        collect(document, conditions);
                    }
                }
            } else if (!field.startsWith("$")) {
                Condition condition = conditionOf(entry.getValue());
                Condition earlier = conditions.get(field);
                // Two conditions on one field: either alone still gives a superset. Keep one that
                // bounds the keys if there is one, and what either says of existence.
                if (condition != null && (earlier == null || !earlier.boundsKeys() && condition.boundsKeys())) {
                    condition.exists |= earlier != null && earlier.exists;
                    conditions.put(field, condition);
                } else if (condition != null) {
                    earlier.exists |= condition.exists;
                }
            }
        }
    }

    private static Condition conditionOf(Object value) {
        Condition condition = new Condition();
        if (value instanceof Document operators) {
            if (operators.isEmpty() || !operators.keySet().stream().allMatch(key -> key.startsWith("$"))) {
                return null; // a whole embedded document: its field order matters; not used
            }
            for (Map.Entry<String, Object> operator : operators.entrySet()) {
                Object operand = operator.getValue();
                switch (operator.getKey()) {
                    case "$eq" -> {
                        if (isPlainValue(operand)) {
                            condition.equals = List.of(operand);
                        }
                    }
                    case "$in" -> {
                        if (condition.equals == null && operand instanceof Collection<?> values
                                && values.stream().allMatch(QueryPlanner::isPlainValue)) {
                            condition.equals = new ArrayList<>(values);
                        }
                    }
                    case "$gt", "$gte" -> {
                        if (isPlainValue(operand)) {
                            condition.lower = operand;
                        }
                    }
                    case "$lt", "$lte" -> {
                        if (isPlainValue(operand)) {
                            condition.upper = operand;
                        }
                    }
                    case "$exists" -> condition.exists = Utils.isTrue(operand); // as the matcher reads it
                    default -> {
                        // Other operators ($ne, $elemMatch...) narrow nothing here; the match applies them.
                    }
                }
            }
        } else if (isPlainValue(value)) {
            condition.equals = List.of(value);
        }
        return condition.usable() ? condition : null;
    }

    /** Values whose equality and order an index key shows faithfully (not null, arrays, documents, patterns). */
    private static boolean isPlainValue(Object value) {
        return value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof Instant
            || value instanceof Date || value instanceof ObjectId || value instanceof UUID;
    }

    private static Object normalized(Object value) {
        return new KeyValue(value).normalized().get(0);
    }

    private static Plan planById(Condition condition, List<Index<Object>> indexes, Comparator<Object> positionOrder) {
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
    private static Plan planByPresence(OrderedIndex index, Map<String, Condition> conditions) {
        if (!index.sparse() || !asksExistence(index, conditions)) {
            return null;
        }
        // The live set: the collection reads it whole before releasing its lock, which writers take.
        TreeSet<Object> positions = index.documentsWithField();
        return new Plan(index.getName(), positions, false, positions.size());
    }

    /** Whether the filter asks {@code $exists: true} of one of the index's fields. */
    private static boolean asksExistence(OrderedIndex index, Map<String, Condition> conditions) {
        for (IndexKey key : index.getKeys()) {
            Condition condition = conditions.get(key.getKey());
            if (condition != null && condition.exists) {
                return true;
            }
        }
        return false;
    }

    private static Plan planWith(OrderedIndex index, Map<String, Condition> conditions, Document orderBy, int limit, long bestSoFar) {
        List<IndexKey> keys = index.getKeys();
        List<List<Object>> prefix = new ArrayList<>();
        Condition range = null;
        long probes = 1;
        for (IndexKey key : keys) {
            Condition condition = conditions.get(key.getKey());
            if (condition == null || !condition.boundsKeys()) {
                break;
            }
            if (condition.equals != null) {
                if (probes * condition.equals.size() > MAX_PROBES) {
                    break;
                }
                probes *= condition.equals.size();
                prefix.add(condition.equals.stream().map(QueryPlanner::normalized).distinct().toList());
                continue;
            }
            range = condition;
            break;
        }
        boolean constrained = !prefix.isEmpty() || range != null;
        Boolean reverse = walkForOrder(index, prefix, orderBy);
        boolean sortable = reverse != null;
        if (!constrained && !(sortable && limit > 0)) {
            return null;
        }
        if (!constrained && index.sparse() && !asksExistence(index, conditions)) {
            return null; // a sparse index lacks documents without its fields: it cannot list them all
        }
        List<KeyValue[]> bounds = boundsOf(index, keys, prefix, range);
        bounds.removeIf(bound -> index.entries().comparator().compare(bound[0], bound[1]) > 0); // an empty range
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
            return new Plan(index.getName(), () -> flatten((reverse ? walked.descendingMap() : walked).values().iterator()), true, candidates);
        }
        TreeSet<Object> positions = new TreeSet<>(index.unkeyedDocuments());
        for (KeyValue[] bound : bounds) {
            entries.subMap(bound[0], true, bound[1], true).values().forEach(positions::addAll);
        }
        return new Plan(index.getName(), positions, false, candidates);
    }

    /** Inclusive map ranges (low, high probes), one per combination of the prefix's values. */
    private static List<KeyValue[]> boundsOf(OrderedIndex index, List<IndexKey> keys, List<List<Object>> prefix, Condition range) {
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
        List<KeyValue[]> bounds = new ArrayList<>();
        for (List<Object> combination : combinations) {
            List<Object> low = new ArrayList<>(combination);
            List<Object> high = new ArrayList<>(combination);
            if (range != null) {
                Object lower = range.lower == null ? null : normalized(range.lower);
                Object upper = range.upper == null ? null : normalized(range.upper);
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
        return bounds;
    }

    private static Object orElse(Object value, Object fallback) {
        return value != null ? value : fallback;
    }

    /**
     * How to walk the index so that it lists documents in the sort's order: forward (false),
     * backward (true), or not at all (null). The sort's fields, less those fixed by a single
     * equality, must be the index's remaining fields, all in its directions or all reversed; arrays
     * sort by their least or greatest element, so never a multikey index.
     */
    private static Boolean walkForOrder(OrderedIndex index, List<List<Object>> prefix, Document orderBy) {
        if (orderBy == null || orderBy.isEmpty() || index.isMultikey()) {
            return null;
        }
        List<IndexKey> keys = index.getKeys();
        Set<String> fixed = new java.util.HashSet<>();
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

    /** The positions of each entry in turn, read lazily, so that a limit stops the walk early. */
    private static Iterator<Object> flatten(Iterator<TreeSet<Object>> entries) {
        return new Iterator<>() {
            private Iterator<Object> current = java.util.Collections.emptyIterator();

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
