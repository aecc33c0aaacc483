package io.palimpsest.sim.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The JSON of a mid-stream token chunk with a hole for the token: built once per response from
 * {@link ResponseBodies#tokenChunk}, so the shape stays defined in one place, while each token
 * costs one string escape instead of a JSON tree (a full batch streams thousands per second).
 */
final class TokenChunkTemplate {
    private static final String HOLE = "\u0001piece\u0001";
    private static final String ESCAPED_HOLE =
            new String(JsonStringEncoder.getInstance().quoteAsString(HOLE));

    private final String prefix;
    private final String suffix;

    TokenChunkTemplate(ResponseBodies.Header header) {
        String json = Json.write(ResponseBodies.tokenChunk(header, HOLE, null, null));
        int at = json.indexOf(ESCAPED_HOLE);
        this.prefix = json.substring(0, at);
        this.suffix = json.substring(at + ESCAPED_HOLE.length());
    }

    String render(String piece) {
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(piece);
        return new StringBuilder(prefix.length() + escaped.length + suffix.length())
                .append(prefix)
                .append(escaped)
                .append(suffix)
                .toString();
    }
}
