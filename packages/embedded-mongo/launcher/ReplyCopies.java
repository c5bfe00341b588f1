import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The copies a query hands out instead of the stored documents (see EmbeddedMongo#snapshotBackend):
 * made once per returned document, after sort, skip, limit and projection, so a document that is
 * examined but not returned, and a field that the projection drops, is never copied.
 *
 * <p>Upstream's {@code Document.cloneDeeply} copies each map three times over (clone, putAll, put)
 * and its exclusion projection deep-copies the whole document before removing the excluded fields
 * (a stock level's long decision history, to drop it). {@link #of} copies each value once; a
 * projection that only excludes top-level fields is applied by that same copy.
 */
final class ReplyCopies {

    private ReplyCopies() {
    }

    /** A deep copy of the document: documents, lists and sets are new, other values are shared (as upstream's). */
    static Document of(Document document) {
        return without(document, Set.of());
    }

    /** A deep copy of the document without the given top-level fields. */
    static Document without(Document document, Set<String> excluded) {
        Document copy = new Document();
        for (Map.Entry<String, Object> entry : document.entrySet()) {
            if (!excluded.contains(entry.getKey())) {
                copy.put(entry.getKey(), copyOf(entry.getValue()));
            }
        }
        return copy;
    }

    private static Object copyOf(Object value) {
        if (value instanceof Document document) {
            return without(document, Set.of());
        }
        if (value instanceof List<?> values) {
            List<Object> copy = new ArrayList<>(values.size());
            for (Object element : values) {
                copy.add(copyOf(element));
            }
            return copy;
        }
        if (value instanceof Set<?> values) {
            Set<Object> copy = new LinkedHashSet<>();
            for (Object element : values) {
                copy.add(copyOf(element));
            }
            return copy;
        }
        return value;
    }

    /**
     * The fields a projection excludes when it only excludes top-level fields by 0 or false
     * ({@code { decisions: 0, _id: 0 }}); null for any other projection (none, inclusions, paths,
     * operators), which upstream's projection applies.
     */
    static Set<String> topLevelExclusions(Document fields) {
        if (fields == null || fields.isEmpty()) {
            return null;
        }
        Set<String> excluded = new HashSet<>();
        for (Map.Entry<String, Object> entry : fields.entrySet()) {
            String key = entry.getKey();
            Object value = entry.getValue();
            boolean plainExclusion = (value instanceof Number || value instanceof Boolean) && !Utils.isTrue(value);
            if (!plainExclusion || key.isEmpty() || key.contains(".") || key.startsWith("$")) {
                return null;
            }
            excluded.add(key);
        }
        return excluded;
    }
}
