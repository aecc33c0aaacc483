package io.palimpsest.sim.text;

import java.util.List;

/**
 * Sentences for the wrong_language fault, written for the simulator. French for English (and
 * other) sources, German for French ones, so the output is never in the source's language.
 */
public final class ForeignSentenceBank {
    private static final List<String> FRENCH = List.of(
            "Le marché du village ouvre tôt chaque samedi matin.",
            "Les enfants jouent dans le parc près de la rivière.",
            "Nous avons pris le train de nuit pour rejoindre la côte.",
            "La bibliothèque municipale prête aussi des instruments de musique.",
            "Il a plu toute la journée, mais la soirée était douce.",
            "Ma grand-mère prépare une soupe aux légumes le dimanche.",
            "Le musée présente une exposition sur les anciens métiers.",
            "Les cyclistes traversent la place sans ralentir.",
            "On entend les cloches de l'église depuis la colline.",
            "Cette recette demande de la patience et un four très chaud.",
            "Le quartier a changé depuis l'ouverture de la nouvelle gare.",
            "Elle lit un roman policier sur le balcon.");
    private static final List<String> GERMAN = List.of(
            "Der Zug nach Hamburg fährt heute mit Verspätung ab.",
            "Im Herbst sammeln die Kinder bunte Blätter im Wald.",
            "Meine Nachbarin backt jeden Freitag frisches Brot.",
            "Die Brücke über den Fluss wurde im Sommer renoviert.",
            "Am Abend treffen wir uns im kleinen Café an der Ecke.",
            "Das Museum zeigt eine Ausstellung über alte Handwerke.",
            "Auf dem Markt gibt es frisches Obst aus der Region.",
            "Der Hund schläft gern in der Sonne vor dem Haus.",
            "Wir wandern am Wochenende durch die Berge.",
            "Die Bibliothek bleibt am Montag geschlossen.",
            "Nach dem Regen riecht die Luft nach nassem Gras.",
            "Er repariert sein altes Fahrrad in der Garage.");

    private ForeignSentenceBank() {}

    /** Sentences of a language other than the source's, about as many words as the source. */
    public static String paragraphFor(String source, long seed) {
        List<String> bank = Language.guess(source) == Language.FRENCH ? GERMAN : FRENCH;
        int wanted = Math.max(1, TextStats.wordCount(source));
        StringBuilder sb = new StringBuilder();
        int words = 0;
        int start = Hashing.pick(Hashing.mix(seed ^ Hashing.of(source)), bank.size());
        for (int i = 0; words < wanted; i++) {
            String sentence = bank.get((start + i) % bank.size());
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(sentence);
            words += TextStats.wordCount(sentence);
        }
        return sb.toString();
    }
}
