package io.palimpsest.worker.recipe;

import io.palimpsest.worker.client.ModelReply;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A scripted model: answers each request with a function of it, and remembers every request. */
public final class FakeModel implements ModelCall {
    public final List<ModelRequest> requests = new CopyOnWriteArrayList<>();
    private final Function<ModelRequest, ModelReply> answer;

    public FakeModel(Function<ModelRequest, ModelReply> answer) {
        this.answer = answer;
    }

    public static ModelReply stop(String text) {
        return new ModelReply(text, "stop", 10, text.length() / 4 + 1);
    }

    @Override
    public CompletionStage<ModelReply> call(ModelRequest request) {
        requests.add(request);
        try {
            return CompletableFuture.completedFuture(answer.apply(request));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The last user message, or the raw prompt. */
    public static String lastUser(ModelRequest r) {
        if (!r.isChat()) {
            return r.prompt();
        }
        return r.messages().get(r.messages().size() - 1).content();
    }

    /** The text between &lt;document&gt; tags of the last user message. */
    public static String document(ModelRequest r) {
        String u = lastUser(r);
        int a = u.lastIndexOf("<document>");
        int b = u.lastIndexOf("</document>");
        return a >= 0 && b > a ? u.substring(a + "<document>".length(), b).strip() : u;
    }
}
