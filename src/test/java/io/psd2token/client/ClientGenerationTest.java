package io.psd2token.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The Rest Clients of one QWAC generation: never closed under a call in progress, never leaked at a swap. */
class ClientGenerationTest {

    private final List<Object> closed = new CopyOnWriteArrayList<>();

    @Test
    void aRotationDuringACallClosesTheOldClientOnlyWhenTheCallEnds() {
        // Found by the hardening runs: the clients were closed, then the map cleared: a call in progress got a closed client,
        // and a client built in between leaked.
        ClientGeneration<String> old = new ClientGeneration<>(closed::add);
        assertTrue(old.acquire());
        Object client = old.client("13807", k -> "client-of-" + k);
        old.retire();
        assertTrue(closed.isEmpty(), "the call in progress keeps its client");
        assertFalse(old.acquire(), "no new call on the retired generation");
        old.release();
        assertEquals(List.of(client), closed, "closed once the call ended");
        assertTrue(old.isClosed());
    }

    @Test
    void aClientBuiltWhileTheGenerationIsRetiredIsClosedToo() {
        ClientGeneration<String> gen = new ClientGeneration<>(closed::add);
        assertTrue(gen.acquire());
        gen.retire();
        gen.client("17515", k -> "late-" + k);
        gen.release();
        assertEquals(List.of("late-17515"), closed, "nothing built under a lease leaks");
    }

    @Test
    void anIdleGenerationClosesAtOnceAndOnlyOnce() {
        ClientGeneration<String> gen = new ClientGeneration<>(closed::add);
        assertTrue(gen.acquire());
        gen.client("13807", k -> "c");
        gen.release();
        gen.retire();
        gen.retire();
        assertEquals(List.of("c"), closed);
    }
}
