package io.psd2token.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

/**
 * The shape docs/architecture.md describes, checked on the library's compiled classes: API ← core ← glue, no
 * package cycle, the core free of CDI, JAX-RS, MicroProfile, WildFly and Elytron, and no internal type in the
 * signatures an application sees. A new arrow against the design fails the build here.
 */
class ArchitectureTest {

    /** What an application imports: values, exceptions and the metrics and clock SPIs. Plain Java. */
    static final String[] API = {"io.psd2token.error..", "io.psd2token.bank..", "io.psd2token.token..",
            "io.psd2token.identity.."};
    /** The token core: plain Java with its collaborators passed in. */
    static final String[] CORE = {"io.psd2token.internal.config..", "io.psd2token.internal.http..",
            "io.psd2token.internal.tls..", "io.psd2token.internal.token..", "io.psd2token.internal.identity..",
            "io.psd2token.internal.cluster.."};
    /** What binds the core to the server: CDI, JAX-RS, MicroProfile, Micrometer, Elytron, JNDI. */
    static final String[] GLUE = {"io.psd2token", "io.psd2token.client..", "io.psd2token.health..",
            "io.psd2token.metrics..", "io.psd2token.web..", "io.psd2token.internal.wildfly.."};
    /** Frameworks only the glue may touch. */
    static final String[] SERVER = {"jakarta.enterprise..", "jakarta.ws.rs..", "jakarta.inject..",
            "org.eclipse.microprofile..", "org.wildfly..", "org.jboss..", "io.micrometer..", "org.infinispan..",
            "javax.naming.."};

    private static final JavaClasses LIBRARY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("/test-classes/"))
            .importPackages("io.psd2token");

    @Test
    void theRulesSeeTheWholeLibrary() {
        org.junit.jupiter.api.Assertions.assertTrue(LIBRARY.contain("io.psd2token.internal.token.TokenManager")
                && LIBRARY.contain("io.psd2token.BankTokens") && LIBRARY.size() > 80, "imported " + LIBRARY.size());
    }

    @Test
    void noPackageCycles() {
        // "io.(**)" so that the root package io.psd2token is a slice of its own too.
        slices().matching("io.(**)").should().beFreeOfCycles().check(LIBRARY);
    }

    @Test
    void theApiDependsOnNothingButItself() {
        noClasses().that().resideInAnyPackage(API).should().dependOnClassesThat()
                .resideInAnyPackage(concat(CORE, GLUE)).check(LIBRARY);
        noClasses().that().resideInAnyPackage(API).should().dependOnClassesThat().resideInAnyPackage(SERVER)
                .check(LIBRARY);
    }

    @Test
    void theCoreDependsOnTheApiAndItselfOnly() {
        noClasses().that().resideInAnyPackage(CORE).should().dependOnClassesThat().resideInAnyPackage(GLUE)
                .check(LIBRARY);
        noClasses().that().resideInAnyPackage(CORE).should().dependOnClassesThat().resideInAnyPackage(SERVER)
                .check(LIBRARY);
    }

    @Test
    void onlyTheGlueTouchesTheServer() {
        noClasses().that().resideOutsideOfPackages(GLUE).should().dependOnClassesThat().resideInAnyPackage(SERVER)
                .check(LIBRARY);
    }

    /**
     * A deployment that does not share tokens declares no Infinispan module: one adapter names Infinispan types, and
     * only the start-up code that runs when {@code psd2.cluster.cache} is set touches it (classes load lazily).
     */
    @Test
    void onlyTheClusterAdapterNamesInfinispanAndOnlyTheStartUpTouchesIt() {
        String adapter = "io.psd2token.internal.wildfly.InfinispanSharedTokens";
        noClasses().that().doNotHaveFullyQualifiedName(adapter).should().dependOnClassesThat()
                .resideInAPackage("org.infinispan..").check(LIBRARY);
        classes().that().haveFullyQualifiedName(adapter).should().onlyHaveDependentClassesThat()
                .haveFullyQualifiedName("io.psd2token.Psd2Runtime").check(LIBRARY);
    }

    @Test
    void noInternalTypeIsReachableFromWhatAnApplicationSees() {
        classes().that().resideOutsideOfPackage("io.psd2token.internal..").and().arePublic()
                .should(exposeNoInternalType()).check(LIBRARY);
    }

    /** Public methods, constructors and fields of a public class mention no {@code ..internal..} type. */
    private static ArchCondition<JavaClass> exposeNoInternalType() {
        return new ArchCondition<>("expose no internal type in a public signature") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                for (JavaCodeUnit unit : type.getCodeUnits()) {
                    if (!unit.getModifiers().contains(JavaModifier.PUBLIC)) {
                        continue;
                    }
                    for (JavaClass used : unit.getParameterTypes().stream().map(t -> t.toErasure()).toList()) {
                        report(events, type, unit.getFullName(), used);
                    }
                    report(events, type, unit.getFullName(), unit.getRawReturnType());
                }
                for (JavaField field : type.getFields()) {
                    if (field.getModifiers().contains(JavaModifier.PUBLIC)) {
                        report(events, type, field.getFullName(), field.getRawType());
                    }
                }
            }

            private void report(ConditionEvents events, JavaClass owner, String member, JavaClass used) {
                if (used.getPackageName().startsWith("io.psd2token.internal")) {
                    events.add(SimpleConditionEvent.violated(owner, member + " exposes " + used.getName()));
                }
            }
        };
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
