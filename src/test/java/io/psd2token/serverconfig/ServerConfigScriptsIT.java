package io.psd2token.serverconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.ProfileServer;
import io.psd2token.testbed.Testbed;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyCli;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * server-config/configure.cli and restore.cli as an operator runs them offline (embed-server), on fresh copies
 * of the distribution's configuration files: what they write into the MicroProfile Config source, that they
 * never replace another default-authentication-context silently, and that they work on every standalone
 * profile. No server is started; the Arquillian server's own files are never touched.
 */
@ExtendWith(TestbedExtension.class)
class ServerConfigScriptsIT {

    private static final String PROFILE = "standalone-microprofile.xml";
    private static final String REPLACE_DEFAULT = "psd2.elytron.replace-default-authentication-context";

    @Test
    void withoutAClientIdNoneIsWrittenAndTheScriptSaysItComesFromTheQwac() throws Exception {
        Path base = base("no-client-id");
        WildFlyCli.Session run = cli(base).runOffline(base, PROFILE, properties(base, Map.of(), "psd2.client-id"),
                scripts("configure.cli"));
        assertTrue(run.succeeded(), run.output());
        assertTrue(run.output().contains("client id (not set: read from the QWAC at start)"), run.output());
        Map<String, String> source = configSource(xml(base, PROFILE));
        assertEquals(Map.of("psd2.token-endpoint-template", testbedValue("psd2.token-endpoint-template"),
                "psd2.api-base-template", testbedValue("psd2.api-base-template"), "psd2.scope", "pisp"), source);
    }

    @Test
    void aClientIdAndItsLinkedFlagAreWrittenWhenTheFileSetsThem() throws Exception {
        Path base = base("linked-client-id");
        WildFlyCli.Session run = cli(base).runOffline(base, PROFILE,
                properties(base, Map.of("psd2.client-id", "PSDFR-ACPR-99999", "psd2.client-id-linked", "true")),
                scripts("configure.cli"));
        assertTrue(run.succeeded(), run.output());
        Map<String, String> source = configSource(xml(base, PROFILE));
        assertEquals("PSDFR-ACPR-99999", source.get("psd2.client-id"), source.toString());
        assertEquals("true", source.get("psd2.client-id-linked"), source.toString());
    }

    @Test
    void anotherDefaultAuthenticationContextIsRefusedAndNothingOfOursIsWritten() throws Exception {
        Path base = base("other-default");

        WildFlyCli.Session run = cli(base).runOffline(base, PROFILE, properties(base, Map.of()),
                List.of(otherDefaultScript(base), script("configure.cli")));

        assertFalse(run.succeeded(), run.output());
        assertTrue(run.output().contains("REFUSED, nothing was changed"), run.output());
        assertTrue(run.output().contains("default-authentication-context is already\nPSD2: other-app"), run.output());
        assertTrue(run.output().contains(REPLACE_DEFAULT + "=true"), run.output());
        assertTrue(run.output().contains("\"match-host\" => \"ejb.example.org\""), "its rules are shown: " + run.output());
        String after = xml(base, PROFILE);
        assertTrue(after.contains("default-authentication-context=\"other-app\""), "the default stays");
        assertFalse(after.contains("psd2"), "nothing of configure.cli was written");
    }

    @Test
    void replacingAnotherDefaultTakesThePropertyAndRestoreLeavesNoDefault() throws Exception {
        Path base = base("replace-default");

        WildFlyCli.Session run = cli(base).runOffline(base, PROFILE, properties(base, Map.of(REPLACE_DEFAULT, "true")),
                List.of(otherDefaultScript(base), script("configure.cli"), check(base), script("restore.cli")));

        assertTrue(run.succeeded(), run.output());
        assertTrue(run.output().contains("\"result\" => \"psd2-banks\""), "configure.cli replaced it: " + run.output());
        String after = xml(base, PROFILE);
        assertFalse(after.contains("default-authentication-context="), "restore.cli does not bring the old default back");
        assertTrue(after.contains("<authentication-context name=\"other-app\">"), "the other context itself stays");
    }

