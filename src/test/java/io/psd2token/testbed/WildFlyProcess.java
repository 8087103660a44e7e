package io.psd2token.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A WildFly started from its distribution's script, stopped with all its child processes (the demo, the load runs). */
public final class WildFlyProcess implements AutoCloseable {

    private final Process process;
    private final Path baseDir;

    private WildFlyProcess(Process process, Path baseDir) {
        this.process = process;
        this.baseDir = baseDir;
    }

    /** Starts {@code standalone-microprofile.xml} on 127.0.0.1 with the given port offset. */
    public static WildFlyProcess start(Path jbossHome, int portOffset, Path consoleLog) throws IOException {
        return start(jbossHome, jbossHome.resolve("standalone"), WildFlyCli.DEFAULT_SERVER_CONFIG, portOffset,
                consoleLog);
    }

    /**
     * Starts a server configuration of the distribution on 127.0.0.1.
     *
     * @param baseDir its base directory ({@code jboss.server.base.dir}): configuration, deployments, data, log
     * @param serverConfig the configuration file, e.g. {@code standalone.xml}
     */
    public static WildFlyProcess start(Path jbossHome, Path baseDir, String serverConfig, int portOffset,
            Path consoleLog) throws IOException {
        Files.deleteIfExists(baseDir.resolve("log/server.log"));
        ProcessBuilder pb = new ProcessBuilder(jbossHome.resolve("bin/standalone.sh").toString(),
                "-c", serverConfig,
                "-Djboss.server.base.dir=" + baseDir.toAbsolutePath(),
                "-Djboss.socket.binding.port-offset=" + portOffset,
                "-Djboss.bind.address=127.0.0.1",
                "-Djboss.bind.address.management=127.0.0.1")
                .redirectErrorStream(true)
                .redirectOutput(consoleLog.toFile());
        pb.environment().put("JBOSS_HOME", jbossHome.toString());
        pb.environment().put("LAUNCH_JBOSS_IN_BACKGROUND", "true");
        return new WildFlyProcess(pb.start(), baseDir);
    }

    /** Waits until the deployment scanner reports the archive deployed; fails if it failed or time ran out. */
    public void awaitDeployed(String archiveName, Duration timeout) throws IOException, InterruptedException {
        Path deployments = baseDir.resolve("deployments");
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (Files.exists(deployments.resolve(archiveName + ".deployed"))) {
                return;
            }
            Path failed = deployments.resolve(archiveName + ".failed");
            if (Files.exists(failed)) {
                throw new IllegalStateException("deployment failed: " + Files.readString(failed, StandardCharsets.UTF_8));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("WildFly exited with " + process.exitValue());
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(archiveName + " not deployed within " + timeout.toSeconds() + " s; see "
                + baseDir.resolve("log/server.log"));
    }

    /** Blocks until WildFly exits. */
    public void await() throws InterruptedException {
        process.waitFor();
    }

    @Override
    public void close() {
        // standalone.sh runs java as a child: stop the children first, then the script.
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        process.destroy();
        for (ProcessHandle child : children) {
            child.onExit().completeOnTimeout(child, 20, java.util.concurrent.TimeUnit.SECONDS).join();
            child.destroyForcibly();
        }
        process.destroyForcibly();
    }
}
