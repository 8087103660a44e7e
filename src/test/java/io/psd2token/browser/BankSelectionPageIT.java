package io.psd2token.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.psd2token.testbed.BankSimulator;
import io.psd2token.testbed.Deployments;
import io.psd2token.testbed.TestBanks;
import io.psd2token.testbed.TestbedExtension;
import io.psd2token.testbed.WildFlyTest;
import jakarta.json.Json;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo's bank-selection page in a real browser (headless Chromium) against the demo WAR on a real WildFly:
 * a PSU searches, picks a bank, sees the application's token for it (its fingerprint, never the token) and
 * sends a payment that reaches the simulated bank over mutual TLS.
 */
@DisabledIfSystemProperty(named = HeadlessChromium.SKIP_PROPERTY, matches = "true",
        disabledReason = "browser tests skipped with -D" + HeadlessChromium.SKIP_PROPERTY + "=true")
@ExtendWith(HeadlessChromium.Required.class) // above @WildFlyTest: a missing browser fails before WildFly starts
@WildFlyTest
class BankSelectionPageIT {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{12}");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    // The first token request of a fresh server sets up TLS contexts and may take a few seconds.
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static HeadlessChromium chromium;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.demoWar("psd2-demo-browser", TestbedExtension.testbed().testBankConfig());
    }

    @ArquillianResource
    URL url;

    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void startBrowser() {
        chromium = HeadlessChromium.start(Path.of("target", "browser"));
    }

    @AfterAll
    static void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void openPage() {
        browser = chromium.driver();
        wait = new WebDriverWait(browser, PATIENCE);
        wait.ignoring(StaleElementReferenceException.class);
        // The context root itself, not index.html: the welcome file and the page's relative URLs must both work.
        browser.get(url.toString());
        wait.until(d -> !d.findElement(By.id("results-status")).getText().startsWith("Loading"));
    }

    @Test
    void psuFindsTheirBankSeesItsTokenAndSendsAPayment() throws Exception {
        type("ile de france");
        new Select(browser.findElement(By.id("network-filter"))).selectByValue("CAISSE_EPARGNE");
        WebElement ceidf = wait.until(d -> onlyOption(d, "17515"));
        assertTrue(ceidf.getText().contains("Caisse d'Epargne Ile-de-France"), ceidf.getText());
        assertTrue(ceidf.getText().contains("CEIDF"), ceidf.getText());
        assertEquals("1 bank found.", browser.findElement(By.id("results-status")).getText());

        ceidf.click();
        assertEquals("true", ceidf.getDomAttribute("aria-pressed"));
        String fingerprint = wait.until(d -> textMatching(d, "token-fingerprint", FINGERPRINT));
        assertEquals("Bearer", browser.findElement(By.id("token-type")).getText());
        assertEquals("pisp", browser.findElement(By.id("token-scope")).getText());
        assertTrue(browser.findElement(By.id("token-expiry")).getText().contains("in "),
                browser.findElement(By.id("token-expiry")).getText());
        assertEquals(applicationTokenFingerprint("17515"), fingerprint, "the page shows the application's token");

        BankSimulator bank = TestbedExtension.testbed().simulator();
        int payments = bank.paymentRequests("17515");
        browser.findElement(By.id("send-payment")).click();
        WebElement outcome = wait.until(d -> present(d, By.cssSelector("#payment-outcome .outcome")));
        assertEquals("201", outcome.getDomAttribute("data-status"), outcome.getText());
        assertTrue(outcome.getText().contains("201"), outcome.getText());
        String id = browser.findElement(By.id("payment-resource-id")).getText();
        assertTrue(UUID.matcher(id).matches(), id);
        assertTrue(browser.findElement(By.id("consent-link")).getDomProperty("href").endsWith("/" + id));
        assertEquals(payments + 1, bank.paymentRequests("17515"), "one payment request reached the bank");

        chromium.screenshot(SCREENSHOTS.resolve("bank-selection.png"));
    }

    @Test
    void searchThatFindsNoBankShowsTheEmptyState() {
        type("nowhere bank");
        WebElement empty = wait.until(d -> displayed(d, By.id("results-empty")));
        assertTrue(empty.getText().contains("No bank matches \u201cnowhere bank\u201d"), empty.getText());
        assertEquals("No bank found.", browser.findElement(By.id("results-status")).getText());
        assertTrue(browser.findElements(By.cssSelector("#bank-results button")).isEmpty());
        chromium.screenshot(SCREENSHOTS.resolve("bank-selection-empty.png"));
    }

    @Test
    void typedErrorIsShownWithItsNameAndMessage() {
        type(TestBanks.NO_MATCH_RULE);
        wait.until(d -> onlyOption(d, TestBanks.NO_MATCH_RULE)).click();
        WebElement tokenError = wait.until(d -> displayed(d, By.id("token-error")));
        assertTrue(tokenError.getText().contains("TlsSetupException"), tokenError.getText());
        assertTrue(tokenError.getText().contains("match rule"), tokenError.getText());
        assertFalse(browser.findElement(By.id("token-status")).isDisplayed(), "no token facts without a token");

        browser.findElement(By.id("send-payment")).click();
        WebElement outcome = wait.until(d -> present(d, By.cssSelector("#payment-outcome .outcome")));
        assertEquals("502", outcome.getDomAttribute("data-status"), outcome.getText());
        assertTrue(outcome.getText().contains("TlsSetupException"), outcome.getText());
        chromium.screenshot(SCREENSHOTS.resolve("bank-selection-error.png"));
    }

    private void type(String text) {
        WebElement search = browser.findElement(By.id("bank-search"));
        search.clear();
        search.sendKeys(text);
    }

    /** The bank's option when it is the only one listed, else null (keep waiting). */
    private static WebElement onlyOption(WebDriver d, String bkcode) {
        List<WebElement> options = d.findElements(By.cssSelector("#bank-results button"));
        boolean only = options.size() == 1 && bkcode.equals(options.get(0).getDomAttribute("data-bkcode"));
        return only ? options.get(0) : null;
    }

    private static String textMatching(WebDriver d, String id, Pattern pattern) {
        String text = d.findElement(By.id(id)).getText();
        return pattern.matcher(text).matches() ? text : null;
    }

    private static WebElement present(WebDriver d, By by) {
        List<WebElement> found = d.findElements(by);
        return found.isEmpty() ? null : found.get(0);
    }

    private static WebElement displayed(WebDriver d, By by) {
        WebElement element = d.findElement(by);
        return element.isDisplayed() ? element : null;
    }

    // What the demo API says about the application's current token, to compare with what the page shows.
    private String applicationTokenFingerprint(String bkcode) throws IOException, InterruptedException {
        URI uri = URI.create(url.toString().replaceAll("/?$", "/")).resolve("api/banks/" + bkcode + "/token");
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(uri).timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        try (JsonReader reader = Json.createReader(new StringReader(response.body()))) {
            return reader.readObject().getString("fingerprint");
        }
    }
}
