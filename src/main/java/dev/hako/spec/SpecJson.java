package dev.hako.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json to records and back, strictly typed: a number is never read from a string
 * (nor a string from a number, nor a boolean from either), fractions are not integers,
 * duplicate keys and trailing content are refused, nesting and lengths are bounded. Unknown
 * fields are ignored, as the runtime spec requires. Every Jackson error becomes a
 * {@link SpecException} whose message starts with the JSON path.
 */
final class SpecJson {
    /** Far deeper than config.json goes (seccomp's args are six levels down), far shallower than a stack overflow. */
    static final int MAX_DEPTH = 100;

    static final ObjectMapper MAPPER = mapper();

    private SpecJson() {
    }

    private static ObjectMapper mapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxNumberLength(100)
                        .maxStringLength((int) ConfigFile.MAX_BYTES)
                        .build())
                .build();
        SimpleModule strict = new SimpleModule("hako-spec-strict")
                .addDeserializer(String.class, new StrictString())
                .addDeserializer(Long.class, new StrictLong())
                .addDeserializer(Integer.class, new StrictInteger())
                .addDeserializer(Boolean.class, new StrictBoolean());
        return new ObjectMapper(factory)
                .registerModule(strict)
                .addHandler(new WrongShape())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                        JsonInclude.Include.NON_NULL));
    }

    /** A list as given (null stays null: absent), unmodifiable; null elements are kept for the checks to name. */
    static <T> List<T> copy(List<T> list) {
        return list == null ? null : Collections.unmodifiableList(new ArrayList<>(list));
    }

    static <K, V> Map<K, V> copy(Map<K, V> map) {
        return map == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    static Spec parse(byte[] json) {
        try {
            return MAPPER.readValue(json, Spec.class);
        } catch (JsonMappingException e) {
            throw new SpecException(describe(e), e);
        } catch (StreamConstraintsException e) {
            String message = e.getOriginalMessage() != null && e.getOriginalMessage().contains("nesting depth")
                    ? "JSON nested deeper than " + MAX_DEPTH + " levels" : firstLine(e.getOriginalMessage());
            throw new SpecException("config.json: " + message + where(e.getLocation()), e);
        } catch (JsonProcessingException e) {
            throw new SpecException("config.json: malformed JSON" + where(e.getLocation()) + ": "
                    + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory failed", e);
        }
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing " + value.getClass().getSimpleName() + " as JSON failed", e);
        }
    }

    static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("kept JSON does not parse again: " + e.getOriginalMessage(), e);
        }
    }

    /** The path of a mapping error, like {@code linux.namespaces[1].type}; empty for the document itself. */
    static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String describe(JsonMappingException e) {
        String path = path(e);
        String label = path.isEmpty() ? "config.json" : path;
        if (e instanceof ValueMismatch) {
            return label + ": " + e.getOriginalMessage();
        }
        String message = firstLine(e.getOriginalMessage());
        if (message.contains("nesting depth")) {
            return label + ": JSON nested deeper than " + MAX_DEPTH + " levels";
        }
        if (message.startsWith("No content to map")) {
            return label + ": is empty (a JSON object is expected)";
        }
        return label + ": " + message + where(e.getLocation());
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "what is expected here";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (type == Spec.class) {
            return "an object (the runtime-spec configuration)";
        }
        return "an object";
    }

    /** The value at the parser, as an error shows it: strings quoted, containers named. */
    static String shown(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "nothing";
        }
        try {
            return switch (t) {
                case START_ARRAY -> "an array";
                case START_OBJECT, FIELD_NAME -> "an object";
                case VALUE_STRING -> quote(p.getText());
                case VALUE_NULL -> "null";
                default -> p.getText();
            };
        } catch (IOException e) {
            return t.asString() == null ? t.name() : t.asString();
        }
    }

    /** A string as JSON writes it, cut after 100 characters (a hostile value may be megabytes long). */
    static String quote(String s) {
        String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        try {
            return MAPPER.writeValueAsString(cut);
        } catch (JsonProcessingException e) {
            return "\"" + cut + "\"";
        }
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** A value of the wrong type or range, with the message as it is shown after the path. */
    static final class ValueMismatch extends MismatchedInputException {
        ValueMismatch(JsonParser p, String message, Class<?> type) {
            super(p, message, type);
        }
    }

    private static ValueMismatch mismatch(JsonParser p, String expected, Class<?> type) {
        return new ValueMismatch(p, shown(p) + " is not " + expected, type);
    }

    /** A value of the wrong shape for its place (a string for an object, an object for an array), named as the others. */
    private static final class WrongShape extends DeserializationProblemHandler {
        @Override
        public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p,
                                            String failureMsg) throws IOException {
            throw mismatch(p, expected(targetType.getRawClass()), targetType.getRawClass());
        }

        @Override
        public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> instClass,
                                                ValueInstantiator valueInsts, JsonParser p, String msg) throws IOException {
            throw mismatch(p, expected(instClass), instClass);
        }
    }

    private static final class StrictString extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw mismatch(p, "a string", String.class);
            }
            return p.getText();
        }
    }

    private static final class StrictLong extends JsonDeserializer<Long> {
        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw mismatch(p, "an integer", Long.class);
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw mismatch(p, "a 64-bit integer", Long.class);
            }
            return p.getLongValue();
        }
    }

    private static final class StrictInteger extends JsonDeserializer<Integer> {
        @Override
        public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw mismatch(p, "an integer", Integer.class);
            }
            if (p.getNumberType() != JsonParser.NumberType.INT) {
                throw mismatch(p, "a 32-bit integer", Integer.class);
            }
            return p.getIntValue();
        }
    }

    private static final class StrictBoolean extends JsonDeserializer<Boolean> {
        @Override
        public Boolean deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                throw mismatch(p, "a boolean (true or false)", Boolean.class);
            }
            return t == JsonToken.VALUE_TRUE;
        }
    }

    private static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);

    /** An unsigned 64-bit number (0 to 18446744073709551615), held in a long as its bits. */
    static final class UnsignedReader extends JsonDeserializer<Long> {
        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw mismatch(p, "an integer", Long.class);
            }
            BigInteger v = p.getBigIntegerValue();
            if (v.signum() < 0 || v.compareTo(UINT64_LIMIT) >= 0) {
                throw mismatch(p, "an unsigned 64-bit integer (0 to 18446744073709551615)", Long.class);
            }
            return v.longValue();
        }
    }

    /** Writes a long holding an unsigned 64-bit number as that number. */
    static final class UnsignedWriter extends JsonSerializer<Long> {
        @Override
        public void serialize(Long value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeNumber(new BigInteger(Long.toUnsignedString(value)));
        }
    }
}
