package io.psd2token.testbed;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An Arquillian test on the cluster nodes of {@code arquillian-cluster.xml} (started and stopped by the test), with
 * the cluster testbed prepared first. Runs in the build's second failsafe execution (see pom.xml).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ClusterTestbedExtension.class)
@ExtendWith(ArquillianExtension.class)
public @interface ClusterTest {
}
