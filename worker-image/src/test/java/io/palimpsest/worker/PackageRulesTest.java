package io.palimpsest.worker;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The worker's package structure, read from its compiled classes. */
class PackageRulesTest {

    @Test
    void packagesHaveNoCycles() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.palimpsest.worker");
        slices().matching("io.palimpsest.worker.(*)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
    }
}
