package io.palimpsest.sim.bench;

/** Prompt material for the benchmarks. */
final class BenchTexts {
    static final String SHORT_DOCUMENT = "The old mill by the river was built in 1842 and still grinds flour "
            + "for the bakery in Hollow Creek every Saturday.";

    private static final String[] PARAGRAPHS = {
        "The river valley has been farmed for more than two thousand years. Early settlers cleared the forest "
                + "along the banks and planted barley, and later generations dug canals that carried water to fields "
                + "far from the main channel. Many of those canals are still used today, although most of them were "
                + "rebuilt with concrete in the 1960s.",
        "Trade along the river grew quickly after 1850, when the first steam boats reached the upper towns. "
                + "Merchants shipped grain, timber and wool downstream and brought back tools, cloth and coffee. "
                + "The busiest port, Marlow, had twelve warehouses and a customs house, and its population doubled "
                + "within a single decade.",
        "Floods have always been part of life in the valley. The worst one on record, in 1927, destroyed "
                + "three bridges and forced about 4,000 people to leave their homes. After that disaster the "
                + "government built a series of dams, which reduced the damage of later floods but also changed the "
                + "habitat of many fish species.",
        "Today the valley is known for its orchards and small vineyards. Visitors come in the autumn to walk "
                + "the old towpaths, taste the local cider and watch the migrating birds that rest on the wetlands "
                + "near the delta. Local farmers say that the soil is very good, but the summers have become drier.",
    };

    private BenchTexts() {}

    /** About 300 words: long enough that the rewrite outlasts max_tokens 256. */
    static String longDocument() {
        return String.join("\n\n", PARAGRAPHS) + "\n\n" + PARAGRAPHS[0];
    }
}
