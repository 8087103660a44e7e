package io.psd2token.internal.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The configuration docs cannot drift from the code: every MicroProfile Config key the library reads is in
 * docs/configuration.md, and every property the server-config scripts read is in docs/live-setup.md's table.
 */
class ConfigurationDocTest {

    private static final Pattern CLI_PROPERTY = Pattern.compile("\\$\\{(psd2\\.[a-z0-9.-]+)(:[^}]*)?}");

    @Test
    void everyConfigurationKeyIsDocumentedWithItsDefault() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"), StandardCharsets.UTF_8);
        List<Key<?>> keys = new ArrayList<>();
        for (Field f : Psd2Keys.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Key.class) {
                keys.add((Key<?>) f.get(null));
            }
        }
        for (Key<?> key : keys) {
            int row = doc.indexOf("| `" + key.name() + "` |");
            assertTrue(row >= 0, key.name() + " has no row in docs/configuration.md");
            String line = doc.substring(row, doc.indexOf('\n', row));
            key.defaultText().ifPresent(d -> assertTrue(line.contains("`" + d + "`"),
                    key.name() + ": its default `" + d + "` is not in its row: " + line));
        }
        for (Psd2Keys.PerBank perBank : Psd2Keys.PerBank.values()) {
            assertTrue(doc.contains("`psd2.bank.<bkcode>." + perBank.suffix() + "`"), perBank.suffix());
        }
        assertTrue(keys.size() >= 30, "found the key constants: " + keys);
    }

    @Test
    void everyServerConfigPropertyIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("docs/live-setup.md"), StandardCharsets.UTF_8);
        Set<String> properties = new TreeSet<>();
        try (Stream<Path> scripts = Files.list(Path.of("server-config"))) {
            for (Path script : scripts.filter(p -> p.toString().endsWith(".cli")).toList()) {
                Matcher m = CLI_PROPERTY.matcher(Files.readString(script, StandardCharsets.UTF_8));
                while (m.find()) {
                    properties.add(m.group(1));
                }
            }
        }
        assertTrue(properties.size() >= 10, "found the properties: " + properties);
        for (String property : properties) {
            assertTrue(doc.contains("`" + property + "`"), property + " is not documented in docs/live-setup.md");
        }
    }
}