    @Test
    void aSecondRunFailsOnTheExistingResourcesNotOnTheDefaultCheck() throws Exception {
        Path base = base("second-run");

        WildFlyCli.Session run = cli(base).runOffline(base, PROFILE, properties(base, Map.of()),
                List.of(script("configure.cli"), script("configure.cli")));

        assertFalse(run.succeeded(), run.output());
        assertFalse(run.output().contains("REFUSED"), "psd2-banks as default is ours: " + run.output());
        assertTrue(run.output().contains("WFLYCTL0212: Duplicate resource"), run.output());
        assertTrue(xml(base, PROFILE).contains("default-authentication-context=\"psd2-banks\""),
                "the first run's configuration stays");
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone.xml", "standalone-ha.xml", "standalone-full-ha.xml",
            "standalone-microprofile.xml"})
    void configureThenRestoreGivesBackTheStockFileOnEveryStandaloneProfile(String profile) throws Exception {
        Path base = base("round-trip-" + profile.replace(".xml", ""));
        String stock = xml(base, profile);

        // The testbed's file leaves psd2.client-id empty; psd2.client-id-linked is empty too here.
        WildFlyCli.Session run = cli(base).runOffline(base, profile,
                properties(base, Map.of("psd2.client-id-linked", "")),
                List.of(script("configure.cli"), check(base), script("restore.cli")));

        assertTrue(run.succeeded(), run.output());
        assertTrue(run.output().contains("\"result\" => \"psd2-banks\""), profile + ": " + run.output());
        String properties = run.output().substring(run.output().indexOf("\"psd2.token-endpoint-template\""));
        assertTrue(properties.startsWith("\"psd2.token-endpoint-template\" => \""
                + testbedValue("psd2.token-endpoint-template") + "\""), profile + ": " + run.output());
        assertFalse(run.output().contains("\"psd2.client-id"), "empty values are not written: " + run.output());
        assertEquals(stock, xml(base, profile), profile + " after restore.cli");
    }

    private static Path base(String name) throws IOException {
        return ProfileServer.stockBaseDir(TestbedExtension.testbed(), "scripts-" + name);
    }

    private static WildFlyCli cli(Path base) {
        return new WildFlyCli(TestbedExtension.testbed().options().jbossHome(), base);
    }

    private static List<Path> scripts(String name) {
        return List.of(script(name));
    }

    private static Path script(String name) {
        return TestbedExtension.testbed().options().serverConfigDir().resolve(name);
    }

    /** Prints what configure.cli left: the default authentication context and the config source's values. */
    private static Path check(Path base) throws IOException {
        return Files.writeString(base.resolve("check.cli"), String.join("\n",
                "/subsystem=elytron:read-attribute(name=default-authentication-context)",
                "/subsystem=microprofile-config-smallrye/config-source=psd2:read-attribute(name=properties)", ""),
                StandardCharsets.UTF_8);
    }

    /** A default authentication context of another application, as an operator may already have one. */
    private static Path otherDefaultScript(Path base) throws IOException {
        return Files.writeString(base.resolve("other-default.cli"), String.join("\n",
                "/subsystem=elytron/authentication-context=other-app:add(match-rules=[{match-host=ejb.example.org}])",
                "/subsystem=elytron:write-attribute(name=default-authentication-context, value=other-app)", ""),
                StandardCharsets.UTF_8);
    }

    /** The testbed's properties for the scripts, with some values replaced or added and some keys left out. */
    private static Path properties(Path base, Map<String, String> values, String... without) throws IOException {
        Properties p = testbedProperties();
        p.putAll(values);
        for (String key : without) {
            p.remove(key);
        }
        Path file = base.resolve("psd2.properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, null);
        }
        return file;
    }

    private static String testbedValue(String key) throws IOException {
        return testbedProperties().getProperty(key);
    }

    private static Properties testbedProperties() throws IOException {
        Testbed testbed = TestbedExtension.testbed();
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(testbed.serverProperties(), StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p;
    }

    private static String xml(Path base, String profile) throws IOException {
        return Files.readString(base.resolve("configuration").resolve(profile), StandardCharsets.UTF_8);
    }

    /** The properties of the config source psd2 in a server configuration file. */
    static Map<String, String> configSource(String xml) {
        Matcher block = Pattern.compile("<config-source name=\"psd2\"[^>]*>(.*?)</config-source>", Pattern.DOTALL)
                .matcher(xml);
        assertTrue(block.find(), "no config source psd2");
        Map<String, String> properties = new LinkedHashMap<>();
        Matcher property = Pattern.compile("<property name=\"([^\"]*)\" value=\"([^\"]*)\"/>").matcher(block.group(1));
        while (property.find()) {
            properties.put(property.group(1), property.group(2));
        }
        return properties;
    }
}
