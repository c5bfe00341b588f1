import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.io.IOException;
import java.util.List;

/**
 * Runs mongo-java-server for @mesh/embedded-mongo.
 *
 * <pre>
 * java -cp target/classes:$(cat target/classpath.txt) EmbeddedMongo \
 *      --backend memory|h2 [--file path.h2] [--host 127.0.0.1] [--port 0]
 * </pre>
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
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--backend" -> backendName = require(args[i], value);
                case "--file" -> file = require(args[i], value);
                case "--host" -> host = require(args[i], value);
                case "--port" -> port = Integer.parseInt(require(args[i], value));
                default -> fail("unknown argument: " + args[i]);
            }
            i++;
        }

        MongoBackend backend = switch (backendName) {
            case "memory" -> new MemoryBackend();
            case "h2" -> new H2Backend(file != null ? file : fail("--backend h2 needs --file <path>"));
            default -> fail("--backend must be memory or h2, not " + backendName);
        };
        backend.version(MONGO_5_0_WIRE_13);

        MongoServer server = new MongoServer(backend);
        server.bind(host, port);
        // shutdownNow closes client connections first, then the backend (MVStore.close for H2).
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "embedded-mongo-shutdown"));

        System.out.println("LISTENING " + server.getLocalAddress().getPort());
        System.out.flush();

        // Our parent holds the other end of stdin: EOF means it has gone away.
        while (System.in.read() != -1) {
            // input is ignored
        }
        System.exit(0);
    }

    private static String require(String flag, String value) {
        return value != null ? value : fail(flag + " needs a value");
    }

    private static <T> T fail(String message) {
        System.err.println("EmbeddedMongo: " + message);
        System.exit(2);
        return null;
    }
}
