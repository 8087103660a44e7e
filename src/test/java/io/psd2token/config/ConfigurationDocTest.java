package io.psd2token.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md cannot drift from the code: every key constant must be documented there. */
class ConfigurationDocTest {

    @Test
    void everyConfigurationKeyIsDocumented() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"), StandardCharsets.UTF_8);
        int keys = 0;
        for (Field f : Psd2Config.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String value = (String) f.get(null);
                if (value.startsWith("psd2.") && !value.endsWith(".")) {
                    keys++;
                    assertTrue(doc.contains("`" + value + "`"), value + " is not documented in docs/configuration.md");
                }
            }
        }
        for (String perBank : new String[] {"token-endpoint", "api-base", "scope"}) {
            assertTrue(doc.contains("`psd2.bank.<bkcode>." + perBank + "`"), perBank);
        }
        assertTrue(keys >= 10, "found the key constants");
    }
}
