package io.psd2token.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * A second WildFly from the same distribution, on another of its server configurations (e.g.
 * {@code standalone.xml}), configured offline by the project's server-config scripts and run beside the
 * Arquillian server: it has a base directory of its own ({@code jboss.server.base.dir}) and its own ports.
 */
public final class ProfileServer implements AutoCloseable {

    private final Testbed testbed;
    private final String serverConfig;
    private final Path baseDir;
    private final int portOffset;
    private WildFlyProcess process;
    private String deployment;

    private ProfileServer(Testbed testbed, String serverConfig, Path baseDir, int portOffset) {
        this.testbed = testbed;
        this.serverConfig = serverConfig;
        this.baseDir = baseDir;
        this.portOffset = portOffset;
    }

    /**
     * Makes a fresh base directory from the distribution's stock configuration files and applies
     * {@code configure.cli} and {@code configure-simulator.cli} to {@code serverConfig} offline, with the
     * testbed's properties, as server-config/README.md tells an operator to.
     *
     * @param testbed the running testbed (simulator, PKI, properties)
     * @param serverConfig the configuration file, e.g. {@code standalone.xml}
     * @param portOffset the port offset: HTTP on 8080 + offset, management on 9990 + offset
     */
    public static ProfileServer configure(Testbed testbed, String serverConfig, int portOffset)
            throws IOException, InterruptedException {
        Path baseDir = stockBaseDir(testbed, "profile-" + serverConfig.replace(".xml", ""));
        Path serverConfigDir = testbed.options().serverConfigDir();
        WildFlyCli.Session session = cli(testbed, baseDir).runOffline(baseDir, serverConfig,
                testbed.serverProperties(),
                List.of(serverConfigDir.resolve("configure.cli"), serverConfigDir.resolve("configure-simulator.cli")));
        if (!session.succeeded()) {
            throw new IllegalStateException("configure.cli failed on " + serverConfig + ":\n" + session.output());
        }
        return new ProfileServer(testbed, serverConfig, baseDir, portOffset);
    }

    /**
     * Puts the WAR into the deployment scanner's directory, starts the server and waits until the WAR is deployed.
     */
    public void startWith(WebArchive war) throws IOException, InterruptedException {
        deployment = war.getName();
        war.as(ZipExporter.class).exportTo(baseDir.resolve("deployments").resolve(deployment).toFile(), true);
        start();
    }

    /** Stops the server and starts it again (some changes need more than a reload); waits for the WAR. */
    public void restart() throws IOException, InterruptedException {
        process.close();
        start();
    }

    private void start() throws IOException, InterruptedException {
        // The scanner writes the marker again once the WAR is deployed.
        Files.deleteIfExists(baseDir.resolve("deployments").resolve(deployment + ".deployed"));
        process = WildFlyProcess.start(testbed.options().jbossHome(), baseDir, serverConfig, portOffset,
                baseDir.resolve("console.log"));
        process.awaitDeployed(deployment, Duration.ofMinutes(3));
    }

    /** The management port (health, jboss-cli). */
    public int managementPort() {
        return 9990 + portOffset;
    }

    /** The HTTP port of the applications. */
    public int httpPort() {
        return 8080 + portOffset;
    }

    /** The server's configuration file, as WildFly last wrote it. */
    public String configurationXml() throws IOException {
        return Files.readString(baseDir.resolve("configuration").resolve(serverConfig), StandardCharsets.UTF_8);
    }

    /** The server log. */
    public String serverLog() throws IOException {
        return Files.readString(baseDir.resolve("log/server.log"), StandardCharsets.UTF_8);
    }

    /** Runs one of the project's server-config scripts on the running server, then reloads it. */
    public void applyOnline(String script) throws IOException, InterruptedException {
        cli(testbed, baseDir).applyOnlineAndReload(managementPort(), testbed.options().serverConfigDir().resolve(script));
    }

    /** Runs CLI commands on the running server, then reloads it; the reload returns once it is running again. */
    public void runOnlineAndReload(String... commands) throws IOException, InterruptedException {
        Path script = baseDir.resolve("online.cli");
        Files.write(script, List.of(commands), StandardCharsets.UTF_8);
        cli(testbed, baseDir).applyOnlineAndReload(managementPort(), script);
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }

    private static WildFlyCli cli(Testbed testbed, Path baseDir) {
        return new WildFlyCli(testbed.options().jbossHome(), baseDir);
    }

    /**
     * A new server base directory under the testbed's work directory (an older one of that name is deleted),
     * holding the distribution's stock configuration files (the stock version of those the testbed changes)
     * and an empty deployments directory.
     *
     * @param name the directory's name
     * @return its path
     */
    public static Path stockBaseDir(Testbed testbed, String name) throws IOException {
        Path baseDir = testbed.options().workDir().resolve(name);
        if (Files.exists(baseDir)) {
            try (Stream<Path> old = Files.walk(baseDir)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Path stock = testbed.options().jbossHome().resolve("standalone/configuration");
        Path configuration = Files.createDirectories(baseDir.resolve("configuration"));
        try (Stream<Path> files = Files.list(stock)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(".pristine") || fileName.endsWith(".cs")) {
                    continue;
                }
                Path pristine = stock.resolve(fileName + ".pristine");
                Files.copy(Files.exists(pristine) ? pristine : file, configuration.resolve(fileName),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.createDirectories(baseDir.resolve("deployments"));
        return baseDir;
    }
}
