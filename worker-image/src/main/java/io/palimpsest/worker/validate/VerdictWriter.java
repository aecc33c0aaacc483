package io.palimpsest.worker.validate;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.recipe.validate.CheckFailure;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * One JSON line per verdict: {@code {"line":3,"id":"a","accepted":false,"rejections":[{"reason":"echo",
 * "detail":"...","measured":0.93,"limit":0.8}]}}. The detail is the validator's own account; measured
 * and limit are there when the validator measures a number.
 */
public final class VerdictWriter implements Closeable {
    private final JsonGenerator out;

    public VerdictWriter(OutputStream stream, ObjectMapper json) throws IOException {
        this.out = json.getFactory().createGenerator(stream, JsonEncoding.UTF8);
        this.out.setRootValueSeparator(null);
    }

    public void write(PairVerdict v) throws IOException {
        out.writeStartObject();
        out.writeNumberField("line", v.line());
        if (v.id() != null) {
            out.writeStringField("id", v.id());
        }
        if (v.label() != null) {
            out.writeStringField("label", v.label());
        }
        if (!v.readable()) {
            out.writeStringField("unreadable", v.problem());
        } else {
            out.writeBooleanField("accepted", v.accepted());
            if (!v.accepted()) {
                out.writeArrayFieldStart("rejections");
                for (CheckFailure r : v.rejections()) {
                    out.writeStartObject();
                    out.writeStringField("reason", r.reason().code());
                    out.writeStringField("detail", r.detail());
                    if (r.measured() != null) {
                        out.writeNumberField("measured", r.measured());
                    }
                    if (r.limit() != null) {
                        out.writeNumberField("limit", r.limit());
                    }
                    out.writeEndObject();
                }
                out.writeEndArray();
            }
        }
        out.writeEndObject();
        out.writeRaw('\n');
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
