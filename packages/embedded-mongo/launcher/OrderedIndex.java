import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.DefaultQueryMatcher;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.KeyConstraintError;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A declared index kept in memory as an ordered map from key values to the positions (the _id
 * values) of the documents that have them, so that queries can be answered from it (see
 * {@link QueryPlanner}). It starts empty, is filled from the stored documents when a collection opens
 * (or the index is created), and is kept in step with every write by the collection, under the
 * collection's lock.
 *
 * <p>For a unique index it wraps a {@link HashUniqueIndex}, which decides uniqueness (E11000) by
 * upstream's rules; this class only adds the ordered map beside it.
 */
final class OrderedIndex extends Index<Object> {

    /** Sorts below every key value (a range's open lower end). */
    static final Object LOWEST = new Object() {
        @Override
        public String toString() {
            return "LOWEST";
        }
    };
    /** Sorts above every key value (a range's open upper end). */
    static final Object HIGHEST = new Object() {
        @Override
        public String toString() {
            return "HIGHEST";
        }
    };

    private final Index<Object> uniqueness;
    private final boolean declaredSparse;
    private final Comparator<Object> positionOrder;
    private final TreeMap<KeyValue, TreeSet<Object>> entries;
    /**
     * A sparse index's documents, in scan order: those that have at least one of its fields. It answers
     * {@code $exists: true}, which key entries cannot (an empty array has a field but no key).
     */
    private final TreeSet<Object> withField;
    /** Documents no key describes faithfully (see {@link UnkeyedPaths}): a candidate for every query. */
    private final TreeSet<Object> unkeyed;
    private long entryCount;
    /** Whether any document had an array on an indexed path: then order and two-sided ranges are unsafe. */
    private boolean multikey;

    /**
     * @param uniqueness the unique index to delegate uniqueness to, or null for a plain index
     * @param positionOrder the collection's storage order of positions (its scan order)
     */
    OrderedIndex(String name, List<IndexKey> keys, boolean sparse, Index<Object> uniqueness, Comparator<Object> positionOrder) {
        super(name, keys, sparse);
        this.uniqueness = uniqueness;
        this.declaredSparse = sparse;
        this.positionOrder = positionOrder;
        this.entries = new TreeMap<>(keyOrder(keys));
        this.withField = new TreeSet<>(positionOrder);
        this.unkeyed = new TreeSet<>(positionOrder);
    }

    /** Component by component in each key's declared direction, in MongoDB's order of values. */
    private static Comparator<KeyValue> keyOrder(List<IndexKey> keys) {
        ValueComparator values = ValueComparator.asc();
        return (left, right) -> {
            for (int i = 0; i < keys.size(); i++) {
                Object a = left.get(i);
                Object b = right.get(i);
                int order;
                if (a == b) {
                    order = 0;
                } else if (a == LOWEST || b == HIGHEST) {
                    return -1;
                } else if (a == HIGHEST || b == LOWEST) {
                    return 1;
                } else {
                    order = keys.get(i).isAscending() ? SameTypeOrder.compare(values, a, b) : SameTypeOrder.compare(values, b, a);
                }
                if (order != 0) {
                    return order;
                }
            }
            return 0;
        };
    }

    boolean isMultikey() {
        return multikey;
    }

    boolean sparse() {
        return declaredSparse;
    }

    NavigableMap<KeyValue, TreeSet<Object>> entries() {
        return entries;
    }

    Comparator<Object> positionOrder() {
        return positionOrder;
    }

    /**
     * For a sparse index, every document that matches {@code {field: {$exists: true}}} for one of its
     * fields, in scan order. Read it under the collection's lock (writes change it).
     */
    TreeSet<Object> documentsWithField() {
        return withField;
    }

    /** Documents to add to the candidates of any range of keys (nearly always none). */
    TreeSet<Object> unkeyedDocuments() {
        return unkeyed;
    }

    /** Where the collection keeps the document: H2Collection stores it under its _id. */
    static Object positionOf(Document document) {
        return Missing.ofNullable(document.get("_id"));
    }

    /**
     * A sparse index leaves out documents that have none of its fields (null counts as having one).
     * "Has" is decided by the query matcher's own {@code $exists}, so that the index holds exactly the
     * documents a scan would find with it, also through arrays ({@code 'pendingEvents.id'} in
     * {@code pendingEvents: [{id: 1}]}; not in {@code pendingEvents: []}).
     */
    private boolean skips(Document document) {
        if (!declaredSparse) {
            return false;
        }
        DefaultQueryMatcher matcher = new DefaultQueryMatcher(); // keeps state while matching: one per call
        for (IndexKey key : getKeys()) {
            if (matcher.matches(document, new Document(key.getKey(), new Document("$exists", true)))) {
                return false;
            }
        }
        return true;
    }

