package io.psd2token.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through Debian's ChromeDriver: both found at fixed paths, so Selenium
 * Manager is never asked to find or download anything (the build machine has no internet).
 *
 * <p>Paths can be changed with {@code -Dpsd2.browser.chromium=...} and {@code -Dpsd2.browser.chromedriver=...};
 * {@code -Dpsd2.browser.skip=true} skips the browser tests instead of failing them when Chromium is missing.
 */
final class HeadlessChromium implements AutoCloseable {

    /** Set to {@code true} to skip the browser tests (they fail when Chromium is missing otherwise). */
    static final String SKIP_PROPERTY = "psd2.browser.skip";
    static final String BROWSER_PROPERTY = "psd2.browser.chromium";
    static final String DRIVER_PROPERTY = "psd2.browser.chromedriver";

    private static final String INSTALL_HINT = "Install Debian's Chromium and ChromeDriver (as root): apt-get update"
            + " && apt-get install -y chromium chromium-driver; or point -D" + BROWSER_PROPERTY + "=... and -D"
            + DRIVER_PROPERTY + "=... at other copies; or skip the browser tests with -D" + SKIP_PROPERTY + "=true";

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Starts ChromeDriver and a headless Chromium with a new empty profile.
     *
     * @param logDir where ChromeDriver writes its log
     * @throws IllegalStateException saying how to install them, when Chromium or ChromeDriver is missing
     */
    static HeadlessChromium start(Path logDir) {
        Path browser = executable(BROWSER_PROPERTY, "/usr/bin/chromium", "Chromium");
        Path chromedriver = executable(DRIVER_PROPERTY, "/usr/bin/chromedriver", "ChromeDriver");
        try {
            Files.createDirectories(logDir);
            Path profile = Files.createTempDirectory("psd2-chromium-");
            // An explicit driver executable is what keeps Selenium Manager out: DriverFinder only runs it
            // when neither the service nor webdriver.chrome.driver names a driver.
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(chromedriver.toFile())
                    .usingAnyFreePort()
                    .withLogFile(logDir.resolve("chromedriver.log").toFile())
                    .build();
            ChromeOptions options = new ChromeOptions()
                    .setBinary(browser.toFile())
                    .addArguments(
                            "--headless",
                            // Root in CI and containers: Chromium's sandbox cannot start there.
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            // The machine has no internet: without these Chromium keeps trying to reach Google.
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--lang=en-US",
                            "--window-size=1280,900",
                            "--user-data-dir=" + profile);
            ChromeDriver driver;
            try {
                driver = new ChromeDriver(service, options);
            } catch (RuntimeException e) {
                service.stop();
                deleteTree(profile);
                throw e;
            }
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
            return new HeadlessChromium(service, driver, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Fails a test class early, before WildFly starts, when Chromium or ChromeDriver is missing; register it with
     * {@code @ExtendWith} above {@code @WildFlyTest}, since JUnit runs class callbacks in declaration order.
     */
    static final class Required implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            executable(BROWSER_PROPERTY, "/usr/bin/chromium", "Chromium");
            executable(DRIVER_PROPERTY, "/usr/bin/chromedriver", "ChromeDriver");
        }
    }

    /** The browser. */
    WebDriver driver() {
        return driver;
    }

    /**
     * Saves a PNG of the whole page: the window is first made tall enough for the viewport to hold all of it.
     *
     * @return the file written
     */
    Path screenshot(Path file) {
        JavascriptExecutor js = driver;
        long content = number(js.executeScript(
                "return Math.ceil(document.documentElement.getBoundingClientRect().height);"));
        // The window's height includes what headless Chromium reserves around the viewport.
        long frame = number(js.executeScript("return window.outerHeight - window.innerHeight;"));
        Dimension size = driver.manage().window().getSize();
        driver.manage().window().setSize(new Dimension(size.getWidth(),
                (int) Math.max(size.getHeight(), content + frame)));
        try {
            new WebDriverWait(driver, Duration.ofSeconds(5)).until(d ->
                    number(js.executeScript("return window.innerHeight;")) >= content);
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(size);
        }
    }

    /** Quits Chromium, stops ChromeDriver and deletes the profile. */
    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteTree(profile);
        }
    }

    private static long number(Object scriptResult) {
        return ((Number) scriptResult).longValue();
    }

    private static Path executable(String property, String defaultPath, String what) {
        Path path = Path.of(System.getProperty(property, defaultPath));
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(what + " is needed for the browser tests and " + path
                    + " is missing or not executable. " + INSTALL_HINT);
        }
        return path;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary profile is harmless.
        }
    }
}
