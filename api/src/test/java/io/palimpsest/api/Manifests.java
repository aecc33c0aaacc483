package io.palimpsest.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test manifests as plain maps, and edits of them by dotted paths such as spec.recipe.prompts[1].name. */
final class Manifests {
    private Manifests() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> load(String resource) {
        try (InputStream in = Manifests.class.getResourceAsStream("/" + resource)) {
            return CrdValidator.YAML.readValue(in, Map.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> rewriteJob() {
        return load("valid-rewritejob.yaml");
    }

    static Map<String, Object> rewriterModel() {
        return load("valid-rewritermodel.yaml");
    }

    /** Sets (or, with value REMOVE, deletes) the value at path, creating objects on the way. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> with(Map<String, Object> manifest, String path, Object value) {
        Map<String, Object> copy = CrdValidator.deepCopy(manifest);
        String[] parts = path.split("\\.");
        Object node = copy;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            Integer index = null;
            if (part.endsWith("]")) {
                index = Integer.parseInt(part.substring(part.indexOf('[') + 1, part.length() - 1));
                part = part.substring(0, part.indexOf('['));
            }
            Map<String, Object> map = (Map<String, Object>) node;
            boolean last = i == parts.length - 1;
            if (last && index == null) {
                if (value == REMOVE) {
                    map.remove(part);
                } else {
                    map.put(part, value);
                }
                return copy;
            }
            if (index == null) {
                node = map.computeIfAbsent(part, k -> new LinkedHashMap<String, Object>());
            } else {
                List<Object> list = (List<Object>) map.get(part);
                if (last) {
                    if (value == REMOVE) {
                        list.remove((int) index);
                    } else if (index < list.size()) {
                        list.set(index, value);
                    } else {
                        list.add(value);
                    }
                    return copy;
                }
                node = list.get(index);
            }
        }
        return copy;
    }

    static final Object REMOVE = new Object();
}
