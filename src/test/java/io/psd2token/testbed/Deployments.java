package io.psd2token.testbed;

import io.psd2token.demo.BankResource;
import io.psd2token.demo.BankTokenExceptionMapper;
import io.psd2token.demo.DemoApplication;
import io.psd2token.demo.PaymentInitiation;
import io.psd2token.demo.PaymentRequestsApi;
import io.psd2token.demo.SamplePaymentRequest;
import io.psd2token.demo.TokenStatus;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jboss.shrinkwrap.api.importer.ExplodedImporter;

/**
 * Builds the demo application as a WAR, and as an EAR whose {@code lib/} holds the library: both from the
 * library jar the build just packaged, so the tests run what users deploy.
 */
public final class Deployments {

    private Deployments() {
    }

    /** The packaged library jar ({@code target/psd2-token-<version>.jar}). */
    public static JavaArchive library() {
        String jar = System.getProperty("psd2.library.jar");
        if (jar == null || !new File(jar).isFile()) {
            throw new IllegalStateException("library jar not found (" + jar + "); run through Maven: mvn verify");
        }
        return ShrinkWrap.createFromZipFile(JavaArchive.class, new File(jar));
    }

    /** The library's run-time dependency (BouncyCastle, to read the QWAC), as Maven puts it in a WAR. */
    public static JavaArchive bouncyCastle() {
        try {
            File jar = new File(BouncyCastleProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return ShrinkWrap.createFromZipFile(JavaArchive.class, jar);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The demo WAR with the library in WEB-INF/lib and the given application-level config values. */
    public static WebArchive demoWar(String name, Map<String, String> config) {
        WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war")
                .addPackage(DemoApplication.class.getPackage())
                .addAsLibraries(library(), bouncyCastle())
                .addAsResource(new StringAsset(properties(config)), "META-INF/microprofile-config.properties");
        Path webapp = webappDir();
        if (webapp.toFile().isDirectory()) {
            war.as(ExplodedImporter.class).importDirectory(webapp.toFile());
        }
        return war;
    }

    /**
     * The demo as an EAR: the library (and BouncyCastle) in {@code lib/}, an EJB module holding the payment
     * service, and a web module holding the JAX-RS resources, which call the EJB.
     */
    public static EnterpriseArchive demoEar(String name, Map<String, String> config) {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, name + "-ejb.jar")
                .addClasses(PaymentInitiation.class, PaymentInitiation.BankAnswer.class, PaymentRequestsApi.class,
                        TokenStatus.class);
        WebArchive war = ShrinkWrap.create(WebArchive.class, name + "-web.war")
                .addClasses(DemoApplication.class, BankResource.class, BankTokenExceptionMapper.class,
                        BankTokenExceptionMapper.Problem.class, SamplePaymentRequest.class)
                .addAsResource(new StringAsset(properties(config)), "META-INF/microprofile-config.properties");
        return ShrinkWrap.create(EnterpriseArchive.class, name + ".ear")
                .addAsLibraries(library(), bouncyCastle())
                .addAsModule(ejb)
                .addAsModule(war);
    }

    /**
     * The demo WAR as an application that shares its tokens in a cluster would ship it (docs/cluster.md): the
     * Infinispan modules in its manifest, the cache reference in its web.xml, plus {@code extra} test classes.
     */
    public static WebArchive clusterWar(String name, Map<String, String> config, Class<?>... extra) {
        return demoWar(name, config)
                .addClasses(extra)
                .setManifest(new StringAsset("Manifest-Version: 1.0\nDependencies: org.infinispan,"
                        + " org.infinispan.commons\n"))
                .setWebXML(Deployments.class.getResource("/cluster/web.xml"));
    }

    /**
     * The demo EAR sharing its tokens: the Infinispan modules in the EAR's jboss-deployment-structure.xml (the
     * library is in {@code lib/}), the cache reference in its web module's web.xml, {@code extra} classes there. The
     * configuration is in a jar of {@code lib/} as well: the library starts in whichever module is first, and a web
     * module's {@code microprofile-config.properties} is not seen from the EJB module.
     */
    public static EnterpriseArchive clusterEar(String name, Map<String, String> config, Class<?>... extra) {
        JavaArchive settings = ShrinkWrap.create(JavaArchive.class, name + "-config.jar")
                .addAsManifestResource(new StringAsset(properties(config)), "microprofile-config.properties");
        EnterpriseArchive ear = demoEar(name, config)
                .addAsLibrary(settings)
                .addAsManifestResource(Deployments.class.getResource("/cluster/jboss-deployment-structure.xml"),
                        "jboss-deployment-structure.xml");
        ear.getAsType(WebArchive.class, name + "-web.war").addClasses(extra)
                .setWebXML(Deployments.class.getResource("/cluster/web.xml"));
        return ear;
    }

    private static Path webappDir() {
        String dir = System.getProperty("psd2.demo.webapp.dir");
        return dir == null ? Path.of("src/demo/webapp") : Path.of(dir);
    }

    private static String properties(Map<String, String> config) {
        StringBuilder text = new StringBuilder();
        config.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        return text.toString();
    }
}
