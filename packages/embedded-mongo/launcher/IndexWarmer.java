import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Builds the indexes of stored collections nobody has used yet, in the background, once the clients'
 * start-up has settled: after the first collection was used (the services are connected) and then no
 * other collection was used for the first time for a while. So the first request for such a
 * collection (a product page's stock levels) need not wait for its build, and the build is off the
 * mesh's start. With no client at all it starts a minute after listening. One collection at a time, under its lock, as a first use would.
 */
final class IndexWarmer {

    private static final Queue<MeshCollection> waiting = new ConcurrentLinkedQueue<>();
    /** When a collection was last used for the first time; 0 until one was. */
    private static volatile long lastFirstUseNanos;
    /** With no client using any collection for this long after listening, the warmer starts anyway. */
    private static final long UNUSED_START_NANOS = TimeUnit.SECONDS.toNanos(60);

    private IndexWarmer() {
    }

    /** A stored collection whose indexes wait for first use. */
    static void register(MeshCollection collection) {
        waiting.add(collection);
    }

    /** A collection was used for the first time: its indexes are being built now. */
    static void firstUse() {
        lastFirstUseNanos = System.nanoTime();
    }

    /** Starts the warmer; it ends once every registered collection is built. No-op for {@code quietMs < 0}. */
    static void start(long quietMs) {
        if (quietMs < 0 || waiting.isEmpty()) {
            return;
        }
        Thread thread = new Thread(() -> warm(TimeUnit.MILLISECONDS.toNanos(quietMs)), "embedded-mongo-index-warmer");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private static void warm(long quietNanos) {
        long listening = System.nanoTime();
        try {
            MeshCollection next;
            while ((next = waiting.peek()) != null) {
                long last = lastFirstUseNanos;
                long now = System.nanoTime();
                boolean settled = last == 0 ? now - listening >= UNUSED_START_NANOS : now - last >= quietNanos;
                if (!settled) {
                    Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(quietNanos) / 4));
                    continue;
                }
                waiting.poll();
                next.warmIndexes(); // returns at once when a client got there first, or it was dropped
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A damaged collection fails its build here as it would on first use; the warmer stops.
            System.err.println("INDEX WARMER stopped: " + e);
        }
    }
}
