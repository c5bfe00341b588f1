import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.IndexBuildFailedException;
import de.bwaldvogel.mongo.exception.IndexKeySpecsConflictException;
import de.bwaldvogel.mongo.exception.MongoServerError;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The indexes of one stored collection that have not been filled from its documents yet.
 *
 * <p>Our indexes live in memory only, so a kept store used to rebuild every index of every collection
 * before it listened: about 6.5 s of CPU on the replayed history, on the critical path of the mesh's
 * start. Indexes declared while the store opens are kept here instead and filled from the documents
 * when an operation first needs them: a read only the ones it is likely planned with, a write also the
 * unique ones, which decide its uniqueness (see {@link IndexUse}). Those not built yet are not in the
 * collection's list, so writes meanwhile leave them alone; their build reads the documents as they are
 * then. Guarded by the collection's lock, except {@link #isEmpty()}, which lets every later
 * operation skip the lock.
 */
final class UnbuiltIndexes {

    /** Builds slower than this are written to stderr, one line each (why a first query waited). */
    private static final long LOG_BUILDS_OVER_NANOS = 50_000_000L;

    private final BooleanSupplier opening;
    private final List<Index<Object>> waiting = new ArrayList<>();
    private volatile boolean empty = true;

    UnbuiltIndexes(BooleanSupplier opening) {
        this.opening = opening;
    }

    boolean isEmpty() {
        return empty;
    }

    /**
     * Whether {@code index} need not be built now: it is declared while the store opens (so it was
     * built and checked when it was created), or it repeats one that waits here. A repeat with other
     * options fails as upstream's would.
     */
    boolean defer(Index<Object> index) {
        Index<Object> same = named(index.getName());
        if (same != null) {
            if (!same.hasSameOptions(index)) {
                throw new IndexKeySpecsConflictException(index, same);
            }
            return true;
        }
        if (!opening.getAsBoolean()) {
            return false;
        }
        waiting.add(index);
        empty = false;
        return true;
    }

    /** The indexes still waiting, in the order they were declared. */
    List<Index<Object>> waiting() {
        return List.copyOf(waiting);
    }

    /** Forgets a waiting index (dropIndexes, or the collection dropped); false when none has that name. */
    boolean drop(String name) {
        Index<Object> index = named(name);
        if (index == null) {
            return false;
        }
        waiting.remove(index);
        empty = waiting.isEmpty();
        return true;
    }

    /**
     * Fills the waiting indexes {@code needed} selects from one pass over the documents and hands them
     * over, in the order they were declared; the others keep waiting. The stored documents were unique
     * when written, so a duplicate here means a damaged store: it fails as upstream's build would.
     */
    List<Index<Object>> build(MongoCollection<Object> collection,
            Supplier<Stream<DocumentWithPosition<Object>>> documents, Predicate<Index<Object>> needed) {
        List<Index<Object>> indexes = waiting.stream().filter(needed).toList();
        if (indexes.isEmpty()) {
            return List.of();
        }
        long started = System.nanoTime();
        long[] count = {0};
        try {
            documents.get().forEach(entry -> {
                count[0]++;
                for (Index<Object> index : indexes) {
                    load(index, entry.getDocument(), entry.getPosition(), collection);
                }
            });
        } catch (MongoServerError e) {
            indexes.forEach(Index::drop);
            throw new IndexBuildFailedException(e, collection);
        }
        waiting.removeAll(indexes);
        empty = waiting.isEmpty();
        long nanos = System.nanoTime() - started;
        QueryStats.recordIndexBuild(collection.getFullName(), indexes.size());
        if (nanos > LOG_BUILDS_OVER_NANOS) {
            System.err.printf("INDEX BUILD %s: %s over %d documents in %d ms%n", collection.getFullName(),
                indexes.stream().map(Index::getName).toList(), count[0], nanos / 1_000_000);
        }
        return indexes;
    }

    /**
     * Adds one stored document to an index being built. For a plain unique index the key values are
     * computed once, for the uniqueness and the ordered map alike: upstream's add computes them twice
     * more (its check, then the add), a fifth of a build's samples.
     */
    private static void load(Index<Object> index, Document document, Object position, MongoCollection<Object> collection) {
        if (index instanceof OrderedIndex ordered && ordered.uniqueness() instanceof HashUniqueIndex unique && !ordered.sparse()) {
            Set<KeyValue> keyValues = ordered.getKeyValues(document);
            unique.load(document, keyValues, position, collection);
            ordered.index(document, OrderedIndex.positionOf(document), keyValues);
        } else {
            index.add(document, position, collection);
        }
    }

    private Index<Object> named(String name) {
        for (Index<Object> index : waiting) {
            if (index.getName().equals(name)) {
                return index;
            }
        }
        return null;
    }
}
