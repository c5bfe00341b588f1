import de.bwaldvogel.mongo.bson.Document;

import java.util.List;
import java.util.function.Supplier;

/**
 * Hands an aggregation's leading {@code $match} to the planner: the pipeline reads its collection
 * through a filterless query, which then plans with that filter instead ({@code countDocuments} is
 * such a pipeline). The stage still applies the filter itself.
 */
final class PipelineMatch {

    /** The leading $match of the aggregation running on this thread, for the collection it reads. */
    private record Pending(String namespace, Document filter) {
    }

    private static final ThreadLocal<Pending> pending = new ThreadLocal<>();

    private PipelineMatch() {
    }

    /** Runs an aggregate command of `namespace` with its leading $match known to {@link #filterFor}. */
    static <T> T during(String namespace, Object pipeline, Supplier<T> command) {
        if (!(pipeline instanceof List<?> stages) || stages.isEmpty() || !(stages.get(0) instanceof Document first)
                || !(first.get("$match") instanceof Document filter)) {
            return command.get();
        }
        pending.set(new Pending(namespace, filter));
        try {
            return command.get();
        } finally {
            pending.remove();
        }
    }

    /**
     * The filter a query of `namespace` may be answered with: its own, or for the filterless read
     * of an aggregation, the pipeline's leading $match (once: a later read, say a $lookup of the
     * same collection, reads everything as asked).
     */
    static Document filterFor(String namespace, Document query) {
        Pending match = pending.get();
        if (!query.isEmpty() || match == null || !match.namespace().equals(namespace)) {
            return query;
        }
        pending.remove();
        return match.filter();
    }
}
