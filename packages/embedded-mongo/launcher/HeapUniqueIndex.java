import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A unique index kept on the heap, by hash, instead of in an H2 map. H2 orders a map whose keys are
 * not of a type it knows (upstream's KeyValue) by comparing their Java serialisations: every probe of
 * the _id index and of every unique index serialised both keys, which profiling showed was the
 * largest single cost of a write-heavy burst. Uniqueness is decided exactly as before (the same
 * abstract index, the same normalised keys); the entries are rebuilt from the stored documents when
 * a collection opens, as the ordered indexes are, so nothing about them needs to be in the file.
 */
final class HeapUniqueIndex extends AbstractUniqueIndex<Object> {

    private final Map<KeyValue, Object> positions = new ConcurrentHashMap<>();

    HeapUniqueIndex(String name, List<IndexKey> keys, boolean sparse) {
        super(name, keys, sparse);
    }

    @Override
    protected Object removeDocument(KeyValue keyValue) {
        return positions.remove(keyValue);
    }

    @Override
    protected boolean putKeyPosition(KeyValue keyValue, Object position) {
        return positions.putIfAbsent(keyValue, position) == null;
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
