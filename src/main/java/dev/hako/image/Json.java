package dev.hako.image;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading the JSON documents of an image (index, manifest, config) as trees, with errors
 * that name the document and the field. Duplicate keys are refused: two readers that
 * resolve them differently would see two different images under one digest.
 */
final class Json {
    /** No index, manifest or config is near this; a bigger one is not an image document. */
    static final int MAX_DOCUMENT_SIZE = 16 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Json() {
    }

    static JsonNode parse(byte[] bytes, String what) throws ImageException {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || !node.isContainerNode()) {
                throw new ImageException(what + " is not a JSON object or array");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ImageException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ImageException(what + " could not be parsed: " + e.getMessage(), e);
        }
    }

    /** Reads at most {@link #MAX_DOCUMENT_SIZE} bytes of {@code in}, refusing more. */
    static byte[] readLimited(InputStream in, String what) throws IOException {
        byte[] bytes = in.readNBytes(MAX_DOCUMENT_SIZE + 1);
        if (bytes.length > MAX_DOCUMENT_SIZE) {
            throw new ImageException(what + " is larger than " + MAX_DOCUMENT_SIZE + " bytes: not an image document");
        }
        return bytes;
    }

    static JsonNode object(JsonNode parent, String field, String what) throws ImageException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isObject()) {
            throw new ImageException(what + " has no '" + field + "' object");
        }
        return node;
    }

    /** A string field; null when absent or JSON null. */
    static String string(JsonNode parent, String field, String what) throws ImageException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new ImageException(what + ": '" + field + "' is not a string");
        }
        return node.textValue();
    }

    static String requiredString(JsonNode parent, String field, String what) throws ImageException {
        String s = string(parent, field, what);
        if (s == null) {
            throw new ImageException(what + " has no '" + field + "'");
        }
        return s;
    }

    /** An array of strings; empty when absent or JSON null. */
    static List<String> strings(JsonNode parent, String field, String what) throws ImageException {
        JsonNode node = parent.get(field);
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new ImageException(what + ": '" + field + "' is not an array of strings");
        }
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new ImageException(what + ": '" + field + "' holds a value that is not a string: " + item);
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** An array of objects; empty when absent. */
    static List<JsonNode> objects(JsonNode parent, String field, String what) throws ImageException {
        JsonNode node = parent.get(field);
        List<JsonNode> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new ImageException(what + ": '" + field + "' is not an array");
        }
        for (JsonNode item : node) {
            if (!item.isObject()) {
                throw new ImageException(what + ": '" + field + "' holds a value that is not an object: " + item);
            }
            out.add(item);
        }
        return out;
    }

    /** An object of string values; empty when absent. */
    static Map<String, String> stringMap(JsonNode parent, String field, String what) throws ImageException {
        JsonNode node = parent.get(field);
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new ImageException(what + ": '" + field + "' is not an object");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ImageException(what + ": '" + field + "." + e.getKey() + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }
}
