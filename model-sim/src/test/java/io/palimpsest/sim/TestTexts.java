package io.palimpsest.sim;

import java.util.List;

/** Source documents for the rewrite tests: ordinary prose of several kinds. */
public final class TestTexts {
    public static final String BRIDGE =
            "The committee decided in 2021 that the new bridge over the Thames would be built "
                    + "by Arup. Many people believed that the project was very important for the city, because it would help "
                    + "commuters and reduce traffic. However, the costs increased quickly and the opening was delayed until 2024.";

    public static final String SCIENCE = "Photosynthesis is the process by which green plants use sunlight to make "
            + "food from carbon dioxide and water. It takes place mainly in the leaves, where a pigment called "
            + "chlorophyll absorbs light. The process releases oxygen, which most living things need in order to "
            + "survive. Scientists estimate that plants produce about 50 percent of the oxygen on Earth, and the "
            + "rest comes from algae in the oceans.";

    public static final String HISTORY = "In 1869 the Suez Canal opened, linking the Mediterranean Sea with the Red "
            + "Sea. Ships travelling between Europe and Asia no longer had to sail around Africa, which reduced "
            + "the journey by about 7,000 kilometres. The canal was built by a French company led by Ferdinand de "
            + "Lesseps, and Egypt later took control of it in 1956 after a long political crisis.";

    public static final String HOWTO = "To install the package, first make sure that Python 3.11 is available on "
            + "your machine. Then run the installer and choose a directory for the files. If the installer shows "
            + "an error, check that you have enough disk space and try again. Most users finish the whole setup "
            + "in less than 10 minutes.";

    public static final String STORY = "Maria walked to the market every Saturday morning. She usually bought "
            + "bread, cheese and a few apples from the same old farmer. One day the farmer was not there, and "
            + "nobody knew where he had gone. She waited for an hour, then she went home and wrote him a long "
            + "letter.";

    public static final String FRENCH = "Le conseil municipal a décidé en 2019 de construire une nouvelle école dans "
            + "le quartier nord. Les parents sont très contents, car les enfants devaient souvent prendre le bus "
            + "pendant une heure. Cependant, les travaux ont commencé avec beaucoup de retard et la rentrée a été "
            + "difficile pour plusieurs familles de Lyon.";

    public static final String GERMAN = "Die Stadt Freiburg hat im Jahr 2020 ein neues Radwegenetz eröffnet. Viele "
            + "Bürger fahren jetzt jeden Tag mit dem Fahrrad zur Arbeit, weil es schnell und einfach ist. Aber die "
            + "Kosten waren sehr hoch und die Bauarbeiten dauerten oft länger als geplant.";

    public static final List<String> ENGLISH = List.of(BRIDGE, SCIENCE, HISTORY, HOWTO, STORY);

    private TestTexts() {}
}
