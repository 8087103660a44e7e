package io.psd2token.internal.token;

/** How a token request ended: a token, or an error (typed, or a bug reported as it is). */
record Outcome(CachedToken cached, Throwable error) {

    static Outcome success(CachedToken cached) {
        return new Outcome(cached, null);
    }

    static Outcome failure(Throwable error) {
        return new Outcome(null, error);
    }
}
