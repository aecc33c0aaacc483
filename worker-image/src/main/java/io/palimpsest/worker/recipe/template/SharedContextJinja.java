package io.palimpsest.worker.recipe.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.InvalidArgumentException;
import com.hubspot.jinjava.interpret.InvalidInputException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Jinjava with its filters, functions and tags registered once. {@code Jinjava.renderForResult} copies
 * the global context, re-registering every library, on each call: 330-1,000 us per render against
 * ~30 us here, where each render gets a small context whose parent is the one shared global context.
 * The recipe engine renders every template through this. Thread-safe: renders
 * only read the shared context; variables, {@code set} and macros land in the per-render context.
 * Exceptions become the same {@link TemplateError}s renderForResult makes of them, so messages and
 * line numbers stay what they were.
 */
public final class SharedContextJinja {
    private final JinjavaConfig config;
    private final Jinjava jinjava;
    private final Context shared;

    public SharedContextJinja(JinjavaConfig config) {
        this.config = config;
        this.jinjava = new Jinjava(config);
        this.shared = jinjava.getGlobalContext();
    }

    /**
     * The output and every error of the render (one thrown by it last). The output is not to be used
     * when there is a {@link #fatal} error.
     */
    /**
     * @param unbound the names the template looked up that nothing bound: not a variable given, nor one the
     *                template set or loops over. Jinjava gives them no value and goes on, failing only an
     *                expression whose whole value is nothing, so one given to a filter or tested in an
     *                {@code if} passes unseen
     */
    public record Rendered(String output, List<TemplateError> errors, Set<String> unbound) {
        /**
         * The first error that makes the output wrong: a fatal one, or a syntax warning (an unclosed
         * <code>{{</code> or {@code {#}, an end tag without its start) after which Jinjava went on
         * with the rest of the template as text or comment.
         */
        public Optional<TemplateError> fatal() {
            return errors.stream().filter(Rendered::breaks).findFirst();
        }

        static boolean breaks(TemplateError error) {
            return error.getSeverity() == TemplateError.ErrorType.FATAL
                    || (error.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR
                            && error.getItem() == TemplateError.ErrorItem.TAG);
        }
    }

    /** The names of the registered filters ({@code upper}, {@code join}). */
    public Set<String> filterNames() {
        return shared.getAllFilters().stream().map(Filter::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The names of the registered tests ({@code defined}, {@code odd}). */
    public Set<String> testNames() {
        return shared.getAllExpTests().stream().map(ExpTest::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    public Rendered render(String template, Map<String, ?> variables) {
        @SuppressWarnings("unchecked")
        Map<String, Object> bindings = (Map<String, Object>) variables;
        Set<String> unbound = new TreeSet<>();
        JinjavaInterpreter interpreter =
                new JinjavaInterpreter(jinjava, new Context(shared, bindings, config.getDisabled()), config) {
                    @Override
                    public Object retraceVariable(String variable, int lineNumber, int startPosition) {
                        Object value = super.retraceVariable(variable, lineNumber, startPosition);
                        if (value == null && variable != null && !getContext().containsKey(variable)) {
                            unbound.add(variable);
                        }
                        return value;
                    }
                };
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            String output = interpreter.render(template);
            return new Rendered(output, List.copyOf(interpreter.getErrors()), Set.copyOf(unbound));
        } catch (TemplateSyntaxException e) {
            return failed(interpreter, TemplateError.fromException(e), unbound);
        } catch (InterpretException e) {
            return failed(interpreter, TemplateError.fromSyntaxError(e), unbound);
        } catch (InvalidArgumentException e) {
            return failed(interpreter, TemplateError.fromInvalidArgumentException(e), unbound);
        } catch (InvalidInputException e) {
            return failed(interpreter, TemplateError.fromInvalidInputException(e), unbound);
        } catch (RuntimeException e) {
            return failed(interpreter, TemplateError.fromException(e), unbound);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    private static Rendered failed(JinjavaInterpreter interpreter, TemplateError thrown, Set<String> unbound) {
        List<TemplateError> errors = new ArrayList<>(interpreter.getErrors());
        errors.add(thrown);
        return new Rendered(null, List.copyOf(errors), Set.copyOf(unbound));
    }
}
