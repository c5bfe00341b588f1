import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.type.DataType;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs mongo-java-server for @mesh/embedded-mongo.
 *
 * <pre>
 * java -cp target/classes:$(cat target/classpath.txt) EmbeddedMongo \
 *      --backend memory|h2|memory-stock [--file path.h2] [--host 127.0.0.1] [--port 0] [--slow-ms N]
 *      [--cache-mb 256] [--write-every-ms N] [--warm-quiet-ms 10000]
 * </pre>
 *
 * {@code memory-stock} is upstream's MemoryBackend as shipped, with neither our indexes nor copied
 * replies; {@code --cache-mb} is H2's page cache; {@code --write-every-ms} makes H2 keep changes in memory and write them to its file once
 * per period instead of about every second or every megabyte (a periodic snapshot). Both exist to
 * compare storage choices (bench/src/embedded-backends.ts). {@code --warm-quiet-ms} is how long no
 * collection must have been used for the first time before stored collections' indexes are built in
 * the background (negative: only on first use; see {@link IndexWarmer}).
 *
 * Prints exactly one line, {@code LISTENING <port>}, once it accepts connections.
 * Stops cleanly (the H2 store is closed, so its data is flushed) on SIGTERM/SIGINT
 * and when stdin reaches EOF, so it never outlives the Node process that spawned it.
 */
public final class EmbeddedMongo {

