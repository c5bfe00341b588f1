import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.ObjectId;

import java.time.Instant;

/**
 * MongoDB's order of two values, as {@link ValueComparator} decides it, without its type lookup
 * when both are of one common key type. Upstream finds a value's type rank by walking a list of
 * classes with {@code isAssignableFrom}, twice per comparison: rebuilding the indexes of a kept
 * data set spent a quarter of the launcher's start there. Within one of these types upstream
 * compares exactly as below (String.compareTo, ObjectId.compareTo, Long.compare of integral
 * numbers, Instant.compareTo); every other pair goes to the comparator.
 */
final class SameTypeOrder {

    private SameTypeOrder() {
    }

    /** What {@link #ofCommonType} returns for a pair it does not decide. */
    static final int UNDECIDED = Integer.MIN_VALUE;

    static int compare(ValueComparator values, Object a, Object b) {
        int order = ofCommonType(a, b);
        return order != UNDECIDED ? order : values.compare(a, b);
    }

    /**
     * The order of two values of one of the common types, or {@link #UNDECIDED}. H2's
     * ObjectDataType orders these types the same way (its string, integer and long types, and
     * compareTo for other Comparable values of one class), so {@link PositionKeyType} uses it too.
     */
    static int ofCommonType(Object a, Object b) {
        Class<?> type = a != null && b != null ? a.getClass() : null;
        if (type == null || type != b.getClass()) {
            return UNDECIDED;
        }
        if (type == String.class) {
            return ((String) a).compareTo((String) b);
        }
        if (type == ObjectId.class) {
            return ((ObjectId) a).compareTo((ObjectId) b);
        }
        if (type == Integer.class) {
            return Integer.compare((Integer) a, (Integer) b);
        }
        if (type == Long.class) {
            return Long.compare((Long) a, (Long) b);
        }
        if (type == Instant.class) {
            return ((Instant) a).compareTo((Instant) b);
        }
        return UNDECIDED;
    }
}
