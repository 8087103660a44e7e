package io.psd2token.error;

/** The bank's response body was larger than the bound; it was not read further nor parsed. */
public final class ResponseTooLargeException extends BankTokenException {

    private static final long serialVersionUID = 1L;

    public ResponseTooLargeException(String host, int limit) {
        super(null, host + ": response body larger than " + limit + " bytes; not parsed."
                + " A token response is a few hundred bytes: check the token endpoint URL.", null);
    }

    /** The bank announced the size in Content-Length: refused before reading any of it. */
    public ResponseTooLargeException(String host, int limit, long announced) {
        super(null, host + ": response body of " + announced + " bytes announced (Content-Length), larger than "
                + limit + " bytes; not read. A token response is a few hundred bytes: check the token endpoint URL.",
                null);
    }

    private ResponseTooLargeException(ResponseTooLargeException original) {
        super(original);
    }

    @Override
    public ResponseTooLargeException replay() {
        return new ResponseTooLargeException(this);
    }
}
