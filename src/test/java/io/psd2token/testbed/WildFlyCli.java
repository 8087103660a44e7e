package io.psd2token.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's jboss-cli scripts against a stopped WildFly, through an embedded server: the same
 * scripts an operator runs with {@code --connect} against a running one.
 */
public final class WildFlyCli {

    /** The profile the tests and the demo run on. */
    static final String DEFAULT_SERVER_CONFIG = "standalone-microprofile.xml";

    private final Path jbossHome;
    private final Path workDir;
    private final String serverConfig;
    private final Path baseDir;

    /**
     * @param jbossHome the unpacked WildFly
     * @param workDir where the session files and the CLI's output go
     */
    public WildFlyCli(Path jbossHome, Path workDir) {
        this(jbossHome, workDir, DEFAULT_SERVER_CONFIG, null);
    }

    /**
     * @param serverConfig the configuration file the embedded server edits, e.g. {@code standalone-ha.xml}
     * @param baseDir the server's base directory ({@code jboss.server.base.dir}), or null for the home's
     *        {@code standalone/}: a cluster node of the tests has its own under one shared home
     */
    WildFlyCli(Path jbossHome, Path workDir, String serverConfig, Path baseDir) {
        this.jbossHome = jbossHome;
        this.workDir = workDir;
        this.serverConfig = serverConfig;
        this.baseDir = baseDir;
    }

    /** What an offline session printed, and how it ended. */
    public record Session(int exit, String output) {

        /** Whether jboss-cli ended without error. */
        public boolean succeeded() {
            return exit == 0;
        }
    }

    /**
     * Applies the scripts, in order, in one embedded-server session on this instance's profile and base directory;
     * fails if one fails.
     *
     * @param properties the {@code --properties} file the scripts read their values from
     * @param scripts the CLI files
     */
    void applyOffline(Path properties, List<Path> scripts) throws IOException, InterruptedException {
        Session session = runOffline(baseDir, serverConfig, properties, scripts);
        if (!session.succeeded()) {
            throw new IllegalStateException("jboss-cli failed (exit " + session.exit() + "):\n"
                    + tail(session.output()));
        }
    }

    /**
     * Runs the scripts, in order, in one embedded-server session, as the offline commands of
     * server-config/README.md do, and reports how it ended instead of failing.
     *
     * @param baseDir the server's base directory ({@code jboss.server.base.dir}), or {@code null} for the
     *        distribution's {@code standalone/}
     * @param serverConfig the configuration file in its {@code configuration/} directory, e.g. {@code standalone.xml}
     * @param properties the {@code --properties} file the scripts read their values from
     * @param scripts the CLI files
     * @return the CLI's exit value and output
     */
    public Session runOffline(Path baseDir, String serverConfig, Path properties, List<Path> scripts)
            throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        lines.add("embed-server --server-config=" + serverConfig + " --std-out=discard");
        for (Path script : scripts) {
            if (lines.size() > 1) {
                // As an operator would between scripts: a server in reload-required state skips runtime steps,
                // such as storing a password in the credential store.
                lines.add("reload --admin-only=true");
            }
            lines.add("# --- " + script.getFileName());
            lines.addAll(Files.readAllLines(script, StandardCharsets.UTF_8));
        }
        lines.add("stop-embedded-server");
        Path session = workDir.resolve("offline-session.cli");
        Files.write(session, lines, StandardCharsets.UTF_8);
        Path log = workDir.resolve("jboss-cli.log");
        List<String> arguments = new ArrayList<>();
        if (baseDir != null) {
            // The embedded server honours the base directory like standalone.sh does.
            arguments.add("-Djboss.server.base.dir=" + baseDir.toAbsolutePath());
        }
        arguments.addAll(List.of("--resolve-parameter-values", "--properties=" + properties, "--file=" + session));
        int exit = run(log, 3, arguments.toArray(String[]::new));
        return new Session(exit, Files.readString(log, StandardCharsets.UTF_8));
    }

    /**
     * Runs CLI commands against the running server, as an operator would.
     *
     * @param managementPort the server's management port
     * @param commands the commands, run in order
     */
    public void runOnline(int managementPort, String... commands) throws IOException, InterruptedException {
        connected(managementPort, "--commands=" + String.join(",", commands));
    }

    /**
     * Runs a script against the running server, then reloads it, as an operator would
     * ({@code jboss-cli.sh --connect --file=...}, then {@code reload}, which returns once the server is back).
     *
     * @param managementPort the server's management port
     * @param script the CLI file
     */
    public void applyOnlineAndReload(int managementPort, Path script) throws IOException, InterruptedException {
        connected(managementPort, "--file=" + script.toAbsolutePath());
        connected(managementPort, "--command=reload");
    }

    private void connected(int managementPort, String what) throws IOException, InterruptedException {
        Path log = workDir.resolve("jboss-cli-online.log");
        // --timeout also bounds how long "reload" waits for the server to come back (5 s by default), which a
        // server redeploying an application on a loaded machine can exceed.
        int exit = run(log, 2, "--connect", "--controller=remote+http://127.0.0.1:" + managementPort,
                "--timeout=60000", what);
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (exit != 0 || output.contains("\"outcome\" => \"failed\"")) {
            throw new IllegalStateException("jboss-cli failed (exit " + exit + "):\n" + output);
        }
    }

    /** Runs jboss-cli with the arguments, its output in {@code log}; returns its exit value. */
    private int run(Path log, int timeoutMinutes, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(jbossHome.resolve("bin/jboss-cli.sh").toString());
        command.addAll(List.of(arguments));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JBOSS_HOME", jbossHome.toString());
        pb.environment().remove("JAVA_OPTS");
        if (baseDir != null) {
            pb.environment().put("JAVA_OPTS", "-Djboss.server.base.dir=" + baseDir);
        }
        Process process = pb.start();
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("jboss-cli did not finish within " + timeoutMinutes + " minutes; see " + log);
        }
        return process.exitValue();
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
