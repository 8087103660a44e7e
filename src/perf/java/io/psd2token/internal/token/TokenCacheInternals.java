package io.psd2token.internal.token;

import java.util.ArrayList;
import java.util.List;

/**
 * What the memory run needs to see inside a {@link TokenManager}: how many slots it has and their cached tokens. It
 * lives in the token package only to read those package-private fields; it changes nothing.
 */
public final class TokenCacheInternals {

    private TokenCacheInternals() {
    }

    /** The number of slots in the registry. */
    public static int slots(TokenManager manager) {
        return manager.registry.all().size();
    }

    /**
     * The tokens of every slot that has one ({@code AccessToken}: the value, its type, scopes, expiry). Their
     * {@code CachedToken} holders are counted apart ({@link #cachedTokenShallowBytes()}): a holder's deadline
     * handle reaches the shared timer, whose whole queue a graph walk would count.
     */
    public static List<Object> cachedTokens(TokenManager manager) {
        List<Object> cached = new ArrayList<>();
        for (TokenSlot slot : manager.registry.all()) {
            if (slot.current != null) {
                cached.add(slot.current.token);
            }
        }
        return cached;
    }

    /** The size of one {@code CachedToken} object itself (its fields, not what they point to). */
    public static long cachedTokenShallowBytes() {
        return org.openjdk.jol.info.ClassLayout.parseClass(CachedToken.class).instanceSize();
    }
}
