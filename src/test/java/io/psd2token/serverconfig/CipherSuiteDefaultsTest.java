package io.psd2token.serverconfig;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.wildfly.security.ssl.CipherSuiteSelector;

/**
 * The TLS 1.2 suites that server-config/configure.cli gives the bank connections by default, as Elytron's own
 * selector evaluates them against this JDK: forward secrecy and AEAD only.
 */
class CipherSuiteDefaultsTest {

    @Test
    void theDefaultTls12SuitesAreEcdheWithAeadOnly() throws Exception {
        // The filter once defaulted to DEFAULT, which kept TLS_RSA_* (no forward secrecy) and CBC.
        String cli = Files.readString(Path.of("server-config/configure.cli"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("cipher-suite-filter=\"\\$\\{psd2\\.tls\\.cipher-suite-filter:([^}]*)}\"").matcher(cli);
        assertTrue(m.find(), "configure.cli sets a default cipher-suite-filter");
        String[] supported = SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites();
        List<String> selected = List.of(CipherSuiteSelector.fromString(m.group(1)).evaluate(supported));
        assertTrue(selected.size() >= 4, selected.toString());
        for (String suite : selected) {
            assertTrue(suite.startsWith("TLS_ECDHE_"), "forward secrecy: " + suite);
            assertTrue(suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305"), "AEAD: " + suite);
            assertFalse(suite.contains("_CBC_"), suite);
        }
        // The check can fail: Elytron's DEFAULT, the former default, selects RSA key exchange and CBC suites.
        List<String> old = List.of(CipherSuiteSelector.fromString("DEFAULT").evaluate(supported));
        assertTrue(old.stream().anyMatch(s -> s.startsWith("TLS_RSA_")) && old.stream().anyMatch(s -> s.contains("_CBC_")));
    }
}
