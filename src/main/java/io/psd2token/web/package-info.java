/** The opt-in JAX-RS resource that serves the bank directory to a PSU's bank picker. */
package io.psd2token.web;
