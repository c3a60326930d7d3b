package dev.hako.spec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.io.IOException;
import java.util.Objects;

/**
 * A subtree of config.json kept as it was written: the parts hako passes on to another
 * reader ({@code linux.seccomp}, which {@link dev.hako.seccomp.Profile#parse} reads) or
 * accepts without modelling them ({@code linux.intelRdt}, {@code process.scheduler}, ...),
 * so that they survive a round trip. Held as compact JSON text, which keeps the record
 * immutable and comparable by value.
 *
 * @param json the subtree as compact JSON
 */
@JsonSerialize(using = RawJson.Writer.class)
@JsonDeserialize(using = RawJson.Reader.class)
public record RawJson(String json) {
    public RawJson {
        Objects.requireNonNull(json, "json");
    }

    /** The subtree as a Jackson tree (a fresh copy each time). */
    public JsonNode tree() {
        return SpecJson.tree(json);
    }

    /** The subtree of {@code node}. */
    public static RawJson of(JsonNode node) {
        return new RawJson(node.toString());
    }

    @Override
    public String toString() {
        return json;
    }

    static final class Reader extends JsonDeserializer<RawJson> {
        @Override
        public RawJson deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = ctxt.readTree(p);
            return of(node);
        }
    }

    static final class Writer extends JsonSerializer<RawJson> {
        @Override
        public void serialize(RawJson value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeTree(value.tree());
        }
    }
}
