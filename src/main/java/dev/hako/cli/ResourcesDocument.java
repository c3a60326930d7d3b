package dev.hako.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The check of an {@code update --resources} document, on its own so that Jackson is loaded
 * only by the commands that read JSON: {@code java -jar hako.jar demo} runs from the plain
 * jar, which has no Jackson inside.
 */
final class ResourcesDocument {

    private ResourcesDocument() {
    }

    /** What is wrong with {@code text} as a linux.resources object, or null when nothing is. */
    static String problem(String text) {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            return "not JSON: " + e.getOriginalMessage();
        }
        if (node == null || !node.isObject()) {
            return "must hold a JSON object (linux.resources)";
        }
        return null;
    }
}
