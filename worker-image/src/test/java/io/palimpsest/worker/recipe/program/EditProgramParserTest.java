package io.palimpsest.worker.recipe.program;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EditProgramParserTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            nullValues = "null",
            value = {
                "drop_doc()                                        | DropDoc[]",
                "keep_doc()                                        | KeepDoc[]",
                "keep_chunk()                                      | KeepChunk[]",
                "remove_lines(2, 4)                                | RemoveLines[first=2, last=4]",
                "remove_lines(line_start=2, line_end=4)            | RemoveLines[first=2, last=4]",
                "remove_lines(2, line_end=4)                       | RemoveLines[first=2, last=4]",
                "remove_lines(line_end=4, line_start=2)            | RemoveLines[first=2, last=4]",
                "normalize(\"a, b\", 'c')                          | Normalize[from=a, b, to=c]",
                "normalize(source_str=\"x\\\"y\", target_str=\"\")  | Normalize[from=x\"y, to=]",
                "remove_lines(4, 2)                                | null",
                "remove_lines(0, 2)                                | null",
                "remove_lines(2, 11)                               | null",
                "remove_lines(line_start=2)                        | null",
                "remove_lines(line_start=2, 4)                     | null",
                "remove_lines(2, 4, 6)                             | null",
                "drop_doc(1)                                       | null",
                "normalize(\"\", \"x\")                            | null",
                "normalize(\"a\\nb\", \"x\")                       | null",
                "normalize(\"unclosed, \"x\")                      | null",
                "__import__('os').system('ls')                     | null",
                "exec(\"drop_doc()\")                              | null",
                "remove_lines(1+1, 3)                              | null",
            })
    void oneCall(String line, String expected) {
        String got = EditProgramParser.parseCall(line, 10).map(Object::toString).orElse(null);
        assertEquals(expected, got);
    }

    @Test
    void programsCountMalformedLinesAndIgnoreCommentsAndFences() {
        EditProgram p = EditProgramParser.parse("""
                ```python
                # clean the header
                remove_lines(1, 2)
                delete everything
                normalize("teh", "the")
                ```
                """, 5);
        assertEquals(2, p.calls().size());
        assertEquals(1, p.malformed());
    }

    @Test
    void executorNormalizesThenRemovesTheNamedLines() {
        String text = "a1\nb2 teh\nc3\nd4 teh\ne5";
        EditProgram p = new EditProgram(
                List.of(
                        new EditCall.RemoveLines(2, 3),
                        new EditCall.Normalize("teh", "the"),
                        new EditCall.RemoveLines(5, 5)),
                0);
        ProgramExecutor.Applied a = ProgramExecutor.apply(text, p);
        assertEquals("a1\nd4 the", a.text());
        assertEquals(3, a.removedLines());
        assertEquals(1, a.normalizations());
    }

    /**
     * A page with CRLF line ends keeps them, and a removal of its last lines leaves no carriage return of the line
     * ends it took away at the end of the text, as a page with LF line ends keeps none of its newline.
     */
    @Test
    void removingTheLastLinesOfACrlfPageLeavesNoCarriageReturn() {
        String page = "a1\r\nb2\r\nc3";
        assertEquals("a1\r\nb2", ProgramExecutor.apply(page, removing(3, 3)).text());
        assertEquals("a1", ProgramExecutor.apply(page, removing(2, 3)).text());
        assertEquals("a1\r\nc3", ProgramExecutor.apply(page, removing(2, 2)).text());
        String ended = "a1\r\nb2\r\n";
        assertEquals("a1\r\nb2", ProgramExecutor.apply(ended, removing(3, 3)).text());
        assertEquals("a1\r\n", ProgramExecutor.apply(ended, removing(2, 2)).text());
        assertEquals(
                "a1\nb2", ProgramExecutor.apply("a1\nb2\nc3", removing(3, 3)).text());
    }

    private static EditProgram removing(int first, int last) {
        return new EditProgram(List.of(new EditCall.RemoveLines(first, last)), 0);
    }
}
