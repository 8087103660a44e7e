package io.psd2token.demo;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The demo PISP application's REST root: {@code /api}. */
@ApplicationPath("/api")
public class DemoApplication extends Application {
}
