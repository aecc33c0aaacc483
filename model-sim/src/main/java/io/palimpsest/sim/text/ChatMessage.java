package io.palimpsest.sim.text;

import java.util.Objects;

/** One chat turn with its content already flattened to text. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
