package io.palimpsest.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operator's package structure, read from its compiled classes. */
class PackageRulesTest {

    private static JavaClasses classes;

    @BeforeAll
    static void read() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.palimpsest.operator");
    }

    @Test
    void theModelDomainDoesNotReachIntoTheJobDomain() {
        noClasses()
                .that()
                .resideInAPackage("io.palimpsest.operator.model..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.palimpsest.operator.job..")
                .because("jobs name their model, not the reverse: what the model needs of its jobs is a port"
                        + " (RemainingWorkSource) that job/ implements")
                .check(classes);
    }

    @Test
    void domainsHaveNoCycles() {
        slices().matching("io.palimpsest.operator.(*)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
    }
}
