import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.DuplicateKeyError;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A unique index's keys in a hash map, in memory: upstream's rules for uniqueness (its
 * AbstractUniqueIndex), without H2's stored map. That map is keyed by KeyValue, a type H2 does not
 * know, so every comparison in its B-tree Java-serialised both keys: a profile of inserts spent
 * about two thirds of the server's CPU there. The keys are rebuilt from the documents when a
 * collection opens, as the ordered indexes are.
 */
final class HashUniqueIndex extends AbstractUniqueIndex<Object> {

    private final Map<KeyValue, Object> positions = new ConcurrentHashMap<>();

    HashUniqueIndex(String name, List<IndexKey> keys, boolean sparse) {
        super(name, keys, sparse);
    }

    /**
     * Adds a stored document's keys, already computed, during a build from the documents: upstream's
     * add computes them twice more (its check, then the add). A duplicate still fails, as there. Not
     * for a sparse index (upstream's rule for leaving a document out is not ours to call).
     */
    synchronized void load(Document document, Set<KeyValue> keyValues, Object position, MongoCollection<Object> collection) {
        for (KeyValue keyValue : keyValues) {
            if (!putKeyPosition(keyValue, position)) {
                throw new DuplicateKeyError(this, collection, getKeys(), keyValue);
            }
        }
    }

    @Override
    protected Object removeDocument(KeyValue keyValue) {
        return positions.remove(keyValue);
    }

    @Override
    protected boolean putKeyPosition(KeyValue keyValue, Object position) {
        return positions.putIfAbsent(keyValue, Missing.ofNullable(position)) == null;
    }

    @Override
    protected Iterable<Map.Entry<KeyValue, Object>> getIterable() {
        return positions.entrySet();
    }

    @Override
    protected Object getPosition(KeyValue keyValue) {
        return positions.get(keyValue);
    }

    @Override
    public long getCount() {
        return positions.size();
    }

    @Override
    public boolean isEmpty() {
        return positions.isEmpty();
    }

    @Override
    public long getDataSize() {
        return getCount();
    }
}
