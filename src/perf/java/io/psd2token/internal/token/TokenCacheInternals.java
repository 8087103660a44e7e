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

    /** The cached entries ({@code CachedToken}, holding the {@code AccessToken}) of every slot that has one. */
    public static List<Object> cachedTokens(TokenManager manager) {
        List<Object> cached = new ArrayList<>();
        for (TokenSlot slot : manager.registry.all()) {
            if (slot.current != null) {
                cached.add(slot.current);
            }
        }
        return cached;
    }
}