    /** Adds the document's keys; {@code computedKeys} are its key values if the caller has them, else null. */
    void index(Document document, Object position, Set<KeyValue> computedKeys) {
        if (skips(document)) {
            return;
        }
        if (declaredSparse) {
            withField.add(position);
        }
        for (IndexKey key : getKeys()) {
            if (Utils.getSubdocumentValueCollectionAware(document, key.getKey()) instanceof Collection) {
                multikey = true;
            }
            if (UnkeyedPaths.reachesPastKeys(document, key.getKey())) {
                unkeyed.add(position);
                multikey = true; // arrays on the path: never walked for order
            }
        }
        Set<KeyValue> keyValues = computedKeys != null ? computedKeys : getKeyValues(document);
        for (KeyValue keyValue : keyValues) {
            if (entries.computeIfAbsent(keyValue, ignored -> new TreeSet<>(positionOrder)).add(position)) {
                entryCount++;
            }
        }
    }

    private boolean unindex(Document document) {
        boolean found = declaredSparse && withField.remove(positionOf(document));
        found |= unkeyed.remove(positionOf(document));
        for (KeyValue keyValue : getKeyValues(document)) {
            TreeSet<Object> positions = entries.get(keyValue);
            if (positions != null && positions.remove(positionOf(document))) {
                found = true;
                entryCount--;
                if (positions.isEmpty()) {
                    entries.remove(keyValue);
                }
            }
        }
        return found;
    }

    @Override
    public Object getPosition(Document document) {
        return uniqueness != null ? uniqueness.getPosition(document) : null;
    }

    @Override
    public void checkAdd(Document document, MongoCollection<Object> collection) {
        if (uniqueness != null) {
            uniqueness.checkAdd(document, collection);
        }
    }

    @Override
    public synchronized void add(Document document, Object position, MongoCollection<Object> collection) {
        if (uniqueness != null) {
            uniqueness.add(document, position, collection);
        }
        index(document, positionOf(document), null);
    }

    /** The unique index this one delegates uniqueness to, or null. */
    Index<Object> uniqueness() {
        return uniqueness;
    }

    @Override
    public synchronized Object remove(Document document) {
        Object delegated = uniqueness != null ? uniqueness.remove(document) : null;
        boolean found = unindex(document);
        if (uniqueness != null) {
            return delegated;
        }
        // The collection checks that every non-sparse index knew the document.
        return found || !declaredSparse ? positionOf(document) : null;
    }

    @Override
    public boolean canHandle(Document query) {
        return false; // QueryPlanner reads this index; the collection's own lookup never does.
    }

    @Override
    public Iterable<Object> getPositions(Document query) {
        throw new UnsupportedOperationException("answered by QueryPlanner");
    }

    @Override
    public long getCount() {
        return uniqueness != null ? uniqueness.getCount() : entryCount;
    }

    @Override
    public long getDataSize() {
        return uniqueness != null ? uniqueness.getDataSize() : 0;
    }

    @Override
    public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Object> collection) {
        if (uniqueness != null) {
            uniqueness.checkUpdate(oldDocument, newDocument, collection);
        }
    }

    @Override
    public synchronized void updateInPlace(Document oldDocument, Document newDocument, Object position,
            MongoCollection<Object> collection) throws KeyConstraintError {
        if (uniqueness != null) {
            uniqueness.updateInPlace(oldDocument, newDocument, position, collection);
        }
        if (indexedFieldsEqual(oldDocument, newDocument)) {
            return; // most updates ($inc of a counter) leave every index but one as it was
        }
        unindex(oldDocument);
        index(newDocument, positionOf(newDocument), null);
    }

    /** Whether the top-level fields the index's paths start from are equal, so its entries would be too. */
    private boolean indexedFieldsEqual(Document oldDocument, Document newDocument) {
        for (IndexKey key : getKeys()) {
            String field = key.getKey().split("\\.", 2)[0];
            if (!Objects.equals(oldDocument.getOrMissing(field), newDocument.getOrMissing(field))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean isUnique() {
        return uniqueness != null;
    }

    @Override
    public synchronized void drop() {
        if (uniqueness != null) {
            uniqueness.drop();
        }
        entries.clear();
        withField.clear();
        unkeyed.clear();
        entryCount = 0;
    }
}
