import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a filter asks of one field that an index can use: values it must equal, bounds of a range,
 * or that it exists. Anything an index key cannot show faithfully (arrays compared whole, nulls,
 * regular expressions, $or, $ne...) is left out: the collection's match still applies it.
 */
final class FieldCondition {
    List<Object> equals;
    Object lower;
    Object upper;
    /** {@code $exists: true}: only a sparse index's documents can match ($exists: false never narrows). */
    boolean exists;

    /** Whether it bounds the field's key values (so an index can be walked over a range of keys). */
    boolean boundsKeys() {
        return equals != null || lower != null || upper != null;
    }

    private boolean usable() {
        return boundsKeys() || exists;
    }

    /** The usable condition on each field a filter (and its top-level $and) constrains. */
    static Map<String, FieldCondition> of(Document query) {
        Map<String, FieldCondition> conditions = new LinkedHashMap<>();
        collect(query, conditions);
        return conditions;
    }

    private static void collect(Document query, Map<String, FieldCondition> conditions) {
        for (Map.Entry<String, Object> entry : query.entrySet()) {
            String field = entry.getKey();
            if (field.equals("$and") && entry.getValue() instanceof Collection<?> clauses) {
                for (Object clause : clauses) {
                    if (clause instanceof Document document) {
                        collect(document, conditions);
                    }
                }
            } else if (!field.startsWith("$")) {
                FieldCondition condition = parse(entry.getValue());
                FieldCondition earlier = conditions.get(field);
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

    private static FieldCondition parse(Object value) {
        FieldCondition condition = new FieldCondition();
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
                                && values.stream().allMatch(FieldCondition::isPlainValue)) {
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

    /** A value as index keys hold it (numbers of every type compare alike). */
    static Object normalized(Object value) {
        return new KeyValue(value).normalized().get(0);
    }
}
