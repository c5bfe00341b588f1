import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;

/**
 * How the H2 file stores a collection's documents: as BSON, the bytes the wire protocol already uses,
 * instead of H2's default Java serialisation, which a profile of the write mix found to be about a
 * third of the server's CPU (every commit re-serialises whole pages of documents).
 *
 * <p>Each value starts with one byte. {@link #BSON} is followed by a BSON document. Anything else is
 * H2's own format (its type tags are all below 0x80): documents written before this type existed,
 * and any document BSON cannot hold, which is written the old way rather than lost. So files of
 * either kind open, and a page is converted the next time H2 writes it.
 */
final class BsonDocumentType extends BasicDataType<Document> {

    private static final byte BSON = (byte) 0xB5;
    private static final ObjectDataType LEGACY = new ObjectDataType();

    @Override
    public int getMemory(Document document) {
        return 64 + estimate(document);
    }

    /** A rough size in memory, for H2's cache accounting (encoding to measure would cost as much as a write). */
    private static int estimate(Object value) {
        if (value instanceof Map<?, ?> map) {
            int size = 48;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                size += 40 + 2 * String.valueOf(entry.getKey()).length() + estimate(entry.getValue());
            }
            return size;
        }
        if (value instanceof Collection<?> values) {
            int size = 40;
            for (Object element : values) {
                size += 8 + estimate(element);
            }
            return size;
        }
        return value instanceof String text ? 40 + 2 * text.length() : 24;
    }

    @Override
    public void write(WriteBuffer buffer, Document document) {
        ByteBuf bson = Unpooled.buffer();
        try {
            BsonEncoder.encodeDocument(document, bson);
        } catch (RuntimeException notBson) {
            LEGACY.write(buffer, document);
            return;
        }
        buffer.put(BSON);
        buffer.put(bson.nioBuffer());
    }

    @Override
    public Document read(ByteBuffer buffer) {
        if (buffer.get(buffer.position()) != BSON) {
            return (Document) LEGACY.read(buffer);
        }
        buffer.get();
        int start = buffer.position();
        int length = 0;
        for (int i = 3; i >= 0; i--) { // BSON's length prefix is little-endian
            length = (length << 8) | (buffer.get(start + i) & 0xff);
        }
        ByteBuf bson = Unpooled.wrappedBuffer(buffer.slice().limit(length));
        buffer.position(buffer.position() + length);
        return BsonDecoder.decodeBson(bson);
    }

    @Override
    public Document[] createStorage(int size) {
        return new Document[size];
    }
}
