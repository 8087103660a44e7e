package io.psd2token.perf.app;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The REST root of the load-test application: {@code /api}. */
@ApplicationPath("/api")
public class LoadApplication extends Application {
}