    /**
     * MongoDB 5.0 as the Node driver sees it. The library's own ServerVersion.MONGO_5_0
     * reports wire version 8, which the driver used by mongoose 9 rejects (it needs >= 9).
     */
    private static final MongoVersion MONGO_5_0_WIRE_13 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(5, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 13;
        }
    };

    public static void main(String[] args) throws IOException {
        String backendName = "memory";
        String file = null;
        String host = "127.0.0.1";
        int port = 0;
        Integer writeEveryMs = null;
        int cacheMb = DEFAULT_CACHE_MB;
        long warmQuietMs = DEFAULT_WARM_QUIET_MS;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--backend" -> backendName = require(args[i], value);
                case "--file" -> file = require(args[i], value);
                case "--host" -> host = require(args[i], value);
                case "--port" -> port = Integer.parseInt(require(args[i], value));
                case "--slow-ms" -> QueryStats.logQueriesSlowerThan(Long.parseLong(require(args[i], value)));
                case "--write-every-ms" -> writeEveryMs = Integer.parseInt(require(args[i], value));
                case "--cache-mb" -> cacheMb = Integer.parseInt(require(args[i], value));
                case "--warm-quiet-ms" -> warmQuietMs = Long.parseLong(require(args[i], value));
                default -> fail("unknown argument: " + args[i]);
            }
            i++;
        }

        MongoBackend backend = switch (backendName) {
            case "memory" -> snapshotBackend(MVStore.open(null));
            case "h2" -> snapshotBackend(openFile(file != null ? file : fail("--backend h2 needs --file <path>"), cacheMb, writeEveryMs));
            case "memory-stock" -> new MemoryBackend();
            default -> fail("--backend must be memory, h2 or memory-stock, not " + backendName);
        };
        backend.version(MONGO_5_0_WIRE_13);

        MongoServer server = new MongoServer(backend);
        try {
            server.bind(host, port);
        } catch (Exception e) { // Netty rethrows checked exceptions such as BindException undeclared
            // Without this the JVM would linger: the failed bind leaves non-daemon Netty threads.
            fail("cannot listen on " + host + ":" + port + ": " + e);
        }
        // shutdownNow closes client connections first, then the backend (MVStore.close for H2).
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "embedded-mongo-shutdown"));

        System.out.println("LISTENING " + server.getLocalAddress().getPort());
        System.out.flush();
        IndexWarmer.start(warmQuietMs);

        // Our parent holds the other end of stdin: EOF means it has gone away.
        while (System.in.read() != -1) {
            // input is ignored
        }
        System.exit(0);
    }

    /**
     * How long no collection must have been used for the first time before {@link IndexWarmer} builds
     * the rest; negative turns it off (their indexes are then built on first use only).
     */
    private static final long DEFAULT_WARM_QUIET_MS = 10_000;

    /**
     * H2 keeps the file's pages it has read, as objects, in a cache of this size (its default is 16
     * MB). A page that falls out is read and Java-deserialised again on its next use: with the
     * default, a product page over 40,000 stock levels spent about a third of the server's CPU
     * there. The cache counts deserialised documents, so it holds a development data set whole.
     */
    private static final int DEFAULT_CACHE_MB = 256;

    private static MVStore openFile(String file, int cacheMb, Integer writeEveryMs) {
        MVStore.Builder builder = new MVStore.Builder().fileName(file).cacheSize(cacheMb);
        if (writeEveryMs == null) {
            return builder.open();
        }
        // Unsaved changes otherwise trigger a write at 1 MB, whatever the delay.
        MVStore store = builder.autoCommitBufferSize(1 << 20).open();
        store.setAutoCommitDelay(writeEveryMs);
        return store;
    }

    /**
     * An H2 (MVStore) backend whose queries return copies of the stored documents.
     *
     * Why: mongo-java-server locks each collection, but replies (find, findAndModify) carry the
     * stored Document objects themselves and are encoded after the lock is released, while updates
     * mutate stored documents in place. So a reply could show later or half-applied updates
     * (1,000 concurrent reservations saw the same remaining count twice). With copies, updates
     * change a copy that H2Collection then puts back, so a stored document is never mutated after
     * it has been handed out. The stock MemoryBackend updates its list in place and has no hook
     * for this, so "memory" is an MVStore without a file. Also closes a collection-creation race.
     */
    private static MongoBackend snapshotBackend(MVStore store) {
        return new H2Backend(store) {
            @Override
            protected MongoDatabase openOrCreateDatabase(String databaseName) {
                // True while the constructor opens the stored collections: their indexes wait for first use.
                AtomicBoolean opening = new AtomicBoolean(true);
                MongoDatabase database = new H2Database(databaseName, store, getCursorRegistry()) {
                    // Upstream creates a collection without a lock, from the create command and
                    // implicitly from the first insert, upsert, findAndModify or createIndexes. Two
                    // of those at once registered the collection twice (each object with its own _id
                    // index over the same map), or let a write in before the _id index existed: the
                    // duplicate _id then failed with "Unknown error: null" instead of E11000 and a
                    // delete by _id failed. Both paths take the database's lock, so a collection
                    // is seen by writers only once it is whole; the lookup under it is a map read.
                    @Override
                    public synchronized MongoCollection<Object> createCollectionOrThrowIfExists(String name,
                            CollectionOptions options) {
                        return super.createCollectionOrThrowIfExists(name, options);
                    }

                    @Override
                    protected synchronized MongoCollection<Object> resolveOrCreateCollection(String name) {
                        return super.resolveOrCreateCollection(name);
                    }

                    // Declared indexes are kept as ordered maps in memory (rebuilt from the documents
                    // when a collection is first used, see MeshCollection) and answer queries; a unique
                    // one decides uniqueness by upstream's rules over its keys in a hash map (see
                    // HashUniqueIndex), also rebuilt.
                    // The map upstream stored them in is removed, as nothing keeps it current.
                    @Override
                    protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName,
                            List<IndexKey> keys, boolean sparse) {
                        String storedKeys = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
                        if (store.hasMap(storedKeys)) {
                            store.removeMap(storedKeys);
                        }
                        Index<Object> uniqueness = new HashUniqueIndex(indexName, keys, sparse);
                        return new OrderedIndex(indexName, keys, sparse, uniqueness, positionOrder(collectionName));
                    }

                    @Override
                    protected Index<Object> openOrCreateSecondaryIndex(String collectionName, String indexName,
                            List<IndexKey> keys, boolean sparse) {
                        return new OrderedIndex(indexName, keys, sparse, null, positionOrder(collectionName));
                    }

                    /** The order a scan of the collection lists documents in: its map's key order. */
                    private Comparator<Object> positionOrder(String collectionName) {
                        MVMap<Object, Document> data = documents(store, getFullCollectionNamespace(collectionName));
                        DataType<Object> keyType = data.getKeyType();
                        return keyType::compare;
                    }

                    @Override
                    public Document handleCommand(Channel channel, String command, Document query,
                            DatabaseResolver databaseResolver, Oplog oplog) {
                        if (command.equals("meshQueryStats")) {
                            return QueryStats.snapshot(Boolean.TRUE.equals(query.get("reset")));
                        }
                        if (command.equals("meshPlanner")) { // { meshPlanner: false } scans, as upstream
                            QueryPlanner.enabled = !Boolean.FALSE.equals(query.get("meshPlanner"));
                            return new Document("enabled", QueryPlanner.enabled).append("ok", 1.0);
                        }
                        if (command.equalsIgnoreCase("aggregate")) {
                            String namespace = getFullCollectionNamespace(String.valueOf(query.get(command)));
                            return PipelineMatch.during(namespace, query.get("pipeline"),
                                () -> super.handleCommand(channel, command, query, databaseResolver, oplog));
                        }
                        return super.handleCommand(channel, command, query, databaseResolver, oplog);
                    }

                    @Override
                    protected MongoCollection<Object> openOrCreateCollection(String name, CollectionOptions options) {
                        // Map names as H2Database chooses them, so files of the stock backend still open.
                        String namespace = getFullCollectionNamespace(name);
                        return new MeshCollection(this, name, options, documents(store, namespace),
                            store.openMap("meta." + namespace), cursorRegistry, namespace, opening::get);
                    }
                };
                opening.set(false);
                return database;
            }
        };
    }

    /**
     * A collection's documents, under the map name H2Database chooses (so files of the stock backend
     * open), stored as BSON ({@link BsonDocumentType}) under keys of {@link PositionKeyType} (one
     * per map: H2's object type keeps unsynchronised state). Every opening must name the types: H2
     * keeps the first instance a name is opened with.
     */
    private static MVMap<Object, Document> documents(MVStore store, String namespace) {
        return store.openMap("databases." + namespace, new MVMap.Builder<Object, Document>().keyType(new PositionKeyType()).valueType(DOCUMENT_TYPE));
    }

    private static final BsonDocumentType DOCUMENT_TYPE = new BsonDocumentType();

    private static String require(String flag, String value) {
        return value != null ? value : fail(flag + " needs a value");
    }

    private static <T> T fail(String message) {
        System.err.println("EmbeddedMongo: " + message);
        System.exit(2);
        return null;
    }
}
